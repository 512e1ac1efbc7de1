#!/usr/bin/env bash
# What tracing costs echo-agent: wrk at 64 connections for 10 s against POST /invocations with span
# export off, then on (OTLP/HTTP to a local collector that answers 200 and counts spans' batches),
# and the agent's RSS after 1,000 invocations with export on. Release build.
# Usage: scripts/bench-tracing.sh [SECONDS]
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-10}
cargo build --release --quiet -p echo-agent
work=$(mktemp -d)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$work"; }
trap cleanup EXIT
cat > "$work/post.lua" <<'LUA'
wrk.method = "POST"
wrk.body = '{"prompt": "hello"}'
wrk.headers["content-type"] = "application/json"
wrk.headers["x-amzn-bedrock-agentcore-runtime-session-id"] = "bench-session-0123456789abcdef0123456789"
LUA
# A collector: answers every POST with 200 and counts the bytes it got.
python3 - 18300 > "$work/collector.log" 2>&1 <<'PY' &
import http.server, sys
class H(http.server.BaseHTTPRequestHandler):
    received = 0
    def do_POST(self):
        H.received += len(self.rfile.read(int(self.headers["content-length"])))
        self.send_response(200); self.send_header("content-length", "0"); self.end_headers()
        print(H.received, flush=True)
    def log_message(self, *a): pass
http.server.ThreadingHTTPServer(("127.0.0.1", int(sys.argv[1])), H).serve_forever()
PY
pids+=($!)

run() { # label, then environment assignments for the agent
  local label=$1 port=$2; shift 2
  env PORT="$port" AGENT_BIND_ADDRESS=127.0.0.1 RUST_LOG=warn "$@" target/release/echo-agent > /dev/null 2>&1 &
  local pid=$!; pids+=("$pid")
  until curl -sf "http://127.0.0.1:$port/ping" > /dev/null; do sleep 0.05; done
  wrk -t2 -c64 -d"${seconds}s" --latency -s "$work/post.lua" "http://127.0.0.1:$port/invocations" > "$work/out"
  local rps p50 p99
  rps=$(awk '/Requests\/sec/ {print $2}' "$work/out")
  p50=$(awk '$1 == "50%" {print $2}' "$work/out")
  p99=$(awk '$1 == "99%" {print $2}' "$work/out")
  printf "  %-28s %10s req/s   p50 %8s   p99 %8s\n" "$label" "$rps" "$p50" "$p99"
  echo "$pid"
}
echo "echo-agent, POST /invocations, 64 connections, ${seconds} s:"
off=$(run "span export off" 18301 | tee /dev/stderr | tail -1)
kill "$off"
on=$(run "span export on" 18302 OTEL_EXPORTER_OTLP_ENDPOINT=http://127.0.0.1:18300 | tee /dev/stderr | tail -1)
kill "$on"
# RSS after 1,000 invocations with export on, on a fresh agent.
env PORT=18303 AGENT_BIND_ADDRESS=127.0.0.1 RUST_LOG=warn OTEL_EXPORTER_OTLP_ENDPOINT=http://127.0.0.1:18300 target/release/echo-agent > /dev/null 2>&1 &
fresh=$!; pids+=("$fresh")
until curl -sf http://127.0.0.1:18303/ping > /dev/null; do sleep 0.05; done
before=$(awk '/VmRSS/ {print $2}' "/proc/$fresh/status")
for i in $(seq 1000); do
  curl -s -o /dev/null -H 'content-type: application/json' -d '{"prompt": "hello"}' http://127.0.0.1:18303/invocations
done
sleep 6
after=$(awk '/VmRSS/ {print $2}' "/proc/$fresh/status")
echo "  RSS with export on: ${before} KB at start, ${after} KB after 1,000 invocations"
echo "  collector received $(tail -1 "$work/collector.log") bytes of spans in all"
