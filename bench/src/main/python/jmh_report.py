#!/usr/bin/env python3
"""Turns JMH JSON results into a markdown table of ratios ours/peer from the same run.

Usage:
  python3 bench/src/main/python/jmh_report.py RESULT.json [MORE.json ...] \
      --out bench/results/NAME.md [--note "text"]

Only the Python standard library is used. For each benchmark (and each combination of
parameters other than the implementation), the rows are the implementations that ran in that
benchmark; the ratio columns divide each of "our" implementations by the row's score (higher is
better everywhere: all benchmarks report throughput). Group benchmarks report the `polled` counter
(elements that reached a consumer) rather than JMH's sum over all methods of the group.
"""

import argparse
import datetime
import json
import os
import platform
import sys

OURS = ["ElasticMpscQueue", "ElasticBuffer", "ElasticMailbox", "QosMailbox", "QosMailboxStrict"]
SUBJECT_PARAMS = ("impl", "mailbox")

# (benchmark, ours, peer, minimum ratio): the targets of issues 2 and 3.
TARGETS = [
    ("MpscThroughputBenchmark.p1c1", "ElasticMpscQueue", "MpscChunkedArrayQueue", 1.0),
    ("MpscThroughputBenchmark.p1c1", "ElasticMpscQueue", "ConcurrentLinkedQueue", 3.0),
    ("BlockingQueueBenchmark.offerPoll", "ElasticBuffer", "ArrayBlockingQueue", 1.0),
    ("BlockingQueueBenchmark.timedOfferPoll", "ElasticBuffer", "ArrayBlockingQueue", 1.0),
    ("MailboxBenchmark.fanIn", "ElasticMailbox", "SingleConsumerOnlyUnboundedMailbox", 1.1),
    ("MailboxBenchmark.fanIn", "ElasticMailbox", "BoundedMailbox", 2.0),
    ("QosMailboxBenchmark.fanIn", "QosMailbox", "UnboundedStablePriorityMailbox", 3.0),
    ("QosMailboxBenchmark.burst", "QosMailbox", "UnboundedStablePriorityMailbox", 3.0),
]


def cpu_model():
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as f:
            for line in f:
                if line.lower().startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def short_name(benchmark):
    parts = benchmark.split(".")
    return ".".join(parts[-2:])


def metric(entry):
    secondary = entry.get("secondaryMetrics") or {}
    if "polled" in secondary:
        return secondary["polled"], "polled"
    return entry["primaryMetric"], "primary"


def load(paths):
    entries = []
    for path in paths:
        with open(path, encoding="utf-8") as f:
            entries.extend(json.load(f))
    return entries


def fmt(x):
    if x is None or x != x:  # NaN
        return "n/a"
    if abs(x) >= 100:
        return f"{x:,.0f}"
    if abs(x) >= 1:
        return f"{x:.2f}"
    return f"{x:.4f}"


def build(entries):
    """benchmark key -> {subject: (score, error, unit, source)}"""
    table = {}
    for e in entries:
        params = e.get("params") or {}
        subject = next((params[p] for p in SUBJECT_PARAMS if p in params), "(default)")
        others = ", ".join(f"{k}={v}" for k, v in sorted(params.items()) if k not in SUBJECT_PARAMS)
        key = short_name(e["benchmark"]) + (f" [{others}]" if others else "")
        m, source = metric(e)
        table.setdefault(key, {})[subject] = (
            m["score"],
            m.get("scoreError"),
            m["scoreUnit"],
            source,
            e.get("threads"),
        )
    return table


def render(entries, note):
    first = entries[0]
    out = []
    out.append("# JMH results: ratios ours / peer\n")
    out.append(f"Generated {datetime.datetime.now().isoformat(timespec='seconds')} by "
               "`bench/src/main/python/jmh_report.py`.\n")
    out.append("| machine | |")
    out.append("|---|---|")
    out.append(f"| cores (nproc) | {os.cpu_count()} |")
    out.append(f"| CPU | {cpu_model()} |")
    out.append(f"| OS | {platform.system()} {platform.release()} |")
    out.append(f"| JVM | {first.get('vmName', '?')} {first.get('vmVersion', '?')} "
               f"(JDK {first.get('jdkVersion', '?')}) |")
    out.append(f"| JMH | {first.get('jmhVersion', '?')}; forks {first.get('forks')}, warmup "
               f"{first.get('warmupIterations')} x {first.get('warmupTime')}, measurement "
               f"{first.get('measurementIterations')} x {first.get('measurementTime')} |")
    out.append(f"| JVM args | `{' '.join(first.get('jvmArgs') or [])}` |")
    out.append("")
    if note:
        out.append(f"> {note}\n")
    table = build(entries)
    ratios = {}
    for key in sorted(table):
        rows = table[key]
        ours = [s for s in OURS if s in rows]
        peers = [s for s in rows if s not in ours]
        unit = next(iter(rows.values()))[2]
        source = next(iter(rows.values()))[3]
        threads = next(iter(rows.values()))[4]
        what = "`polled` counter" if source == "polled" else "score"
        out.append(f"## {key}\n")
        out.append(f"{what} in {unit} (higher is better), {threads} thread(s).\n")
        header = "| implementation | score | ± error |" + "".join(f" {o} / this |" for o in ours)
        out.append(header)
        out.append("|---|---:|---:|" + "---:|" * len(ours))
        for subject in ours + sorted(peers, key=lambda s: -rows[s][0]):
            score, err, _, _, _ = rows[subject]
            cells = []
            for o in ours:
                r = rows[o][0] / score if score else float("nan")
                ratios[(key.split(" ")[0], o, subject)] = r
                cells.append(f" {r:.2f}x |")
            name = f"**{subject}**" if subject in ours else subject
            out.append(f"| {name} | {fmt(score)} | {fmt(err)} |" + "".join(cells))
        out.append("")
    checked = [(b, o, p, t) for (b, o, p, t) in TARGETS if (b, o, p) in ratios]
    if checked:
        out.append("## Targets\n")
        out.append("| benchmark | ratio | target | met |")
        out.append("|---|---:|---:|---|")
        for b, o, p, t in checked:
            r = ratios[(b, o, p)]
            out.append(f"| {b}: {o} / {p} | {r:.2f}x | >= {t}x | {'yes' if r >= t else 'NO'} |")
        out.append("")
    return "\n".join(out)


def main(argv):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("results", nargs="+", help="JMH JSON result files (-rf json -rff FILE)")
    parser.add_argument("--out", help="markdown file to write (default: stdout only)")
    parser.add_argument("--note", default="", help="a sentence printed under the machine table")
    args = parser.parse_args(argv)
    entries = load(args.results)
    if not entries:
        sys.exit("no JMH results in " + ", ".join(args.results))
    md = render(entries, args.note)
    print(md)
    if args.out:
        with open(args.out, "w", encoding="utf-8") as f:
            f.write(md + "\n")


if __name__ == "__main__":
    main(sys.argv[1:])
