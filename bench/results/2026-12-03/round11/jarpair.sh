#!/usr/bin/env bash
# usage: jarpair.sh OUT ROUNDS REGEX PARAM=VALUE jarA jarB  (alternating order, one fork each)
set -euo pipefail
OUT=$1; ROUNDS=$2; REGEX=$3; P=$4; A=$5; B=$6
mkdir -p "$OUT"
for r in $(seq -w 1 "$ROUNDS"); do
  if [ $((10#$r % 2)) = 1 ]; then order="$A $B"; else order="$B $A"; fi
  for j in $order; do
    n=$(basename "$j" .jar)
    echo "== $(date +%T) round $r: $n"
    java -jar "$j" "$REGEX" -p "$P" -f 1 -wi 5 -w 1s -i 5 -r 2s -jvmArgs "-Xms1g -Xmx1g" -rf json -rff "$OUT/r$r-$n.json" > "$OUT/r$r-$n.log"
  done
done
