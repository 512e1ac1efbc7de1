#!/usr/bin/env bash
# The test command: the README's and CI's. Installs the pinned cfn-lint, moto, boto3 and the
# Python AgentCore SDK into ./.venv when they are missing, then runs every test of the workspace:
# template assertions, snapshots, contracts, the bad-config corpus, cfn-lint over every
# synthesized template, the CLI end to end against moto, and the agents over real HTTP.
#
# Under CI (CI=true) nothing may be missing: a failed install fails the run, and so does a test
# whose dependency is absent. Elsewhere such a test is skipped, and counted in the summary.
set -euo pipefail
cd "$(dirname "$0")/.."

CI_MODE=false
if [ "${CI:-}" = "true" ] || [ "${CI:-}" = "1" ]; then
  CI_MODE=true
  export CORESTACK_REQUIRE_ALL=1
fi

# pip_install NAME SPEC CHECK: installs SPEC into .venv unless CHECK (python code) succeeds.
pip_install() {
  local name=$1 spec=$2 check=$3
  if .venv/bin/python -c "$check" 2>/dev/null; then
    return 0
  fi
  echo "installing $spec into .venv" >&2
  if ! .venv/bin/pip install --quiet --disable-pip-version-check "$spec"; then
    if [ "$CI_MODE" = true ]; then
      echo "error: $spec could not be installed, and CI runs every test" >&2
      exit 1
    fi
    echo "warning: $spec could not be installed; the tests that need $name will be skipped" >&2
  fi
}

[ -x .venv/bin/python ] || python3 -m venv .venv
CFN_LINT_VERSION=1.58.0
pip_install cfn-lint "cfn-lint==$CFN_LINT_VERSION" \
  "import subprocess, sys; sys.exit(b'$CFN_LINT_VERSION' not in subprocess.run(['.venv/bin/cfn-lint', '--version'], capture_output=True).stdout)"
export CORESTACK_CFN_LINT="$PWD/.venv/bin/cfn-lint"
# moto in server mode, the AWS emulator the deploy tests run against (with tests/moto's extension).
MOTO_VERSION=5.2.5
pip_install moto "moto[server]==$MOTO_VERSION" "import moto, sys; sys.exit(moto.__version__ != '$MOTO_VERSION')"
# boto3, for the test that drives `corestack dev` with Python's bedrock-agentcore client.
pip_install boto3 "boto3==1.44.8" "import boto3"
# The Python SDK, for the conformance test of echo-agent against its Python twin.
pip_install bedrock-agentcore "bedrock-agentcore==1.25.0" "import bedrock_agentcore"

# The Python MCP SDK: its Streamable HTTP client and server, for the MCP agents' tests and twin.
pip_install mcp "mcp==2.3.0" "import mcp.client.streamable_http, mcp.server.mcpserver"
# The A2A Python SDK: its client, and its server for a2a-echo's twin.
pip_install a2a-sdk "a2a-sdk[http-server]==1.3.0" "import a2a.client, a2a.server.routes, uvicorn, httpx"
# A WebSocket client, for the data plane's WebSocket through corestack dev.
pip_install websockets "websockets==17.4" "import websockets"
# The AG-UI protocol's Python package: its event models validate agui-echo's events.
pip_install ag-ui-protocol "ag-ui-protocol==1.0.0" "import ag_ui.core"

SKIP_LOG="$(mktemp)"
trap 'rm -f "$SKIP_LOG"' EXIT
export CORESTACK_SKIP_LOG="$SKIP_LOG"
cargo test --workspace --all-targets "$@"
cargo test --workspace --doc "$@"
skipped=$(wc -l < "$SKIP_LOG")
if [ "$skipped" -gt 0 ]; then
  echo "test.sh: $skipped test(s) skipped for a missing dependency:" >&2
  sed 's/^/  /' "$SKIP_LOG" >&2
else
  echo "test.sh: no test skipped" >&2
fi
