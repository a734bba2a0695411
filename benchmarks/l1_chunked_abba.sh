#!/bin/bash
# L1 interleaved by chunk (benchmarks/RESULTS.md, session 7): the transformers/full corpus in 8 chunks; per chunk the
# base flake8 and flake8 with initcheck (-j1) in alternating order, summing CPU (user+sys). Needs the venvs that
# bench_lint.py makes (benchmarks/_work/flake8-base, flake8-initcheck) and the corpus it downloads.
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
B=$HERE/_work/flake8-base/bin/flake8
I=$HERE/_work/flake8-initcheck/bin/flake8
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
find "$HERE/_work/corpora/transformers/full" -name "*.py" | sort > "$T/all.txt"
split -n l/8 -d "$T/all.txt" "$T/chunk."
export INITLINT_CACHE_DIR=$T/cache
tb=0; ti=0; k=0
for c in "$T"/chunk.0*; do
  if [ $((k % 2)) = 0 ]; then order="B I"; else order="I B"; fi
  for s in $order; do
    F=$B; [ $s = I ] && F=$I
    /usr/bin/time -o "$T/time" -f "%U %S" $F -j1 --isolated $(cat "$c") > /dev/null 2>/dev/null; t=$(tail -1 "$T/time" | awk "{print \$1+\$2}")
    echo "$(basename "$c") $s $t"
    if [ $s = B ]; then tb=$(echo "$tb + $t" | bc); else ti=$(echo "$ti + $t" | bc); fi
  done
  k=$((k+1))
done
echo "base $tb initcheck $ti ratio $(echo "scale=3; $ti / $tb" | bc)"
