#!/usr/bin/env bash
# One command for every benchmark of issue 6. Quick (1/20 samples, < 5 min of linting) by default;
# --full for the headline run on the full trees (about 20 min on 2 cores; run it under nohup).
#
#   bash benchmarks/run_all.sh            # quick
#   bash benchmarks/run_all.sh --full     # headline
#
# Uses the python on PATH (activate the virtualenv where initcheck is installed first) or $PYTHON.
# Markdown and JSON results land in benchmarks/_work/results/; benchmarks/RESULTS.md is written from them.
set -uo pipefail
cd "$(dirname "$0")/.."
PY="${PYTHON:-python}"
FULL=""
MODE=quick
if [[ "${1:-}" == "--full" ]]; then FULL="--full"; MODE=full; fi
OUT=benchmarks/_work/results
mkdir -p "$OUT"
status=0

echo "== corpora"
"$PY" benchmarks/corpora.py || exit 1

echo "== initlint L1-L4 ($MODE)"
"$PY" benchmarks/bench_lint.py $FULL --out "$OUT/lint-$MODE.md" || status=1

echo "== initguard G3 (hook removal)"
"$PY" benchmarks/bench_guard_hook.py --out "$OUT/guard-hook.md" || status=1

if [[ -f benchmarks/bench_guard.py ]]; then
  echo "== initguard G1/G2 (benchmarks/bench_guard.py, owned by initguard)"
  if [[ "$MODE" == quick ]]; then REPEAT="--repeat 3"; else REPEAT=""; fi
  "$PY" benchmarks/bench_guard.py $REPEAT --out "$OUT/guard-$MODE.md" > "$OUT/guard-$MODE.txt" 2>&1 || status=1
  tail -n 40 "$OUT/guard-$MODE.txt"
fi

echo "== results in $OUT"
ls -1 "$OUT"/*.md "$OUT"/*.txt 2>/dev/null
exit $status
