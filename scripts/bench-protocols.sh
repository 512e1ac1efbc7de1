#!/usr/bin/env bash
# MCP and A2A servers, Rust (release) against their Python twins on the same machine: start to
# ready (spawn until the first tools/call or SendMessage answers 200; median of 10), then wrk at
# 64 connections for 10 s: requests per second and the 50th and 99th percentile latency.
# MCP: tools/call of add on mcp-tools against the Python MCP SDK's server (stateless, JSON).
# A2A: SendMessage on a2a-echo against the A2A Python SDK's server.
# Needs wrk, and the Python packages scripts/test.sh installs into .venv.
# Usage: scripts/bench-protocols.sh [SECONDS]
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-10}
cargo build --release --quiet -p mcp-tools -p a2a-echo
py=.venv/bin/python
work=$(mktemp -d)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$work"; }
trap cleanup EXIT

mcp_body='{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"add","arguments":{"a":2,"b":40}}}'
a2a_body='{"jsonrpc":"2.0","id":1,"method":"SendMessage","params":{"message":{"messageId":"m1","role":"ROLE_USER","parts":[{"text":"hello"}]}}}'
mcp_headers='content-type: application/json|accept: application/json, text/event-stream|mcp-protocol-version: 2025-06-18'
a2a_headers='content-type: application/json|a2a-version: 1.0'

# ready PORT PATH BODY HEADERS: seconds until a POST answers 200 (polling every 2 ms).
ready() {
  "$py" - "$@" <<'PY'
import http.client, sys, time
port, path, body, headers = int(sys.argv[1]), sys.argv[2], sys.argv[3], dict(h.split(": ", 1) for h in sys.argv[4].split("|"))
start = float(sys.argv[5])
while True:
    try:
        c = http.client.HTTPConnection("127.0.0.1", port, timeout=1)
        c.request("POST", path, body, headers)
        if c.getresponse().status == 200:
            break
    except OSError:
        pass
    time.sleep(0.002)
print(f"{time.time() - start:.3f}")
PY
}

# start NAME PORT PATH BODY HEADERS COMMAND...: median start-to-ready of 10 starts; leaves one running.
start() {
  local name=$1 port=$2 path=$3 body=$4 headers=$5; shift 5
  local times=()
  for i in $(seq 10); do
    local t0; t0=$(date +%s.%N)
    PORT=$port AGENT_BIND_ADDRESS=127.0.0.1 RUST_LOG=warn "$@" > /dev/null 2>&1 &
    local pid=$!
    times+=("$(ready "$port" "$path" "$body" "$headers" "$t0")")
    if [ "$i" -lt 10 ]; then kill "$pid"; wait "$pid" 2>/dev/null || true; else pids+=("$pid"); fi
  done
  printf '%s\n' "${times[@]}" | sort -n | sed -n 5p | xargs printf "  %-34s start to ready %s s (median of 10)\n" "$name"
}

# load NAME PORT PATH BODY HEADERS: wrk, 2 threads, 64 connections.
load() {
  local name=$1 port=$2 path=$3 body=$4 headers=$5
  local lua="$work/$name.lua"
  {
    echo "wrk.method = 'POST'"
    echo "wrk.body = [[$body]]"
    IFS='|' read -ra hs <<< "$headers"
    for h in "${hs[@]}"; do echo "wrk.headers['${h%%: *}'] = '${h#*: }'"; done
  } > "$lua"
  wrk -t2 -c64 -d"${seconds}s" --latency -s "$lua" "http://127.0.0.1:$port$path" > "$work/$name.out"
  local rps p50 p99 errors
  rps=$(awk '/Requests\/sec/ {print $2}' "$work/$name.out")
  p50=$(awk '$1 == "50%" {print $2}' "$work/$name.out")
  p99=$(awk '$1 == "99%" {print $2}' "$work/$name.out")
  errors=$(awk '/Non-2xx|Socket errors/ {printf "%s ", $0}' "$work/$name.out")
  printf "  %-34s %10s req/s   p50 %8s   p99 %8s %s\n" "$name" "$rps" "$p50" "$p99" "$errors"
}

echo "MCP tools/call (add):"
start "mcp-tools (Rust, rmcp)" 18100 /mcp "$mcp_body" "$mcp_headers" target/release/mcp-tools
start "Python MCP SDK server" 18101 /mcp "$mcp_body" "$mcp_headers" "$py" agents/mcp-tools/python/mcp_tools.py
load "mcp-tools (Rust, rmcp)" 18100 /mcp "$mcp_body" "$mcp_headers"
load "Python MCP SDK server" 18101 /mcp "$mcp_body" "$mcp_headers"
echo "A2A SendMessage:"
start "a2a-echo (Rust)" 18102 / "$a2a_body" "$a2a_headers" target/release/a2a-echo
start "A2A Python SDK server" 18103 / "$a2a_body" "$a2a_headers" "$py" agents/a2a-echo/python/a2a_echo.py
load "a2a-echo (Rust)" 18102 / "$a2a_body" "$a2a_headers"
load "A2A Python SDK server" 18103 / "$a2a_body" "$a2a_headers"
