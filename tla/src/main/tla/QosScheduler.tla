----------------------------- MODULE QosScheduler -----------------------------
(***************************************************************************)
(* The level-selection policy of io.github.elasticq.queue.QosQueue.poll(). *)
(*                                                                         *)
(* Levels 0..N-1, level N-1 the highest; Weights[l + 1] is the weight of   *)
(* level l (lowest level first, as in the configuration).                  *)
(*   strict:   poll serves the highest non-empty level.                    *)
(*   weighted: weighted round robin. A round visits the levels from the    *)
(*             highest to the lowest; on its turn level l delivers up to   *)
(*             its weight in consecutive polls; an empty level is skipped; *)
(*             after the lowest level the next round starts at the top.    *)
(* The state of the policy is the level whose turn it is (cur) and how     *)
(* many elements it has delivered in this turn (served); in QosQueue these *)
(* are roundLevel and roundCredit = W(roundLevel) - served. A poll that    *)
(* finds every level empty resets the round to the top.                    *)
(*                                                                         *)
(* Abstractions: each level is an ElasticMpscQueue (FIFO, no loss, checked *)
(* in ElasticMpscQueue.tla), so here a level is just its length, bounded   *)
(* by LevelCapacity; producers offer to any level at any time; a poll is   *)
(* one atomic step of the single consumer.                                 *)
(*                                                                         *)
(* Overload shedding (QosMailbox shedding.threshold / below-level): an    *)
(* offer to a level below ShedBelow is refused while the levels together   *)
(* hold ShedAt or more elements (ShedAt = 0: shedding off). The model's    *)
(* offer is atomic; in Java the size is read without a lock, so concurrent *)
(* senders can each pass the check (the README states that bound).         *)
(*                                                                         *)
(* Bug selects a deliberately broken policy for the negative controls.     *)
(***************************************************************************)
EXTENDS Integers, Sequences, FiniteSets

CONSTANTS
    Weights,        \* <<w_0, ..., w_{N-1}>>, each >= 1
    Fairness,       \* "strict" or "weighted"
    LevelCapacity,  \* bound on each level's length (keeps the model finite)
    ShedAt,         \* total elements from which low levels are shed; 0: off
    ShedBelow,      \* levels 0..ShedBelow-1 are shed
    Bug             \* "None", "StrictLowestFirst", "WeightedRestartAtTop", "ShedIgnored"

\* Weight vectors for the configurations (a .cfg file cannot write a tuple):
\* Weights <- W124 selects <<1, 2, 4>>, the default of elasticq.qos-mailbox.
W124  == <<1, 2, 4>>
W1235 == <<1, 2, 3, 5>>
W31   == <<3, 1>>

N == Len(Weights)
Levels == 0..N - 1
W(l) == Weights[l + 1]

RECURSIVE SumTo(_)
SumTo(k) == IF k = 0 THEN 0 ELSE Weights[k] + SumTo(k - 1)
TotalWeight == SumTo(N)

\* A non-empty level waits at most for the turns of all other levels.
StarvationBound(l) == TotalWeight - W(l)

ASSUME /\ N \in Nat \ {0}
       /\ \A l \in Levels : W(l) \in Nat \ {0}
       /\ Fairness \in {"strict", "weighted"}
       /\ LevelCapacity \in Nat \ {0}
       /\ ShedAt \in Nat
       /\ ShedBelow \in 0..N
       /\ Bug \in {"None", "StrictLowestFirst", "WeightedRestartAtTop", "ShedIgnored"}

VARIABLES
    q,              \* q[l]: number of elements in level l
    cur, served,    \* weighted round robin: whose turn, delivered in this turn
    lastServed,     \* ghost: level the last poll served (-1 before the first)
    lastHighest,    \* ghost: highest non-empty level when that poll started
    waiting         \* ghost: waiting[l] = polls that served another level while l was non-empty

vars == <<q, cur, served, lastServed, lastHighest, waiting>>

NonEmpty == {l \in Levels : q[l] > 0}
MaxOf(S) == CHOOSE x \in S : \A y \in S : y <= x
MinOf(S) == CHOOSE x \in S : \A y \in S : x <= y

\* The level visited after l in a round (the round restarts at the top).
After(l) == IF l = 0 THEN N - 1 ELSE l - 1
RECURSIVE Visit(_, _)
Visit(l, k) == IF k = 0 THEN l ELSE Visit(After(l), k - 1)

\* Weighted choice: the current level if it has turn left and elements,
\* else the first non-empty level after it (k = N: the current level again,
\* with a fresh turn, when every other level is empty).
WeightedK ==
    MinOf({k \in 0..N : /\ q[Visit(cur, k)] > 0
                        /\ (k > 0 \/ served < W(cur))})

Init ==
    /\ q = [l \in Levels |-> 0]
    /\ cur = N - 1
    /\ served = 0
    /\ lastServed = -1
    /\ lastHighest = -1
    /\ waiting = [l \in Levels |-> 0]

RECURSIVE SumLevels(_, _)
SumLevels(lo, hi) == IF lo > hi THEN 0 ELSE q[lo] + SumLevels(lo + 1, hi)
Total == SumLevels(0, N - 1)

\* QosMessageQueue.offer: a shed level is refused once the total reaches ShedAt.
Shed(l) == /\ ShedAt > 0
           /\ l < ShedBelow
           /\ Total >= ShedAt
           /\ Bug # "ShedIgnored"

Offer(l) ==
    /\ q[l] < LevelCapacity
    /\ ~Shed(l)
    /\ q' = [q EXCEPT ![l] = @ + 1]
    /\ UNCHANGED <<cur, served, lastServed, lastHighest, waiting>>

Serve(l) ==
    /\ q' = [q EXCEPT ![l] = @ - 1]
    /\ lastServed' = l
    /\ lastHighest' = MaxOf(NonEmpty)
    /\ waiting' = [m \in Levels |-> IF m # l /\ q[m] > 0 THEN waiting[m] + 1 ELSE 0]

Poll ==
    /\ NonEmpty # {}
    /\ IF Fairness = "strict"
       THEN /\ Serve(IF Bug = "StrictLowestFirst" THEN MinOf(NonEmpty) ELSE MaxOf(NonEmpty))
            /\ UNCHANGED <<cur, served>>
       ELSE LET k == WeightedK
                \* the broken policy starts every new turn from the top again
                l == IF k > 0 /\ Bug = "WeightedRestartAtTop" THEN MaxOf(NonEmpty)
                     ELSE Visit(cur, k)
            IN /\ Serve(l)
               /\ IF k = 0
                  THEN /\ served' = served + 1
                       /\ UNCHANGED cur
                  ELSE /\ cur' = l
                       /\ served' = 1

\* A poll that finds every level empty returns null and resets the round
\* (QosQueue.resetRound): the next element comes from the top of a fresh round.
EmptyPoll ==
    /\ NonEmpty = {}
    /\ Fairness = "weighted"
    /\ cur' = N - 1
    /\ served' = 0
    /\ UNCHANGED <<q, lastServed, lastHighest, waiting>>

\* Only the consumer polls, and it keeps polling.
Next == \/ \E l \in Levels : Offer(l)
        \/ Poll
        \/ EmptyPoll

Spec == Init /\ [][Next]_vars /\ WF_vars(Poll \/ EmptyPoll)

TypeOK ==
    /\ q \in [Levels -> 0..LevelCapacity]
    /\ cur \in Levels
    /\ served \in 0..MaxOf({W(l) : l \in Levels})
    /\ lastServed \in Levels \cup {-1}
    /\ lastHighest \in Levels \cup {-1}
    /\ waiting \in [Levels -> Nat]

\* Strict mode: every poll served the highest level that was non-empty.
StrictServesHighest ==
    Fairness = "strict" => lastServed = lastHighest

\* Weighted mode: a non-empty level is passed over by at most
\* TotalWeight - W(l) polls, so it is served within TotalWeight polls.
WeightedNoStarvation ==
    Fairness = "weighted" => \A l \in Levels : waiting[l] <= StarvationBound(l)

\* Shedding: the shed levels together never hold more than ShedAt elements,
\* whatever the other levels do (so they cannot fill the mailbox), and a
\* level at or above ShedBelow is only ever refused at its own capacity.
ShedLevelsBounded ==
    ShedAt > 0 => SumLevels(0, ShedBelow - 1) <= ShedAt

\* Keeps a broken policy's state space finite (a violation is found first).
WaitingBounded == \A l \in Levels : waiting[l] <= TotalWeight + 1

=============================================================================
