#!/usr/bin/env bash
# `corestack check` against input size and hostile input: whole process, release build, wall time
# and peak RSS (GNU time). Assemblies of 1,000 and 10,000 runtimes that refer to each other across
# stacks; a YAML file whose aliases expand past the budget; 200 KB of `[`; a manifest naming
# /dev/zero. Usage: scripts/bench-check.sh
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --quiet -p corestack
bin=target/release/corestack
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
measure() { # label, then the command
  local label=$1; shift
  /usr/bin/time -f "$label: %e s, peak %M KB" "$@" > /dev/null 2> "$work/time" || true
  tail -1 "$work/time"
}
for n in 1000 10000; do
  python3 scripts/gen_assembly.py "$n" "$work/a$n"
  measure "assembly of $n runtimes" "$bin" check "$work/a$n"
done
python3 - "$work/aliases.yaml" <<'PY'
import sys
anchor = "".join(f"      K{i}: v\n" for i in range(2000))
aliases = "".join(f"  B{i}:\n    Type: AWS::SNS::Topic\n    Properties: *a\n" for i in range(2000))
open(sys.argv[1], "w").write("Resources:\n  A:\n    Type: AWS::SNS::Topic\n    Properties: &a\n" + anchor + aliases)
PY
measure "YAML, one 2,000-key anchor aliased 2,000 times ($(wc -c < "$work/aliases.yaml") bytes)" "$bin" check "$work/aliases.yaml"
python3 -c "open('$work/deep.yaml','w').write('Resources: ' + '[' * 200000)"
measure "200 KB of [" "$bin" check "$work/deep.yaml"
mkdir -p "$work/zero"
echo '{"environment": {}, "stacks": [{"name": "s", "template": "/dev/zero"}]}' > "$work/zero/manifest.json"
measure "a manifest naming /dev/zero" "$bin" check "$work/zero"
