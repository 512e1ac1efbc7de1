#!/usr/bin/env bash
# The test command: the README's and CI's. Installs the pinned cfn-lint (and the Python AgentCore
# SDK, for a conformance test) into ./.venv when they are missing, then runs every test of the
# workspace: template assertions, snapshots, contracts, the bad-config corpus, cfn-lint over every
# synthesized template, the CLI end to end, and the agent SDK's contract tests over real HTTP.
set -euo pipefail
cd "$(dirname "$0")/.."

CFN_LINT_VERSION=1.58.0
if ! .venv/bin/cfn-lint --version 2>/dev/null | grep -q "cfn-lint $CFN_LINT_VERSION"; then
  echo "installing cfn-lint $CFN_LINT_VERSION into .venv" >&2
  python3 -m venv .venv
  .venv/bin/pip install --quiet --disable-pip-version-check "cfn-lint==$CFN_LINT_VERSION"
fi
export CORESTACK_CFN_LINT="$PWD/.venv/bin/cfn-lint"

# moto in server mode, the AWS emulator the deploy tests run against (with tests/moto's extension).
MOTO_VERSION=5.2.5
if ! .venv/bin/python -c "import moto, sys; sys.exit(moto.__version__ != '$MOTO_VERSION')" 2>/dev/null; then
  echo "installing moto[server] $MOTO_VERSION into .venv" >&2
  .venv/bin/pip install --quiet --disable-pip-version-check "moto[server]==$MOTO_VERSION"
fi

# boto3, for the test that drives `corestack dev` with Python's bedrock-agentcore client.
BOTO3_VERSION=1.44.8
if ! .venv/bin/python -c "import boto3" 2>/dev/null; then
  echo "installing boto3 $BOTO3_VERSION into .venv" >&2
  .venv/bin/pip install --quiet --disable-pip-version-check "boto3==$BOTO3_VERSION" \
    || echo "warning: boto3 could not be installed; the boto3 test of corestack dev will be skipped" >&2
fi

# The Python SDK, for the conformance test of echo-agent against its Python twin. If it cannot be
# installed, that one test says so and checks nothing; everything else still runs.
AGENTCORE_SDK_VERSION=1.25.0
if ! .venv/bin/python -c "import bedrock_agentcore" 2>/dev/null; then
  echo "installing bedrock-agentcore $AGENTCORE_SDK_VERSION into .venv" >&2
  .venv/bin/pip install --quiet --disable-pip-version-check "bedrock-agentcore==$AGENTCORE_SDK_VERSION" \
    || echo "warning: bedrock-agentcore could not be installed; the conformance test will be skipped" >&2
fi

cargo test --workspace --all-targets "$@"
cargo test --workspace --doc "$@"
