#!/usr/bin/env bash
# Interleaved A/B of two jars: each round runs rounds.sh ROUNDS=1 with the old jar, then the new
# (the order alternates). Round 24 ran it with OLD=/tmp/bench24.jar (main at abc5313) and
# NEW=/tmp/bench24-new.jar (the shrink step deferred until the consumer reaches the previous step's
# buffer); round 25 with OLD=/tmp/b25.jar (a672d7e), NEW=/tmp/b25-new.jar (c903703) and
# DIR=bench/results/2026-12-05/round25.
# usage: ab.sh NAME N REGEX PARAM PEER CAND...   (env OLD, NEW, DIR [this directory], JVM_ARGS, GOAL)
# Writes DIR/ab-NAME/{old,new}-I/ (rounds.sh output), DIR/ab-NAME/logs/ and DIR/ab-NAME/ab.md.
set -euo pipefail
cd /work/main
NAME=$1; N=$2; shift 2
R=${DIR:-bench/results/2026-12-05/round24}/ab-$NAME; mkdir -p "$R/logs"
for i in $(seq 1 "$N"); do
  if [ $((i % 2)) -eq 1 ]; then order="old new"; else order="new old"; fi
  for which in $order; do
    if [ $which = old ]; then jar=$OLD; else jar=$NEW; fi
    JAR=$jar ROUNDS=1 OUT=$R/$which-$i bench/rounds.sh "$@" > $R/logs/$which-$i.log 2>&1 || { echo "failed $which $i"; tail $R/logs/$which-$i.log; }
  done
done
python3 - "$R" "$N" "$3" <<'PY'
import json,sys,glob,os,statistics
R,N,peer=sys.argv[1],int(sys.argv[2]),sys.argv[3]
res={}
for which in ("old","new"):
  for i in range(1,N+1):
    d=f"{R}/{which}-{i}"
    scores={}
    for f in glob.glob(d+"/r1-*.json"):
      cand=os.path.basename(f)[3:-5]
      j=json.load(open(f))
      if j: scores[cand]=j[0]["primaryMetric"]["score"]
    for c,v in scores.items():
      if c==peer: continue
      res.setdefault((which,c),[]).append(v/scores[peer])
with open(R+"/ab.md","w") as out:
  out.write(f"| jar | candidate | ratios to {peer} per round | median |\n|---|---|---|---:|\n")
  for (w,c),rs in sorted(res.items()):
    line=f"| {w} | {c} | {' '.join('%.3f'%r for r in rs)} | {statistics.median(rs):.3f} |"
    out.write(line+"\n"); print(line)
PY
