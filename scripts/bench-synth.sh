#!/usr/bin/env bash
# Whole-process synthesis time (start to exit, assembly written), release build, with hyperfine:
# the default config, examples/platform (two runtimes, a memory, a gateway with two targets, a
# credential provider), and a config with 100 runtimes. In-process numbers: `cargo bench -p corestack-app`.
set -euo pipefail
cd "$(dirname "$0")/.."
command -v hyperfine >/dev/null || { echo "needs hyperfine (apt-get install hyperfine)" >&2; exit 2; }
cargo build --release --quiet
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cargo run --release --quiet -p corestack-app --example write_fixture -- 100 > "$work/many.toml"
bin="$PWD/target/release/corestack"
cd "$work"
hyperfine --warmup 5 --runs 50 -N --export-json "$work/report.json" \
  -n "default config" "$bin synth --config $OLDPWD/corestack.toml --out default.out" \
  -n "platform example" "$bin synth --config $OLDPWD/examples/platform/corestack.toml --out platform.out" \
  -n "100 runtimes" "$bin synth --config $work/many.toml --out many.out"
python3 - "$work/report.json" <<'PY'
import json, sys
for r in json.load(open(sys.argv[1]))["results"]:
    print(f"{r['command']}: median {r['median'] * 1000:.1f} ms (min {r['min'] * 1000:.1f}, max {r['max'] * 1000:.1f}, {len(r['times'])} runs)")
PY
