import sys, re, collections
text = open(sys.argv[1]).read()
samples = text.split("jdk.ExecutionSample {")[1:]
exclude = sys.argv[2].split(",") if len(sys.argv)>2 else []
per = collections.defaultdict(collections.Counter)
def cat(frames):
    for f in frames:
        if "io.github.elasticq.persistence.wal.WalWrite" in f: return "ours: encode+CRC (WalWrite)"
        if "io.github.elasticq.persistence.internal.EventCodec" in f: return "ours: serialize (EventCodec)"
        if "io.github.elasticq.persistence.wal" in f: return "ours: WAL writer/append"
        if "io.github.elasticq.persistence.journal" in f: return "ours: WalJournal other"
        if "io.github.elasticq.bench" in f: return "bench actor body"
        if "AsyncWriteJournal$Resequencer" in f: return "pekko resequencer"
        if "persistence.journal.AsyncWriteJournal" in f or "journal.japi" in f or "WriteJournalBase" in f: return "pekko AsyncWriteJournal"
        if "CircuitBreaker" in f: return "pekko circuit breaker"
        if "org.apache.pekko.persistence.Eventsourced" in f or "PersistentActor" in f: return "pekko Eventsourced"
    for f in frames:
        if "scala.concurrent" in f: return "scala futures"
        if "ForkJoin" in f or "ThreadPoolExecutor" in f or "dispatch." in f or "LinkedBlockingQueue" in f or "LockSupport" in f: return "dispatcher/mailbox/queues"
    return "other (" + frames[0][:60] + ")"
tot=0
for s in samples:
    m = re.search(r'sampledThread = "([^"]*)"', s)
    th = re.sub(r'\d+', 'N', m.group(1)) if m else "?"
    if any(e in th for e in exclude): continue
    fr = re.findall(r'^\s+([\w$.<>/]+\(.*?\))\s+line:', s, re.M)
    if not fr: continue
    per[th][cat(fr)]+=1; tot+=1
allc=collections.Counter()
for th,c in per.items(): allc.update(c)
print("samples", tot)
for k,v in allc.most_common(25): print(f"{v*100/tot:5.1f}% {k}")
print()
for th,c in sorted(per.items(), key=lambda x:-sum(x[1].values())):
    n=sum(c.values()); print(f"{n*100/tot:5.1f}% thread {th}: " + ", ".join(f"{k} {v*100/tot:.1f}" for k,v in c.most_common(6)))
