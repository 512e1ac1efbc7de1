#!/usr/bin/env bash
# echo-agent (release build) against its twin on the Python AgentCore SDK, on this machine:
# readiness, memory, throughput and latency (see scripts/bench_agent.py). Needs wrk
# (apt-get install wrk) and the Python SDK in .venv (scripts/test.sh installs it).
set -euo pipefail
cd "$(dirname "$0")/.."
command -v wrk >/dev/null || { echo "needs wrk (apt-get install wrk)" >&2; exit 2; }
.venv/bin/python -c "import bedrock_agentcore" || { echo "needs .venv with bedrock-agentcore (run scripts/test.sh)" >&2; exit 2; }
cargo build --release --quiet -p echo-agent
python3 scripts/bench_agent.py "$@" \
  "echo-agent (Rust)=$PWD/target/release/echo-agent" \
  "Python SDK=$PWD/.venv/bin/python $PWD/agents/echo-agent/python/echo_app.py"
