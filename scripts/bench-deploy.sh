#!/usr/bin/env bash
# A no-op `corestack deploy` of the default config against the AWS emulator (moto, from .venv,
# which scripts/test.sh installs): the whole process, start to exit, with hyperfine, and the API
# calls one such deploy makes (counted from moto's request log). The first deploy builds the
# image with tests/fake-docker (no Docker engine needed); the measured ones pass --image-tag.
set -euo pipefail
cd "$(dirname "$0")/.."
command -v hyperfine >/dev/null || { echo "needs hyperfine (apt-get install hyperfine)" >&2; exit 2; }
[ -x .venv/bin/python ] || { echo "needs .venv with moto: run scripts/test.sh first" >&2; exit 2; }
cargo build --release --quiet -p corestack
root=$PWD
work=$(mktemp -d)
port=$(.venv/bin/python -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
.venv/bin/python scripts/moto_server.py "$port" > "$work/moto.log" 2>&1 &
moto=$!
trap 'kill $moto; rm -rf "$work"' EXIT
for _ in $(seq 50); do (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break; sleep 0.1; done
sed "s|dockerfile = \"agents/bedrock-agent/Dockerfile\"|dockerfile = \"$root/agents/bedrock-agent/Dockerfile\"|" \
  corestack.toml > "$work/corestack.toml"
export AWS_ENDPOINT_URL="http://127.0.0.1:$port" AWS_ACCESS_KEY_ID=testing AWS_SECRET_ACCESS_KEY=testing
export AWS_CONFIG_FILE=/dev/null AWS_SHARED_CREDENTIALS_FILE=/dev/null
export PATH="$root/tests/fake-docker:$root/.venv/bin:$PATH" FAKE_DOCKER_LOG="$work/docker.log"
bin="$root/target/release/corestack"
cd "$work"
"$bin" deploy --yes --report-dir reports > /dev/null 2>&1
tag=$(grep -o 'demo_agent-[0-9]*' docker.log | head -1)
"$bin" deploy --yes --image-tag "$tag" --report-dir reports > /dev/null 2>&1
before=$(wc -l < moto.log)
"$bin" deploy --yes --image-tag "$tag" --report-dir reports > out.txt 2>/dev/null
after=$(wc -l < moto.log)
echo "no-op deploy: $(grep -c unchanged out.txt) of 5 stacks unchanged, $((after - before)) API calls"
hyperfine --warmup 2 --runs 20 -N --export-json report.json \
  -n "no-op deploy" "$bin deploy --yes --image-tag $tag --report-dir reports"
python3 - report.json <<'PY'
import json, sys
for r in json.load(open(sys.argv[1]))["results"]:
    print(f"{r['command']}: median {r['median'] * 1000:.1f} ms (min {r['min'] * 1000:.1f}, max {r['max'] * 1000:.1f}, {len(r['times'])} runs)")
PY
