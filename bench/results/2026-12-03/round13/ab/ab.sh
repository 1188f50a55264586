#!/usr/bin/env bash
# usage: ab.sh REGEX PARAM=VALUE JAR_A JAR_B ROUNDS OUTDIR
# Optional: JVM_ARGS_A / JVM_ARGS_B, each side's JMH -jvmArgs [-Xms1g -Xmx1g] (round 16 compares
# one jar with and without a JIT compile command this way).
set -euo pipefail
REGEX=$1; P=$2; A=$3; B=$4; N=$5; OUT=$6
mkdir -p "$OUT"
for r in $(seq 1 "$N"); do
  if [ $((r % 2)) = 1 ]; then order="A B"; else order="B A"; fi
  for x in $order; do
    jar=$([ $x = A ] && echo "$A" || echo "$B")
    jvm=$([ $x = A ] && echo "${JVM_ARGS_A:--Xms1g -Xmx1g}" || echo "${JVM_ARGS_B:--Xms1g -Xmx1g}")
    java -jar "$jar" "$REGEX" -p "$P" -f 1 -wi 5 -w 1s -i 5 -r 2s -jvmArgs "$jvm" -rf json -rff "$OUT/r$r-$x.json" > "$OUT/r$r-$x.log" 2>&1
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
