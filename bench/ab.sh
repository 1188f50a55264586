#!/usr/bin/env bash
# Old jar against new jar, interleaved: each round runs bench/rounds.sh ROUNDS=1 (the peer and every
# candidate one fork each) with the old jar, then with the new one (the order alternates from round
# to round), so a change is measured against the code before it in the same regime of this drifting
# machine. The summary gives, per benchmark and candidate, each round's ratio to the peer for each
# jar and their medians (the regex may match several benchmarks). See bench/README.md, "Old against
# new".
#
# Usage: OLD=old.jar NEW=new.jar bench/ab.sh NAME N BENCHMARK_REGEX PARAM PEER CANDIDATE...
# Settings: OLD, NEW (required: two benchmarks.jar builds); DIR [bench/results/<date>]; the rest as
# bench/rounds.sh (JVM_ARGS, WI, W, I, R, GOAL; a candidate may be VALUE|JVM-FLAGS).
# Writes DIR/ab-NAME/{old,new}-<round>/ (rounds.sh output), DIR/ab-NAME/logs/ and DIR/ab-NAME/ab.md.
set -euo pipefail
if [ $# -lt 5 ] || [ -z "${OLD:-}" ] || [ -z "${NEW:-}" ]; then
  echo "usage: OLD=old.jar NEW=new.jar $0 NAME N BENCHMARK_REGEX PARAM PEER CANDIDATE..." >&2
  exit 2
fi
cd "$(dirname "$0")/.."
NAME=$1; N=$2; shift 2
R=${DIR:-bench/results/$(date +%F)}/ab-$NAME; mkdir -p "$R/logs"
for i in $(seq 1 "$N"); do
  if [ $((i % 2)) -eq 1 ]; then order="old new"; else order="new old"; fi
  for which in $order; do
    if [ $which = old ]; then jar=$OLD; else jar=$NEW; fi
    JAR=$jar ROUNDS=1 OUT=$R/$which-$i bench/rounds.sh "$@" > "$R/logs/$which-$i.log" 2>&1 \
      || { echo "failed $which $i"; tail "$R/logs/$which-$i.log"; }
  done
done
python3 - "$R" "$N" "$3" <<'PY'
import json, sys, glob, os, statistics
R, N, peer = sys.argv[1], int(sys.argv[2]), sys.argv[3]
res = {}
for which in ("old", "new"):
    for i in range(1, N + 1):
        scores = {}
        for f in glob.glob(f"{R}/{which}-{i}/r1-*.json"):
            cand = os.path.basename(f)[3:-5]
            try:
                runs = json.load(open(f))
            except ValueError:
                continue  # a fork that failed: its round is left out
            for run in runs:
                # a group benchmark's figure is its polled counter, as in the Java reports (JmhResult)
                polled = (run.get("secondaryMetrics") or {}).get("polled")
                metric = polled if polled is not None else run["primaryMetric"]
                scores[(cand, run["benchmark"].rsplit(".", 1)[-1])] = metric["score"]
        for (c, b), v in scores.items():
            if c != peer and (peer, b) in scores:
                res.setdefault((b, c, which), []).append(v / scores[(peer, b)])
with open(R + "/ab.md", "w") as out:
    out.write(f"| benchmark | candidate | jar | ratios to {peer} per round | median |\n")
    out.write("|---|---|---|---|---:|\n")
    for (b, c, w), rs in sorted(res.items()):
        line = f"| {b} | {c} | {w} | {' '.join('%.3f' % r for r in rs)} | {statistics.median(rs):.3f} |"
        out.write(line + "\n")
        print(line)
PY
