#!/usr/bin/env bash
# The test command: the README's and CI's. Installs the pinned cfn-lint into ./.venv when it is
# missing, then runs every test of the workspace (template assertions, snapshots, contracts, the
# bad-config corpus, cfn-lint over every synthesized template, and the CLI end to end).
set -euo pipefail
cd "$(dirname "$0")/.."

CFN_LINT_VERSION=1.58.0
if ! .venv/bin/cfn-lint --version 2>/dev/null | grep -q "cfn-lint $CFN_LINT_VERSION"; then
  echo "installing cfn-lint $CFN_LINT_VERSION into .venv" >&2
  python3 -m venv .venv
  .venv/bin/pip install --quiet --disable-pip-version-check "cfn-lint==$CFN_LINT_VERSION"
fi
export CORESTACK_CFN_LINT="$PWD/.venv/bin/cfn-lint"

cargo test --workspace --all-targets "$@"
cargo test --workspace --doc "$@"
