#!/usr/bin/env bash
# A/B of one jar: A = default JIT, B = -XX:CompileCommand=dontinline for the peak-raise method.
set -euo pipefail
JAR=$1; REGEX=$2; P=$3; N=$4; OUT=$5
mkdir -p "$OUT"
DI="-XX:CompileCommand=quiet -XX:CompileCommand=dontinline,io.github.elasticq.queue.AbstractElasticMpscQueue::notePeakAfterOffer"
for r in $(seq 1 "$N"); do
  if [ $((r % 2)) = 1 ]; then order="A B"; else order="B A"; fi
  for x in $order; do
    extra=$([ $x = B ] && echo "$DI" || echo "")
    java -jar "$JAR" "$REGEX" -p "$P" -f 1 -wi 5 -w 1s -i 5 -r 2s -jvmArgs "-Xms1g -Xmx1g $extra" -rf json -rff "$OUT/r$r-$x.json" > "$OUT/r$r-$x.log" 2>&1
  done
done
python3 - "$OUT" "$N" <<'PY'
import json,sys,statistics
out,n=sys.argv[1],int(sys.argv[2])
rs=[]
for r in range(1,n+1):
    a=json.load(open(f"{out}/r{r}-A.json"))[0]["primaryMetric"]["score"]
    b=json.load(open(f"{out}/r{r}-B.json"))[0]["primaryMetric"]["score"]
    rs.append(b/a); print(f"round {r}: A {a:.1f} B {b:.1f} B/A {b/a:.3f}")
print(f"median B/A {statistics.median(rs):.3f} min {min(rs):.3f} max {max(rs):.3f}")
PY
