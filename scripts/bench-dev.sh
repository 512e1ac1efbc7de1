#!/usr/bin/env bash
# The overhead of `corestack dev` over calling echo-agent directly (release builds, wrk); see
# scripts/bench_dev.py. Needs wrk (apt-get install wrk).
set -euo pipefail
cd "$(dirname "$0")/.."
command -v wrk >/dev/null || { echo "needs wrk (apt-get install wrk)" >&2; exit 2; }
cargo build --release --quiet -p corestack -p echo-agent
config=$(mktemp --suffix .toml)
trap 'rm -f "$config"' EXIT
sed "s|command = \"target/release/echo-agent\"|command = \"$PWD/target/release/echo-agent\"|" corestack.toml > "$config"
python3 scripts/bench_dev.py "$PWD/target/release/corestack" "$PWD/target/release/echo-agent" "$config" "$@"
