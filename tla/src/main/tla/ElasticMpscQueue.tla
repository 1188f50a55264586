--------------------------- MODULE ElasticMpscQueue ---------------------------
(***************************************************************************)
(* The elastic MPSC queue of AbstractElasticMpscQueue (the algorithm of   *)
(* ElasticMpscQueue and CompactElasticMpscQueue), at                      *)
(* the granularity of its shared-memory accesses.                          *)
(*                                                                         *)
(* Shared state (names follow the Java fields):                            *)
(*   word      producerIndexWord = 2 * p + resize bit                      *)
(*   c         consumerIndex                                               *)
(*   capacity  the logical capacity                                        *)
(*   bufs      the buffers still reachable: base, end (Unset = OPEN), len  *)
(*             (a power of two), next (0 = null), slots                    *)
(*   pb, cb    producerBuffer, consumerBuffer (positions in bufs)          *)
(* A producer's offer is split into the accesses the Java makes: read the  *)
(* word, read producerBuffer, read capacity, compare with the consumer     *)
(* index, one CAS (claim the index, or take the resize bit to grow), then  *)
(* look the buffer up and store. The holder of the resize bit (a growing   *)
(* producer or the shrinking consumer) decides and links a new buffer,     *)
(* then publishes the capacity and releases the word at the very value it  *)
(* took it at (the deliberate ABA). The consumer reads a slot, takes it    *)
(* (clear, then advance its index), or on a null slot hops to the next    *)
(* buffer at its end, or reads the word and reports empty, or spins.       *)
(*                                                                         *)
(* The first buffer is allocated lazily: the first offer takes the resize  *)
(* bit and installs it into consumerBuffer and producerBuffer              *)
(* (installFirstBuffer); until then poll reports empty. A buffer's base is *)
(* a ghost here (the Java buffer does not store it).                       *)
(*                                                                         *)
(* Buffers nobody can reach any more (the garbage collector's business in  *)
(* Java) are dropped and the rest renumbered in creation order, so states  *)
(* that differ only in garbage are one state.                              *)
(*                                                                         *)
(* Ghost variables, not in the Java: claims (the element claimed at each   *)
(* index, in index order) and polled (the elements poll returned, in       *)
(* order).                                                                 *)
(*                                                                         *)
(* Bug selects a deliberately broken variant for the negative controls;    *)
(* "None" is the algorithm as implemented.                                 *)
(*                                                                         *)
(* PollMode selects the consumer: "exact" (poll), "mixed" (every poll call *)
(* may be poll or relaxedPoll: relaxedPoll returns null on a null slot     *)
(* that is not a buffer end, without reading the word, so also when the    *)
(* index is claimed but not yet stored), or "mailbox" (relaxedPoll inside  *)
(* Pekko's Mailbox.run: the consumer runs only when the mailbox is         *)
(* scheduled; a run ends on a null dequeue or after any take (throughput), *)
(* clears the Scheduled bit (setAsIdle) and re-checks hasMessages, exact by *)
(* index (P > c), rescheduling itself if it can; a producer, after its     *)
(* store, schedules the mailbox unless it is already scheduled             *)
(* (registerForExecution -> setAsScheduled)).                              *)
(*                                                                         *)
(* Batch > 0 adds the consumer batch of ElasticMailbox (takeUnreleased /   *)
(* releaseTaken): a dequeue with no batch held may take up to Batch        *)
(* published slots from the consumer index on (each a read and a clear,   *)
(* the index not moved, no end test: the slots past a buffer's end are     *)
(* cleared ones), then hands them out one per dequeue and releases the     *)
(* index by the batch's size with the last one. A run may end inside a     *)
(* batch. Batch = 0 is the consumer without batches.                       *)
(***************************************************************************)
EXTENDS Naturals, Sequences, FiniteSets

CONSTANTS
    Producers,          \* number of producer threads
    ValuesPerProducer,  \* producer pr offers <<pr, 1>>, <<pr, 2>>, ... in order
    MinCapacity,
    InitialCapacity,
    MaxCapacity,
    GrowthFactor,       \* an integer > 1 (the Java accepts any double > 1)
    ShrinkNum,          \* shrinkThreshold = ShrinkNum / ShrinkDen
    ShrinkDen,
    Bug,
    PollMode,
    Batch               \* 0: no batches; else the most slots one batch takes

Bugs == {"None",
         "AdvanceBeforeRead",   \* consumer moves its index, then reads and clears the slot
         "SkipBufferLookup",    \* producer stores into the buffer it read before its CAS
         "ShrinkBelowSize",     \* shrink acts on an old sample and ignores the size
         "SkipClear",           \* consumer does not clear the slot it took
         "ReadClaimedSlot",     \* consumer takes a claimed slot without waiting for the store
         "GrowPastMax",         \* grow does not clamp to MaxCapacity
         "NoBufferHop",         \* consumer never follows next at the end of its buffer
         "LeakResizeBit",       \* a grow that finds nothing to do keeps the resize bit
         "RelaxedSkipsUnpublished", \* relaxedPoll moves past a claimed, unstored index
         "RelaxedNoHop",        \* relaxedPoll returns null at a buffer end instead of hopping
         "NoRecheck",           \* mailbox: the run ends without re-checking hasMessages
         "BatchReleaseAtTake"}  \* the batch moves the index as it takes, not with its last

PollModes == {"exact", "mixed", "mailbox"}
Relaxed == PollMode # "exact"
MailboxMode == PollMode = "mailbox"

ASSUME /\ Producers \in Nat \ {0}
       /\ ValuesPerProducer \in Nat \ {0}
       /\ MinCapacity \in Nat \ {0}
       /\ MinCapacity <= InitialCapacity /\ InitialCapacity <= MaxCapacity
       /\ GrowthFactor \in Nat /\ GrowthFactor > 1
       /\ ShrinkNum \in Nat \ {0} /\ ShrinkDen \in Nat /\ ShrinkNum < ShrinkDen
       /\ Bug \in Bugs
       /\ PollMode \in PollModes
       /\ Batch \in Nat

Prods    == 1..Producers
Total    == Producers * ValuesPerProducer
Elems    == {<<pr, v>> : pr \in Prods, v \in 1..ValuesPerProducer}
Null     == <<0, 0>>
Unset    == Total + 1             \* end of an open buffer: above every index
Consumer == 0                     \* owner of a shrink

Max2(a, b) == IF a >= b THEN a ELSE b
Min2(a, b) == IF a <= b THEN a ELSE b
CeilDiv(a, b) == (a + b - 1) \div b

\* ElasticMpscQueue.tableSizeFor: the smallest power of two >= n.
RECURSIVE TableSizeFrom(_, _)
TableSizeFrom(n, k) == IF k >= n THEN k ELSE TableSizeFrom(n, 2 * k)
TableSizeFor(n) == TableSizeFrom(n, 1)

\* QueueConfig.grownCapacity and shrunkCapacity, integer growth factor. (The code also takes at
\* least one slot off per shrink step, for factors below 2; with an integer factor >= 2 the ceiling
\* division already does, so the model leaves it out.)
Grown(cap) == IF Bug = "GrowPastMax" THEN cap * GrowthFactor
              ELSE Min2(MaxCapacity, cap * GrowthFactor)
Shrunk(cap, size) == Max2(Max2(CeilDiv(cap, GrowthFactor), MinCapacity), size)
\* sampleOccupancy: one step; when the queue is empty, every step down to min.
RECURSIVE ShrinkAllSteps(_)
ShrinkAllSteps(t) == LET n == Shrunk(t, 0) IN
                     IF n > MinCapacity THEN ShrinkAllSteps(n) ELSE n
ShrinkTarget(cap, size) ==
    IF size = 0 THEN ShrinkAllSteps(cap)
    ELSE IF Bug = "ShrinkBelowSize" THEN Max2(CeilDiv(cap, GrowthFactor), MinCapacity)
    ELSE Shrunk(cap, size)

NewBuffer(len, base) ==
    [base |-> base, end |-> Unset, len |-> len, next |-> 0,
     slots |-> [s \in 0..len - 1 |-> Null]]

VARIABLES
    word, c, capacity, bufs, pb, cb,
    pc, val, lp, lb, lcap,          \* producers: program counter, current value, locals
    cpc, ci,                        \* consumer: program counter, local (AdvanceBeforeRead only)
    rz,                             \* the resize in progress (one at a time: the bit)
    sched,                          \* mailbox mode: the Scheduled bit of Pekko's Mailbox status
    held, hd,                       \* batch: the elements taken, how many of them handed out
    claims, polled                  \* ghosts

vars == <<word, c, capacity, bufs, pb, cb, pc, val, lp, lb, lcap, cpc, ci, rz, sched, held, hd,
          claims, polled>>
hvars == <<held, hd>>

P    == word \div 2                 \* indexes claimed so far
Size == P - c
Elem(pr) == <<pr, val[pr]>>
Slot(B, b, i) == IF b = 0 THEN Null ELSE B[b].slots[i % B[b].len]
IdleRz == [phase |-> "idle", kind |-> "none", owner |-> Consumer, target |-> 0, linked |-> FALSE]

\* lookupBuffer: follow next while end <= index.
RECURSIVE Lookup(_, _, _)
Lookup(B, b, i) == IF b # 0 /\ B[b].end <= i /\ B[b].next # 0 THEN Lookup(B, B[b].next, i) ELSE b

\* Garbage collection: keep the buffers reachable from cb, pb and the buffers
\* producers hold in locals; renumber them in creation order (next always
\* points to a younger buffer).
RECURSIVE ReachFrom(_, _)
ReachFrom(B, b) == IF b = 0 THEN {} ELSE {b} \cup ReachFrom(B, B[b].next)
SetBuffers(B, cbv, pbv, lbv) ==
    LET live   == UNION {ReachFrom(B, r) : r \in {cbv, pbv} \cup {lbv[pr] : pr \in Prods}}
        ren(b) == IF b = 0 THEN 0 ELSE Cardinality({x \in live : x <= b})
        old(k) == CHOOSE x \in live : ren(x) = k
    IN /\ bufs' = [k \in 1..Cardinality(live) |->
                     LET r == B[old(k)] IN [r EXCEPT !.next = ren(r.next)]]
       /\ cb' = ren(cbv)
       /\ pb' = ren(pbv)
       /\ lb' = [pr \in Prods |-> ren(lbv[pr])]

\* A producer restarting its offer loop forgets its locals.
Restart(pr) ==
    /\ pc' = [pc EXCEPT ![pr] = "readWord"]
    /\ lp' = [lp EXCEPT ![pr] = 0]
    /\ lcap' = [lcap EXCEPT ![pr] = 0]
DropLocalBuffer(pr) == SetBuffers(bufs, cb, pb, [lb EXCEPT ![pr] = 0])

-----------------------------------------------------------------------------
Init ==
    /\ word = 0
    /\ c = 0
    /\ capacity = InitialCapacity
    /\ bufs = <<>>                  \* lazy: no array until the first offer
    /\ pb = 0
    /\ cb = 0
    /\ pc = [pr \in Prods |-> "readWord"]
    /\ val = [pr \in Prods |-> 1]
    /\ lp = [pr \in Prods |-> 0]
    /\ lb = [pr \in Prods |-> 0]
    /\ lcap = [pr \in Prods |-> 0]
    /\ cpc = IF MailboxMode THEN "parked" ELSE "load"
    /\ ci = 0
    /\ rz = IdleRz
    /\ sched = FALSE
    /\ held = <<>>
    /\ hd = 0
    /\ claims = <<>>
    /\ polled = <<>>

-----------------------------------------------------------------------------
(* Producers: ElasticMpscQueue.offer and offerWhenFull.                     *)

\* word = producerIndexWordAcquire(); spin while the resize bit is set.
ReadWord(pr) ==
    /\ pc[pr] = "readWord"
    /\ val[pr] <= ValuesPerProducer
    /\ word % 2 = 0
    /\ lp' = [lp EXCEPT ![pr] = P]
    /\ pc' = [pc EXCEPT ![pr] = "readBuf"]
    /\ UNCHANGED <<sched, word, c, capacity, bufs, pb, cb, val, lb, lcap, cpc, ci, rz, claims, polled>>

\* buffer = producerBufferAcquire()
ReadBuf(pr) ==
    /\ pc[pr] = "readBuf"
    /\ lb' = [lb EXCEPT ![pr] = pb]
    /\ pc' = [pc EXCEPT ![pr] = "readCap"]
    /\ UNCHANGED <<sched, word, c, capacity, bufs, pb, cb, val, lp, lcap, cpc, ci, rz, claims, polled>>

\* capacity = capacityAcquire(); a null buffer: installFirstBuffer(word).
ReadCap(pr) ==
    /\ pc[pr] = "readCap"
    /\ lcap' = [lcap EXCEPT ![pr] = capacity]
    /\ pc' = [pc EXCEPT ![pr] = IF lb[pr] = 0 THEN "casInstall" ELSE "check"]
    /\ UNCHANGED <<sched, word, c, capacity, bufs, pb, cb, val, lp, lb, cpc, ci, rz, claims, polled>>

\* index - consumerIndex >= capacity, with the consumer index read now (the
\* producers' cached copy is a lower bound, refreshed when the check fails,
\* so the outcome is that of a fresh read).
Check(pr) ==
    /\ pc[pr] = "check"
    /\ IF lp[pr] - c >= lcap[pr]
       THEN IF lcap[pr] >= MaxCapacity
            THEN \* full at max: offer returns false, the producer moves on
                 /\ val' = [val EXCEPT ![pr] = @ + 1]
                 /\ Restart(pr)
                 /\ DropLocalBuffer(pr)
            ELSE /\ pc' = [pc EXCEPT ![pr] = "casGrow"]
                 /\ UNCHANGED <<val, lp, lcap, bufs, pb, cb, lb>>
       ELSE /\ pc' = [pc EXCEPT ![pr] = "casClaim"]
            /\ UNCHANGED <<val, lp, lcap, bufs, pb, cb, lb>>
    /\ UNCHANGED <<sched, word, c, capacity, cpc, ci, rz, claims, polled>>

\* casProducerIndexWord(word, word + 2)
CasClaim(pr) ==
    /\ pc[pr] = "casClaim"
    /\ IF word = 2 * lp[pr]
       THEN /\ word' = word + 2
            /\ claims' = Append(claims, Elem(pr))
            /\ pc' = [pc EXCEPT ![pr] = "publish"]
            /\ UNCHANGED <<lp, lcap, bufs, pb, cb, lb>>
       ELSE /\ Restart(pr)
            /\ DropLocalBuffer(pr)
            /\ UNCHANGED <<word, claims>>
    /\ UNCHANGED <<sched, c, capacity, val, cpc, ci, rz, polled>>

\* storeElementRelease(lookupBuffer(buffer, index), index, e)
Publish(pr) ==
    /\ pc[pr] = "publish"
    /\ LET b  == IF Bug = "SkipBufferLookup" THEN lb[pr] ELSE Lookup(bufs, lb[pr], lp[pr])
           nb == [bufs EXCEPT ![b].slots[lp[pr] % bufs[b].len] = Elem(pr)]
       IN  SetBuffers(nb, cb, pb, [lb EXCEPT ![pr] = 0])
    /\ val' = [val EXCEPT ![pr] = @ + 1]
    /\ pc' = [pc EXCEPT ![pr] = IF MailboxMode THEN "schedule" ELSE "readWord"]
    /\ lp' = [lp EXCEPT ![pr] = 0]
    /\ lcap' = [lcap EXCEPT ![pr] = 0]
    /\ UNCHANGED <<sched, word, c, capacity, cpc, ci, rz, claims, polled>>

\* Mailbox mode, after the enqueue: dispatcher.registerForExecution(mbox,
\* hasMessageHint = true): setAsScheduled, a CAS that fails when the mailbox
\* is already scheduled (its run, current or next, will see the message).
Schedule(pr) ==
    /\ pc[pr] = "schedule"
    /\ sched' = TRUE
    /\ pc' = [pc EXCEPT ![pr] = "readWord"]
    /\ UNCHANGED <<word, c, capacity, bufs, pb, cb, val, lp, lb, lcap, cpc, ci, rz, claims, polled>>

\* offerWhenFull below max: casProducerIndexWord(word, word | RESIZE_BIT)
CasGrow(pr) ==
    /\ pc[pr] = "casGrow"
    /\ IF word = 2 * lp[pr]
       THEN /\ word' = word + 1
            /\ rz' = [IdleRz EXCEPT !.phase = "decide", !.kind = "grow", !.owner = pr]
            /\ pc' = [pc EXCEPT ![pr] = "resizing"]
            /\ UNCHANGED <<lp, lcap, bufs, pb, cb, lb>>
       ELSE /\ Restart(pr)
            /\ DropLocalBuffer(pr)
            /\ UNCHANGED <<word, rz>>
    /\ UNCHANGED <<sched, c, capacity, val, cpc, ci, claims, polled>>

\* installFirstBuffer: casProducerIndexWord(word, word | RESIZE_BIT), one attempt.
CasInstall(pr) ==
    /\ pc[pr] = "casInstall"
    /\ IF word = 2 * lp[pr]
       THEN /\ word' = word + 1
            /\ rz' = [IdleRz EXCEPT !.phase = "decide", !.kind = "install", !.owner = pr]
            /\ pc' = [pc EXCEPT ![pr] = "resizing"]
            /\ UNCHANGED <<lp, lcap, bufs, pb, cb, lb>>
       ELSE /\ Restart(pr)
            /\ DropLocalBuffer(pr)
            /\ UNCHANGED <<word, rz>>
    /\ UNCHANGED <<sched, c, capacity, val, cpc, ci, claims, polled>>

Producer(pr) ==
    /\ \/ ReadWord(pr) \/ ReadBuf(pr) \/ ReadCap(pr) \/ Check(pr)
       \/ CasClaim(pr) \/ Publish(pr) \/ CasGrow(pr) \/ CasInstall(pr) \/ Schedule(pr)
    /\ UNCHANGED hvars

-----------------------------------------------------------------------------
(* The holder of the resize bit: offerWhenFull / sampleOccupancy, resize.   *)

\* Back to the owner's loop (a producer retries its offer; the consumer's
\* poll returns), given the buffers after this step.
ReturnToOwner(B, cbv, pbv) ==
    IF rz.owner = Consumer
    THEN /\ cpc' = IF cpc = "resizingNull" /\ MailboxMode THEN "endRun" ELSE "load"
         /\ bufs' = B /\ pb' = pbv /\ cb' = cbv
         /\ UNCHANGED <<pc, lp, lcap, lb>>
    ELSE /\ Restart(rz.owner)
         /\ SetBuffers(B, cbv, pbv, [lb EXCEPT ![rz.owner] = 0])
         /\ UNCHANGED cpc

\* Holding the bit, p is frozen; capacity, producerBuffer and the open
\* buffer's end and next are the holder's alone to write. One step decides
\* (fresh capacity, fresh consumer index) and, when the array length changes,
\* links the new buffer (Buffer.close(current, index, next): one release
\* store of an immutable Link holding end and next, in the array slot past
\* the ring) and publishes it (setProducerBufferRelease). One step is exact: until the
\* word is released, end and next are read only by a consumer whose index is
\* below p, which compares end with its index and never follows next.
RzInstall ==
    /\ rz.phase = "decide"
    /\ rz.kind = "install"
    /\ rz' = IdleRz
    /\ word' = word - 1              \* finally: setProducerIndexWordRelease(word)
    /\ IF pb = 0                     \* a previous holder may have installed it (ABA)
       THEN LET B == Append(bufs, NewBuffer(TableSizeFor(capacity), P)) IN
            ReturnToOwner(B, Len(B), Len(B))
       ELSE ReturnToOwner(bufs, cb, pb)
    /\ UNCHANGED <<sched, c, capacity, val, ci, claims, polled>>

RzDecide ==
    /\ rz.phase = "decide"
    /\ rz.kind # "install"
    /\ LET t      == IF rz.kind = "grow" THEN Grown(capacity) ELSE ShrinkTarget(capacity, Size)
           resize == IF rz.kind = "grow"
                     THEN Size >= capacity /\ capacity < MaxCapacity
                     ELSE t < capacity
           len    == TableSizeFor(t)
           n      == Len(bufs) + 1
       IN IF resize
          THEN /\ IF pb # 0 /\ len # bufs[pb].len
                  THEN /\ bufs' = [Append(bufs, NewBuffer(len, P))
                                      EXCEPT ![pb].next = n, ![pb].end = P]
                       /\ pb' = n
                  ELSE UNCHANGED <<bufs, pb>>
               /\ rz' = [rz EXCEPT !.phase = "publish", !.target = t,
                                    !.linked = (pb # 0 /\ len # bufs[pb].len)]
               /\ UNCHANGED <<word, pc, lp, lb, lcap, cpc, cb>>
          ELSE /\ rz' = IdleRz
               /\ ReturnToOwner(bufs, cb, pb)
               /\ IF Bug = "LeakResizeBit" /\ rz.kind = "grow"
                  THEN UNCHANGED word       \* no finally block: the bit stays set
                  ELSE word' = word - 1     \* finally: setProducerIndexWordRelease(word)
    /\ UNCHANGED <<sched, c, capacity, val, ci, claims, polled>>

\* setCapacityRelease(newCapacity), then finally setProducerIndexWordRelease
\* at the value the bit was taken at (ABA). One step is exact: whoever reads
\* the new capacity before the release can use it only after the release.
RzPublish ==
    /\ rz.phase = "publish"
    /\ capacity' = rz.target
    /\ word' = word - 1
    /\ rz' = IdleRz
    /\ ReturnToOwner(bufs, cb, pb)
    /\ UNCHANGED <<sched, c, val, ci, claims, polled>>

Resizer == (RzInstall \/ RzDecide \/ RzPublish) /\ UNCHANGED hvars

-----------------------------------------------------------------------------
(* The consumer: ElasticMpscQueue.poll and sampleOccupancy.                 *)

Cleared(i) == IF Bug = "SkipClear" THEN bufs
              ELSE [bufs EXCEPT ![cb].slots[i % bufs[cb].len] = Null]

\* consumerBufferAcquire() null (no array yet): empty unless the word shows a
\* claimed index, in which case the buffer was installed before the claim and
\* is read again; relaxedPoll (Relaxed) may return null without reading the
\* word. Otherwise e = buffer.loadAcquire(index); non-null: takePublished
\* clears the slot, then releases index + 1. Read, clear and index store are
\* one step: no producer can write the slot before the index moves.
CLoad ==
    /\ cpc = "load"
    /\ held = <<>>                 \* with a batch held, dequeue hands out the next one
    /\ IF cb = 0
       THEN \/ /\ cpc' = IF P <= c THEN "sampleNull" ELSE "load"
               /\ UNCHANGED <<c, ci, bufs, polled>>
            \/ /\ Relaxed               \* relaxedPoll: null, the word is not read
               /\ cpc' = "sampleNull"
               /\ UNCHANGED <<c, ci, bufs, polled>>
       ELSE LET e == Slot(bufs, cb, c) IN
            IF e # Null
            THEN IF Bug = "AdvanceBeforeRead"
                 THEN /\ c' = c + 1
                      /\ ci' = c
                      /\ cpc' = "lateRead"
                      /\ UNCHANGED <<bufs, polled>>
                 ELSE /\ polled' = Append(polled, e)
                      /\ bufs' = Cleared(c)
                      /\ c' = c + 1
                      /\ cpc' = "sample"
                      /\ UNCHANGED ci
            ELSE /\ cpc' = "checkEnd"
                 /\ UNCHANGED <<c, ci, bufs, polled>>
    /\ UNCHANGED <<sched, word, capacity, pb, cb, pc, val, lp, lb, lcap, rz, claims>>

\* AdvanceBeforeRead only: read and clear after the index has moved.
CLateRead ==
    /\ cpc = "lateRead"
    /\ polled' = Append(polled, Slot(bufs, cb, ci))
    /\ bufs' = Cleared(ci)
    /\ ci' = 0
    /\ cpc' = "sample"
    /\ UNCHANGED <<sched, word, c, capacity, pb, cb, pc, val, lp, lb, lcap, rz, claims>>

\* The slot was null. end == index: the index lives in the successor (also
\* before it is claimed, when a resize closed the buffer at the consumer's
\* index). Otherwise poll reads the word: claimed <= index: empty; else a
\* producer is between its CAS and its store: spin. relaxedPoll (Relaxed)
\* does not read the word: it returns null, claimed or not (the choice is
\* per check, a superset of per call: a spin changes nothing). (onEmptyPoll's
\* hop at end == index is the hop the next poll makes; not separate.)
CCheckEnd ==
    /\ cpc = "checkEnd"
    /\ IF bufs[cb].end = c /\ Bug # "NoBufferHop"
       THEN \/ /\ cpc' = "load"
               /\ SetBuffers(bufs, bufs[cb].next, pb, lb)
               /\ UNCHANGED <<c, polled>>
            \/ /\ Bug = "RelaxedNoHop"   \* relaxedPoll returns null at the end
               /\ cpc' = "sampleNull"
               /\ UNCHANGED <<c, bufs, pb, cb, lb, polled>>
       ELSE IF P <= c
       THEN /\ cpc' = "sampleNull"
            /\ UNCHANGED <<c, bufs, pb, cb, lb, polled>>
       ELSE IF Bug = "ReadClaimedSlot"
       THEN /\ polled' = Append(polled, Slot(bufs, cb, c))
            /\ bufs' = Cleared(c)
            /\ c' = c + 1
            /\ cpc' = "sample"
            /\ UNCHANGED <<pb, cb, lb>>
       ELSE \/ /\ cpc' = "load"            \* poll: Thread.onSpinWait()
               /\ UNCHANGED <<c, bufs, pb, cb, lb, polled>>
            \/ /\ Relaxed                 \* relaxedPoll: null while claimed, unstored
               /\ IF Bug = "RelaxedSkipsUnpublished"
                  THEN c' = c + 1         \* moves past the index it did not take
                  ELSE UNCHANGED c
               /\ cpc' = "sampleNull"
               /\ UNCHANGED <<bufs, pb, cb, lb, polled>>
    /\ UNCHANGED <<sched, word, capacity, pc, val, lp, lcap, ci, rz, claims>>

\* sampleOccupancy, after a take ("sample") or a null poll ("sampleNull").
\* The Java samples on null polls and every SAMPLE_INTERVAL or more operations
\* (more for a large capacity and at min: sampleDelay), and
\* tries one CAS after SHRINK_STREAK consecutive low samples; here the
\* consumer may skip any attempt, which covers every cadence, and the Java's
\* skips while the queue is not empty and its buffer is not the producers' or
\* no index was claimed since its previous sample. Reading
\* capacity, reading the word and the CAS are one step: a CAS that succeeds
\* saw the word unchanged, and a resize in between (released at the same
\* value) only grew the capacity, which the holder reads again. The
\* ShrinkBelowSize control acts on an earlier sample: no threshold test at
\* the CAS, and its target ignores the size. In mailbox mode the null poll
\* ends the run (processMailbox stops at a null dequeue).
CSample ==
    /\ cpc \in {"sample", "sampleNull"}
    /\ LET after == IF cpc = "sampleNull" /\ MailboxMode THEN "endRun" ELSE "load" IN
       IF /\ word % 2 = 0
          /\ capacity > MinCapacity
          /\ (Bug = "ShrinkBelowSize" \/ Size * ShrinkDen <= capacity * ShrinkNum)
       THEN \/ /\ word' = word + 1
               /\ rz' = [IdleRz EXCEPT !.phase = "decide", !.kind = "shrink"]
               /\ cpc' = IF cpc = "sampleNull" THEN "resizingNull" ELSE "resizing"
            \/ /\ cpc' = after
               /\ UNCHANGED <<word, rz>>
       ELSE /\ cpc' = after
            /\ UNCHANGED <<word, rz>>
    /\ UNCHANGED <<sched, c, capacity, bufs, pb, cb, pc, val, lp, lb, lcap, ci, claims, polled>>

\* Mailbox mode: the run also ends after a take when the dispatcher's
\* throughput (or deadline) is reached.
CThroughput ==
    /\ MailboxMode
    /\ cpc \in {"sample", "handed"}
    /\ cpc' = "endRun"
    /\ UNCHANGED <<sched, word, c, capacity, bufs, pb, cb, pc, val, lp, lb, lcap, ci, rz, claims, polled>>

\* Mailbox.run's finally, first half: setAsIdle (clears Scheduled).
CEndRun ==
    /\ cpc = "endRun"
    /\ sched' = FALSE
    /\ cpc' = "recheck"
    /\ UNCHANGED <<word, c, capacity, bufs, pb, cb, pc, val, lp, lb, lcap, ci, rz, claims, polled>>

\* Second half: registerForExecution(this, false, false):
\* canBeScheduledForExecution asks hasMessages = !isEmpty(), exact by index
\* (claimed > consumed, stored or not); then setAsScheduled, which fails if a
\* producer scheduled the mailbox in between (that schedule runs it).
CRecheck ==
    /\ cpc = "recheck"
    /\ IF P > c /\ ~sched /\ Bug # "NoRecheck"
       THEN sched' = TRUE
       ELSE UNCHANGED sched
    /\ cpc' = "parked"
    /\ UNCHANGED <<word, c, capacity, bufs, pb, cb, pc, val, lp, lb, lcap, ci, rz, claims, polled>>

\* The executor runs a scheduled mailbox.
CUnpark ==
    /\ cpc = "parked"
    /\ sched
    /\ cpc' = "load"
    /\ UNCHANGED <<sched, word, c, capacity, bufs, pb, cb, pc, val, lp, lb, lcap, ci, rz, claims, polled>>

\* Batch (ElasticMessageQueue.fromBatch with AbstractElasticMpscQueue.
\* takeUnreleased / releaseTaken). A dequeue with no batch held may, instead
\* of CLoad, take the published slot at the consumer index: read and clear,
\* the index not moved. (The Java hops to the next buffer first if the index
\* is at its end: here CLoad, CCheckEnd, then this step from "load".)
TakeIndex == IF Bug = "BatchReleaseAtTake" THEN c ELSE c + Len(held)
TakeOne ==
    LET i == TakeIndex IN
    /\ cb # 0
    /\ Slot(bufs, cb, i) # Null
    /\ held' = Append(held, Slot(bufs, cb, i))
    /\ bufs' = Cleared(i)
    /\ IF Bug = "BatchReleaseAtTake" THEN c' = c + 1 ELSE UNCHANGED c
    /\ cpc' = "take"
    /\ UNCHANGED <<sched, word, capacity, pb, cb, pc, val, lp, lb, lcap, ci, rz, hd, claims, polled>>

CTake ==
    /\ Batch > 0
    /\ cpc = "load"
    /\ held = <<>>
    /\ TakeOne

\* takeUnreleased goes on to the next slot of the same buffer, up to Batch.
CTakeMore ==
    /\ cpc = "take"
    /\ Len(held) < Batch
    /\ TakeOne

\* takeUnreleased returns (at a null slot, at Batch, or at a buffer's end:
\* stopping is always allowed here, a superset); the dequeue goes on to hand
\* out the first.
CTakeStop ==
    /\ cpc = "take"
    /\ cpc' = "load"
    /\ UNCHANGED <<sched, word, c, capacity, bufs, pb, cb, pc, val, lp, lb, lcap, ci, rz, held, hd,
                   claims, polled>>

\* A dequeue with a batch held returns its next element; with the last one
\* it releases the index by the batch's size (releaseTaken: one release
\* store, then the occupancy sample of afterConsumerOperation).
CDeliver ==
    /\ cpc = "load"
    /\ hd < Len(held)
    /\ polled' = Append(polled, held[hd + 1])
    /\ IF hd + 1 = Len(held)
       THEN /\ held' = <<>>
            /\ hd' = 0
            /\ IF Bug = "BatchReleaseAtTake" THEN UNCHANGED c ELSE c' = c + Len(held)
            /\ cpc' = "sample"
       ELSE /\ hd' = hd + 1
            /\ UNCHANGED <<held, c>>
            /\ cpc' = "handed"
    /\ UNCHANGED <<sched, word, capacity, bufs, pb, cb, pc, val, lp, lb, lcap, ci, rz, claims>>

\* After a dequeue that handed out an element of the batch but not its last:
\* the run goes on (or ends at the throughput, CThroughput).
CHanded ==
    /\ cpc = "handed"
    /\ cpc' = "load"
    /\ UNCHANGED <<sched, word, c, capacity, bufs, pb, cb, pc, val, lp, lb, lcap, ci, rz, held, hd,
                   claims, polled>>

ConsumerStep == \/ /\ \/ CLoad \/ CLateRead \/ CCheckEnd \/ CSample
                      \/ CThroughput \/ CEndRun \/ CRecheck \/ CUnpark
                   /\ UNCHANGED hvars
                \/ CTake \/ CTakeMore \/ CTakeStop \/ CDeliver \/ CHanded

-----------------------------------------------------------------------------
\* Mailbox mode: every producer is done and the mailbox is idle. Nothing can
\* move any more; this explicit stutter tells TLC that the state is a normal
\* end (any other state without a successor is still reported as deadlock).
MailboxQuiet ==
    /\ MailboxMode
    /\ cpc = "parked"
    /\ ~sched
    /\ \A pr \in Prods : pc[pr] = "readWord" /\ val[pr] > ValuesPerProducer
    /\ UNCHANGED vars

Next == \/ \E pr \in Prods : Producer(pr)
        \/ ConsumerStep
        \/ Resizer
        \/ MailboxQuiet

\* Weak fairness: a thread that can move eventually moves; the consumer keeps
\* polling.
Spec == /\ Init
        /\ [][Next]_vars
        /\ \A pr \in Prods : WF_vars(Producer(pr))
        /\ WF_vars(ConsumerStep)
        /\ WF_vars(Resizer)

-----------------------------------------------------------------------------
(* Invariants                                                               *)

PolledSet   == {polled[k] : k \in 1..Len(polled)}
ClaimedSet  == {claims[k] : k \in 1..Len(claims)}
InFlight(e) == \E pr \in Prods : pc[pr] = "publish" /\ Elem(pr) = e
\* Index i has been stored into: claimed, and its producer is past the store.
Published(i) == i < P /\ ~\E pr \in Prods : pc[pr] = "publish" /\ lp[pr] = i
IndexOf(e)  == CHOOSE i \in 0..Len(claims) - 1 : claims[i + 1] = e
Lens == {TableSizeFor(n) : n \in 1..MaxCapacity * GrowthFactor}

TypeOK ==
    /\ word \in 0..2 * Total + 1
    /\ c \in 0..P
    /\ capacity \in Nat \ {0}
    /\ \A b \in 1..Len(bufs) :
         /\ bufs[b].base \in 0..Total
         /\ bufs[b].end \in 0..Unset
         /\ bufs[b].len \in Lens
         /\ bufs[b].next \in 0..Len(bufs)
         /\ bufs[b].slots \in [0..bufs[b].len - 1 -> Elems \cup {Null}]
    /\ pb \in 0..Len(bufs)
    /\ cb \in 0..Len(bufs)
    /\ pc \in [Prods -> {"readWord", "readBuf", "readCap", "check", "casClaim",
                         "publish", "casGrow", "casInstall", "resizing", "schedule"}]
    /\ val \in [Prods -> 1..ValuesPerProducer + 1]
    /\ lb \in [Prods -> 0..Len(bufs)]
    /\ cpc \in {"load", "lateRead", "checkEnd", "sample", "sampleNull", "resizing",
                "resizingNull", "endRun", "recheck", "parked", "take", "handed"}
    /\ held \in Seq(Elems)
    /\ Len(held) <= Batch
    /\ hd \in 0..Batch
    /\ (held = <<>>) => (hd = 0)
    /\ sched \in BOOLEAN
    /\ rz.phase \in {"idle", "decide", "publish"}
    /\ claims \in Seq(Elems)
    /\ polled \in Seq(Elems)
    /\ Len(claims) = P

\* Every accepted element is polled, in flight (claimed, not yet stored), or
\* in the slot of its index in the buffer chain the consumer walks (in the
\* AdvanceBeforeRead control also: in the slot the consumer is about to read).
NoLoss ==
    \A i \in 0..Len(claims) - 1 :
        LET e == claims[i + 1] IN
        \/ e \in PolledSet
        \/ InFlight(e)
        \/ i >= c /\ Slot(bufs, Lookup(bufs, cb, i), i) = e
        \/ cpc = "lateRead" /\ i = ci /\ Slot(bufs, cb, i) = e
        \/ \E k \in hd + 1..Len(held) : held[k] = e

\* No element is returned twice.
NoDuplicate ==
    \A j, k \in 1..Len(polled) : j # k => polled[j] # polled[k]

\* The elements of one producer are returned in the order it offered them.
PerProducerFifo ==
    \A j, k \in 1..Len(polled) :
        (j < k /\ polled[j][1] = polled[k][1]) => polled[j][2] < polled[k][2]

\* The k-th element returned is taken from index k - 1 only after the
\* producer's store into index k - 1.
NoReadOfUnpublished ==
    \A k \in 1..Len(polled) : Published(k - 1)

\* All of the above at once: poll returns exactly the claimed elements, in
\* claim order (the queue is linearizable FIFO).
PollsInClaimOrder ==
    \A k \in 1..Len(polled) : k <= Len(claims) /\ polled[k] = claims[k]

\* size <= max; min <= capacity <= max.
CapacityWithinBounds ==
    /\ Size <= MaxCapacity
    /\ MinCapacity <= capacity
    /\ capacity <= MaxCapacity

\* Every stored element lies in [base, end) of the buffer holding it, at slot
\* index mod length: no producer stores into a buffer closed at or before its
\* index (lookupBuffer).
NoPublishIntoRetiredBuffer ==
    \A b \in 1..Len(bufs) : \A s \in 0..bufs[b].len - 1 :
        LET e == bufs[b].slots[s] IN
        e # Null =>
            LET i == IndexOf(e) IN
            /\ bufs[b].base <= i
            /\ i < bufs[b].end
            /\ i % bufs[b].len = s

\* The first buffer is installed before the first index is claimed, and both
\* producerBuffer and consumerBuffer point to it from then on (lazy
\* allocation: installFirstBuffer).
FirstBufferBeforeFirstClaim ==
    P > 0 => (pb # 0 /\ cb # 0)

\* A shrink never installs a capacity below the size it holds the bit at
\* (p and c are frozen while the consumer holds it).
NoShrinkBelowSize ==
    (rz.kind = "shrink" /\ rz.phase = "publish") => rz.target >= Size

\* With shrinkThreshold * growthFactor < 1 (the defaults: 0.25 * 2) the size
\* never exceeds the logical capacity, not even with the one claim a
\* producer can make with a capacity it read before a shrink (the ABA).
SizeWithinCapacity == Size <= capacity

\* Mailbox mode: an idle mailbox (no run, not scheduled) holds no message
\* unless the producer of one of them has yet to make its schedule step
\* (it is between its claim and its registerForExecution). With a relaxed
\* dequeue that can stop at a claimed, unstored index, this is what the
\* hasMessages re-check after setAsIdle buys. A batch's elements not handed
\* out yet count too (with a batch, the re-check sees them only because the
\* index is released with the batch's last element).
NoStrandedMessage ==
    (cpc = "parked" /\ ~sched /\ (P > c \/ hd < Len(held))) =>
        \E pr \in Prods : pc[pr] \in {"publish", "schedule"}

\* Batch: the elements held are those claimed at the consumer index on, in
\* order (no slot skipped, none read twice, none read before its store), so
\* they still count in Size (and against the capacity) until released.
BatchHoldsNextIndexes ==
    \A k \in 1..Len(held) : c + k <= Len(claims) /\ held[k] = claims[c + k]

-----------------------------------------------------------------------------
(* Reachability witnesses. Each is expected to be VIOLATED by the correct   *)
(* model: TLC then prints a behaviour that reaches the situation, which     *)
(* shows the configurations exercise the races the invariants are about.   *)

\* A producer claimed an index in a buffer that a resize retired between its
\* read of producerBuffer and its CAS (the ABA case lookupBuffer exists for).
NeverLookupHop ==
    \A pr \in Prods : pc[pr] = "publish" => Lookup(bufs, lb[pr], lp[pr]) = lb[pr]

\* A producer claimed with a capacity read before a shrink.
NeverStaleCapacityClaim ==
    \A pr \in Prods : pc[pr] = "publish" => lcap[pr] <= capacity

\* A shrink is about to install a smaller capacity.
NeverShrinks == ~(rz.kind = "shrink" /\ rz.phase = "publish")

\* A grow changed the capacity within the same array.
NeverResizesInPlace == ~(rz.phase = "publish" /\ ~rz.linked)

\* An offer was rejected at max.
NeverRejects == \A pr \in Prods : \A v \in 1..val[pr] - 1 : <<pr, v>> \in ClaimedSet

\* The consumer moved to a successor buffer.
NeverConsumerHop == cb = 0 \/ bufs[cb].base = 0

\* A batch took two elements.
NeverBatchOfTwo == Len(held) < 2

\* A run ended inside a batch, with an element taken but not handed out.
NeverRunEndsInBatch == ~(cpc = "parked" /\ hd < Len(held))

\* A batch took the last slot of a buffer that has a successor (the next
\* take reads past its end: a cleared slot).
NeverBatchAtBufferEnd ==
    ~(cpc = "take" /\ held # <<>> /\ bufs[cb].end = c + Len(held))

-----------------------------------------------------------------------------
(* Liveness                                                                 *)

\* Every accepted element is eventually polled (the consumer keeps polling).
ConsumerProgress == \A e \in Elems : (e \in ClaimedSet) ~> (e \in PolledSet)

\* A taken resize bit is eventually released.
ResizeCompletes == (word % 2 = 1) ~> (word % 2 = 0)

\* Every offer returns (stored or rejected): no producer spins forever.
OffersComplete == <>[](\A pr \in Prods : val[pr] = ValuesPerProducer + 1)

=============================================================================
