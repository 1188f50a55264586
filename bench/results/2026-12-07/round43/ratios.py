"""Per-round ratios of round 43's inline-rounds.sh runs: the 'polled' figure of each NAME over PEER's
in the same round, their median and range. Usage: ratios.py DIR PEER NAME..."""
import collections, glob, json, re, statistics, sys

base, peer, names = sys.argv[1], sys.argv[2], sys.argv[3:]
polled = collections.defaultdict(dict)
for f in glob.glob(base + "/r*-*.json"):
    m = re.search(r"r(\d+)-(\w+)\.json$", f)
    for b in json.load(open(f)):
        polled[int(m.group(1))][m.group(2)] = b["secondaryMetrics"]["polled"]["score"]
ratios = collections.defaultdict(list)
for r in sorted(polled):
    row = polled[r]
    print(f"round {r}: " + ", ".join(f"{k} {v:.2f}" for k, v in sorted(row.items())))
    for n in names:
        if n in row and peer in row:
            ratios[n].append(row[n] / row[peer])
for n in names:
    v = ratios[n]
    print(f"{n} / {peer}: median {statistics.median(v):.3f}, range {min(v):.3f} - {max(v):.3f}, {len(v)} rounds, {sum(x >= 1 for x in v)} at or above 1.0")
