#!/usr/bin/env bash
# Old jar against new jar, interleaved: each round runs bench/rounds.sh ROUNDS=1 (the peer and every
# candidate one fork each) with the old jar, then with the new one (the order alternates from round
# to round), so a change is measured against the code before it in the same regime of this drifting
# machine. The summary gives, per benchmark and candidate, each round's ratio to the peer for each
# jar, paired by round number (a round without a ratio for either jar, a failed fork, is named and
# left out), their medians over the paired rounds and the rounds the new jar is higher in (the
# regex may match several benchmarks). See bench/README.md, "Old against new".
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
    rm -f "$R/$which-$i"/r1-*.json # an earlier run's fork must not stand in for a failed one
    JAR=$jar ROUNDS=1 OUT=$R/$which-$i bench/rounds.sh "$@" > "$R/logs/$which-$i.log" 2>&1 \
      || { echo "failed $which $i"; tail "$R/logs/$which-$i.log"; }
  done
done
python3 - "$R" "$N" "$3" <<'PY'
# Pairs each round's old and new ratios by the round number in the folder names (old-<i>, new-<i>),
# never by position: a failed fork (its JSON missing, empty or without the benchmark) leaves its
# round out for that benchmark and candidate, and the report says so, while every other round keeps
# its own pair.
import json, sys, os, re, statistics
R, N, peer = sys.argv[1], int(sys.argv[2]), sys.argv[3]
peer = re.sub(r"[^A-Za-z0-9+=._-]", "_", peer)  # as rounds.sh's label() names the files
ratios = {}  # (benchmark, candidate) -> {jar: {round: ratio}}
for which in ("old", "new"):
    for i in range(1, N + 1):
        d = f"{R}/{which}-{i}"
        scores = {}
        for name in sorted(os.listdir(d)) if os.path.isdir(d) else []:
            if not (name.startswith("r1-") and name.endswith(".json")):
                continue
            try:
                with open(os.path.join(d, name)) as f:
                    runs = json.load(f)
            except ValueError:
                continue  # a fork that failed: reported below as a missing side
            for run in runs:
                # a group benchmark's figure is its polled counter, as in the Java reports (JmhResult)
                polled = (run.get("secondaryMetrics") or {}).get("polled")
                metric = polled if polled is not None else run["primaryMetric"]
                scores[(name[3:-5], run["benchmark"].rsplit(".", 1)[-1])] = metric["score"]
        for (c, b), v in scores.items():
            if c != peer and (peer, b) in scores:
                ratios.setdefault((b, c), {"old": {}, "new": {}})[which][i] = v / scores[(peer, b)]
summary, rows, missing = [], [], []
for (b, c), by in sorted(ratios.items()):
    paired = [i for i in range(1, N + 1) if i in by["old"] and i in by["new"]]
    for i in range(1, N + 1):
        if i not in paired:
            lost = " and ".join(w for w in ("old", "new") if i not in by[w])
            missing.append(f"- {b} / {c}: round {i} has no {lost} ratio (see logs/), left out")
    for i in paired:
        o, n = by["old"][i], by["new"][i]
        rows.append(f"| {b} | {c} | {i} | {o:.3f} | {n:.3f} | {n / o:.3f} |")
    if paired:
        om = statistics.median(by["old"][i] for i in paired)
        nm = statistics.median(by["new"][i] for i in paired)
        higher = sum(by["new"][i] > by["old"][i] for i in paired)
        summary.append(f"| {b} | {c} | {len(paired)} of {N} | {om:.3f} | {nm:.3f} | {nm / om:.3f} "
                       f"| {higher} of {len(paired)} |")
    else:
        summary.append(f"| {b} | {c} | 0 of {N} | | | | |")
md = [f"Ratios to {peer}, old and new jar paired by round number; a round without both is left out.",
      "", "| benchmark | candidate | rounds paired | old median | new median | new / old | new higher in |",
      "|---|---|---:|---:|---:|---:|---:|", *summary,
      "", "| benchmark | candidate | round | old | new | new / old |", "|---|---|---:|---:|---:|---:|", *rows]
if missing:
    md += ["", "Left out:", *missing]
if not ratios:
    md += ["", "No round has a ratio: every fork failed (see logs/)."]
with open(R + "/ab.md", "w") as out:
    out.write("\n".join(md) + "\n")
print("\n".join(md))
PY
