import sys, re, collections
text = open(sys.argv[1]).read()
samples = text.split("jdk.ExecutionSample {")[1:]
prod=collections.Counter(); cons=collections.Counter(); leafp=collections.Counter(); leafc=collections.Counter()
def pcat(fr):
    for f in fr:
        if "AsyncWriteJournal" in f or "WriteJournalBase" in f or "EventAdapters" in f: return "pekko replay callback (adapt, ReplayedMessage, tell)"
        if "EventCodec" in f or "Serialization" in f: return "deserialize + build repr (EventCodec / ceiling)"
        if "RecordCodec" in f: return "ours: decode + CRC"
        if "WalReplayer" in f or "Segment" in f or "PidIndex" in f or "FileChannel" in f: return "ours: index slice + read"
        if "ReplayCeilingJournal" in f: return "ceiling loop"
        if "WalJournal" in f: return "ours: WalJournal lambda"
    return "other "+fr[0][:60]
np=nc=0
for s in samples:
    fr = re.findall(r'^\s+([\w$.<>/]+\(.*?\))\s+line:', s, re.M)
    if not fr: continue
    st="\n".join(fr)
    if "doAsyncReplayMessages" in st:
        np+=1; prod[pcat(fr)]+=1; leafp[fr[0][:100]]+=1
    elif "default-dispatcher" in s and "Eventsourced" in st and "internalPersist" not in st and "persistAsync" not in st.lower():
        nc+=1; leafc[fr[0][:100]]+=1
print("producer samples",np,"consumer samples",nc)
for k,v in prod.most_common(): print(f"{v*100/np:5.1f}% {k}")
print("-- producer leaves")
for k,v in leafp.most_common(18): print(f"{v*100/np:5.1f}% {k}")
print("-- consumer leaves")
for k,v in leafc.most_common(12): print(f"{v*100/nc:5.1f}% {k}")
