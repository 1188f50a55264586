#!/usr/bin/env bash
# Round 19 experiment: QoS fan-in with a scan's empty visits counted as consumer operations
# (switch -Delasticq.exp.qosCountVisits=true, the experiment build) against the current sampling,
# same jar, alternating forks; the switch's forks get "+countVisits" appended to their mailbox
# param so that PairedReport tells them apart.
set -euo pipefail
D=bench/results/2026-12-04/round19/qos-count-visits
JAR=${JAR:-/tmp/benchmarks-exp.jar}
BASE="-Xms1g -Xmx1g --add-exports=java.base/jdk.internal.misc=ALL-UNNAMED"
runs=("UnboundedStablePriorityMailbox|" "QosMailbox+layout=padded|" "QosMailbox+layout=padded|on"
      "QosMailbox|" "QosMailbox|on")
for r in 1 2 3 4 5; do
  n=${#runs[@]}
  for k in $(seq 0 $((n - 1))); do
    IFS='|' read -r m on <<< "${runs[$(( (k + r - 1) % n ))]}"
    args="$BASE"; name="$m"
    if [ "$on" = on ]; then args="$BASE -Delasticq.exp.qosCountVisits=true"; name="$m+countVisits"; fi
    echo "== $(date +%T) round $r: $name"
    flock /tmp/heavy.lock java -jar "$JAR" '\.QosMailboxBenchmark\.fanIn$' -p "mailbox=$m" -f 1 \
      -wi 5 -w 1s -i 5 -r 2s -jvmArgs "$args" -rf json -rff "$D/r$r-$name.json" > "$D/r$r-$name.log"
    python3 -c "import json,sys; p='$D/r$r-$name.json'; d=json.load(open(p)); [x['params'].update(mailbox='$name') for x in d]; json.dump(d,open(p,'w'),indent=1)"
  done
done
for c in QosMailbox+layout=padded QosMailbox+layout=padded+countVisits QosMailbox QosMailbox+countVisits; do
  java -cp "$JAR" io.github.elasticq.bench.report.PairedReport param=mailbox "ours=$c" \
    peer=UnboundedStablePriorityMailbox goal=3.0 "title=QoS fan-in, $c" "out=$D/paired-$c.md" \
    "$D"/r*-"$c".json "$D"/r*-UnboundedStablePriorityMailbox.json
done
