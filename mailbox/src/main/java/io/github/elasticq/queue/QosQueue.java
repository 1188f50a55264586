package io.github.elasticq.queue;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Objects;
import java.util.function.ToLongFunction;

/**
 * A multi-level priority queue: one elastic MPSC queue per quality-of-service level (a {@link
 * CompactElasticMpscQueue}, or with the padded layout an {@link ElasticMpscQueue}, created on the
 * first offer to its level), FIFO within a level, and a {@link Fairness} policy that decides which
 * level {@link #poll()} serves.
 *
 * <p>Levels are numbered {@code 0 .. levels-1}; {@code levels-1} is the highest. Between 1 and
 * {@value #MAX_LEVELS} levels are supported. Every level has its own elastic capacity (each grows
 * and shrinks independently within the shared {@link QueueConfig}) and its own counters. A level
 * that has never been offered to holds no queue at all (idle footprint: one QosQueue per actor);
 * its stats read as an empty queue at {@link QueueConfig#initialCapacity()}.
 *
 * <h2>Fairness rules</h2>
 *
 * <ul>
 *   <li>{@link Fairness#STRICT}: {@code poll()} always takes from the highest non-empty level. A
 *       lower level is served only when every higher level is empty, so it can starve under a
 *       steady flood of higher-level elements.
 *   <li>{@link Fairness#WEIGHTED}: weighted round robin. A <em>round</em> visits the levels from
 *       the highest to the lowest; level {@code i} delivers up to {@code weights[i]} elements
 *       (weights are given lowest level first) before the round moves on to the next lower level; a
 *       level found empty is skipped and its unused credit is forfeited for this round. After the
 *       lowest level the next round starts at the highest again. When a whole scan finds every
 *       level empty, the round is reset, so the next element is again taken from the top of a fresh
 *       round. No level starves: an element that is at the head of level {@code i} when a round
 *       reaches level {@code i} is delivered in that round, so any element waits at most for the
 *       remainder of the current round plus one full round, i.e. fewer than {@code 2 ×
 *       sum(weights)} other deliveries ahead of it once it has reached its level's head.
 * </ul>
 *
 * <p>Example: three levels, weights {@code [1, 2, 4]}, every level holding many elements. The
 * levels delivered by successive polls are
 *
 * <pre>
 *   round 1: 2 2 2 2 1 1 0
 *   round 2: 2 2 2 2 1 1 0
 *   ...
 * </pre>
 *
 * If instead levels 2 and 1 are flooded and level 0 holds a single element, that element is the
 * seventh delivery: it is served within the first round. With {@code STRICT} the same backlog would
 * deliver only level-2 elements until level 2 runs dry.
 *
 * <h2>Threads and memory ordering</h2>
 *
 * <p>{@link #offer(Object, int)} may be called by any number of threads concurrently. {@link
 * #poll()}, {@link #poll(int)} and {@link #peek(int)} belong to a single consumer thread at a time
 * (the round-robin cursor is plain consumer state); handing the consumer role from one thread to
 * another requires a happens-before edge between them, as Pekko's mailbox scheduling provides.
 * Within one level, the actions of a producer before a successful {@code offer} happen-before the
 * consumer's actions after the {@code poll} that returns that element (the guarantee of {@link
 * AbstractElasticMpscQueue}; a level's queue, created by the first offer to that level, is
 * published with a CAS that the consumer reads with acquire). {@link #size()}, {@link #size(int)},
 * {@link #stats()} and {@link #levelStats()} may be called from any thread; they read each level
 * without locking, so under concurrent traffic they are exact only for some recent moment of each
 * level.
 *
 * @param <E> element type; {@code null} is rejected
 */
public final class QosQueue<E> {

  /** The largest number of levels a queue may have. */
  public static final int MAX_LEVELS = 64;

  /** How {@link #poll()} chooses a level. */
  public enum Fairness {
    /** Always the highest non-empty level; lower levels may starve. */
    STRICT,
    /** Weighted round robin from the highest to the lowest level; no level starves. */
    WEIGHTED
  }

  /**
   * Element access to {@link #queues}: levels are created lazily, by whichever producer is first.
   */
  private static final VarHandle LEVEL =
      MethodHandles.arrayElementVarHandle(AbstractElasticMpscQueue[].class);

  /** One queue per level, null until the first offer to that level; reached only through LEVEL. */
  private final AbstractElasticMpscQueue<?>[] queues;

  /** Whether each level's queue is an {@link ElasticMpscQueue} (padded) instead of compact. */
  private final boolean padded;

  /**
   * With burst memory, a relaxed scan's visit to an empty level counts as one consumer operation
   * there ({@link AbstractElasticMpscQueue#scanPoll}) instead of an occupancy sample.
   */
  private final boolean countEmptyVisits;

  private final QueueConfig config;
  private final Fairness fairness;
  private final int[] weights;

  /** Consumer-only state of the weighted round robin: the level the round is visiting. */
  private int roundLevel;

  /** Consumer-only state: elements {@link #roundLevel} may still deliver in this round. */
  private int roundCredit;

  /** Consumer-only: the level whose elements {@link #takeUnreleased} took, -1 when none is held. */
  private int takenLevel = -1;

  /** Consumer-only: how many elements {@link #takenLevel} holds taken and not released. */
  private int takenCount;

  /**
   * Creates a queue. No level queue is allocated until its first offer.
   *
   * @param levels number of levels, 1 to {@value #MAX_LEVELS}
   * @param fairness the poll policy
   * @param weights one positive weight per level, lowest level first; required for {@link
   *     Fairness#WEIGHTED}, ignored (and may be {@code null}) for {@link Fairness#STRICT}
   * @param config sizing of each level's queue
   * @throws IllegalArgumentException if {@code levels} is out of range, or for {@code WEIGHTED} the
   *     weights are missing, of the wrong length or not positive; the message names the value
   */
  public QosQueue(int levels, Fairness fairness, int[] weights, QueueConfig config) {
    this(levels, fairness, weights, config, false);
  }

  /**
   * Creates a queue whose levels use the padded layout ({@code padded = true}: each level an {@link
   * ElasticMpscQueue}, its sender and consumer fields on separate cache lines, about 200 bytes more
   * per level that was offered to) or the compact one ({@link CompactElasticMpscQueue}, as the
   * four-argument constructor). Same rules otherwise.
   *
   * @param padded whether each level's queue is padded against false sharing
   * @throws IllegalArgumentException as the four-argument constructor
   */
  public QosQueue(
      int levels, Fairness fairness, int[] weights, QueueConfig config, boolean padded) {
    Objects.requireNonNull(fairness, "fairness");
    Objects.requireNonNull(config, "config");
    if (levels < 1 || levels > MAX_LEVELS) {
      throw new IllegalArgumentException(
          "levels must be between 1 and " + MAX_LEVELS + ", was " + levels);
    }
    if (fairness == Fairness.WEIGHTED) {
      if (weights == null || weights.length != levels) {
        throw new IllegalArgumentException(
            "weights must hold one weight per level ("
                + levels
                + "), lowest level first, was "
                + Arrays.toString(weights));
      }
      for (int i = 0; i < levels; i++) {
        if (weights[i] < 1) {
          throw new IllegalArgumentException(
              "weights["
                  + i
                  + "] must be >= 1, was "
                  + weights[i]
                  + " in "
                  + Arrays.toString(weights));
        }
      }
      this.weights = weights.clone();
    } else {
      this.weights = new int[levels];
      Arrays.fill(this.weights, 1);
    }
    this.fairness = fairness;
    this.config = config;
    this.queues = new AbstractElasticMpscQueue<?>[levels];
    this.padded = padded;
    this.countEmptyVisits = config.burstMemory();
    resetRound();
  }

  /** A {@link Fairness#STRICT} queue. Same threading rules as the constructor's result. */
  public static <E> QosQueue<E> strict(int levels, QueueConfig config) {
    return new QosQueue<>(levels, Fairness.STRICT, null, config);
  }

  /**
   * A {@link Fairness#WEIGHTED} queue with one level per weight, lowest level first.
   *
   * @throws IllegalArgumentException as the constructor
   */
  public static <E> QosQueue<E> weighted(QueueConfig config, int... weights) {
    if (weights == null || weights.length < 1 || weights.length > MAX_LEVELS) {
      // the level count comes from the weights: name them, not "levels"
      throw new IllegalArgumentException(
          "weights must hold one weight per level, 1 to "
              + MAX_LEVELS
              + " of them, lowest level first, was "
              + Arrays.toString(weights));
    }
    return new QosQueue<>(weights.length, Fairness.WEIGHTED, weights, config);
  }

  /** Number of levels. Any thread. */
  public int levels() {
    return queues.length;
  }

  /** The poll policy. Any thread. */
  public Fairness fairness() {
    return fairness;
  }

  /** A copy of the weights, lowest level first (all 1 for {@link Fairness#STRICT}). Any thread. */
  public int[] weights() {
    return weights.clone();
  }

  /**
   * Adds {@code e} at the tail of {@code level}. Any thread; lock-free. The first offer to a level
   * creates its queue (concurrent first offers race with one CAS; the losers use the winner's).
   *
   * @return false if that level already holds {@code maxCapacity} elements (the element is not
   *     added and the level's {@code rejected} counter is incremented)
   * @throws NullPointerException if {@code e} is null
   * @throws IllegalArgumentException if {@code level} is out of range
   */
  public boolean offer(E e, int level) {
    Objects.requireNonNull(e, "element");
    int l = checkLevel(level);
    AbstractElasticMpscQueue<E> q = levelAcquire(l);
    if (q == null) {
      q = createLevel(l);
    }
    return q.offer(e);
  }

  /** Whether each level's queue uses the padded layout ({@link ElasticMpscQueue}). Any thread. */
  public boolean padded() {
    return padded;
  }

  /**
   * The queue of {@code level}, or null if nothing was ever offered there; acquire read.
   * Package-private for the layout tests.
   */
  @SuppressWarnings("unchecked")
  AbstractElasticMpscQueue<E> levelAcquire(int level) {
    return (AbstractElasticMpscQueue<E>) LEVEL.getAcquire(queues, level);
  }

  /** Installs the queue of {@code level} unless another producer did first; returns the one in. */
  @SuppressWarnings("unchecked")
  private AbstractElasticMpscQueue<E> createLevel(int level) {
    AbstractElasticMpscQueue<E> created =
        padded ? new ElasticMpscQueue<>(config) : new CompactElasticMpscQueue<>(config);
    // Volatile CAS: the queue's construction is visible to whoever reads it with acquire.
    Object witness = LEVEL.compareAndExchange(queues, level, null, created);
    return witness == null ? created : (AbstractElasticMpscQueue<E>) witness;
  }

  /**
   * Removes the next element chosen by the fairness policy, or returns null if every level is
   * empty. Single consumer thread only.
   */
  public E poll() {
    return fairness == Fairness.STRICT ? pollStrict() : pollWeighted(false);
  }

  /**
   * {@link #poll()} with each level read by {@link AbstractElasticMpscQueue#relaxedPoll}: an
   * element claimed by a producer but not yet stored is not taken by this call, so null does not
   * mean every level was empty at some moment (see {@code relaxedPoll} for the exact contract and
   * when it may be used: where a later {@link #isEmpty} decides whether to poll again). The
   * fairness policy is that of {@code poll()} over the elements this call can see; with {@link
   * Fairness#STRICT} a level whose next element is claimed but not stored ends the call with null,
   * as {@link #relaxedPoll(int)} with no wait. Single consumer thread only.
   */
  public E relaxedPoll() {
    return relaxedPoll(0);
  }

  /**
   * {@link #relaxedPoll()} with a wait of up to {@code spins} for a claimed element: the level
   * whose next index is claimed (not empty by index) but not yet stored is polled with {@link
   * AbstractElasticMpscQueue#relaxedPoll(int)}, which waits for its producer's store within that
   * bound. Single consumer thread only.
   *
   * <p>{@link Fairness#STRICT}: the scan stops at the highest level that is not empty by index. If
   * its next element is claimed but not stored (its producer may be descheduled between the two),
   * the call waits for it and otherwise returns null: it never takes a lower level's element
   * instead, because a later element of that level may already be stored and its sender may have
   * sent the lower one since. It reads the producers' index word of a level only when that level's
   * slot is empty. The scan is not atomic (as {@link #poll()} and Pekko's control-aware mailbox are
   * not): a higher element offered after the scan passed its level, and a lower one offered before
   * the scan reaches theirs, are taken lower first, even when one producer offered both.
   *
   * <p>{@link Fairness#WEIGHTED}: the round skips a level whose next element is not stored yet;
   * only when no level has a visible element does it wait, at the highest level that is not empty
   * by index. The element so taken is outside the round (as {@link #poll(int)}; the scan that found
   * nothing has just reset the round).
   *
   * @param spins as for {@code AbstractElasticMpscQueue.relaxedPoll(int)}; 0: {@code relaxedPoll()}
   * @throws IllegalArgumentException if {@code spins} is negative
   */
  public E relaxedPoll(int spins) {
    if (spins < 0) {
      throw new IllegalArgumentException("spins must be >= 0, was " + spins);
    }
    if (fairness == Fairness.STRICT) {
      return relaxedPollStrict(spins);
    }
    E e = pollWeighted(true);
    if (e != null || spins == 0) {
      return e;
    }
    for (int level = queues.length - 1; level >= 0; level--) {
      AbstractElasticMpscQueue<E> q = levelAcquire(level);
      if (q != null && !q.isEmpty()) {
        return q.relaxedPoll(spins);
      }
    }
    return null;
  }

  /** The strict scan of {@link #relaxedPoll(int)}: no level below a claimed head goes first. */
  private E relaxedPollStrict(int spins) {
    for (int level = queues.length - 1; level >= 0; level--) {
      AbstractElasticMpscQueue<E> q = levelAcquire(level);
      if (q != null) {
        E e = pollLevel(q, true);
        if (e != null) {
          return e;
        }
        if (!q.isEmpty()) {
          return spins == 0 ? null : q.relaxedPoll(spins); // claimed here, not stored yet
        }
      }
    }
    return null;
  }

  /**
   * One level's poll during a scan: exact, or relaxed; relaxed with burst memory counts an empty
   * visit as one consumer operation there ({@link AbstractElasticMpscQueue#scanPoll}).
   */
  private E pollLevel(AbstractElasticMpscQueue<E> q, boolean relaxed) {
    if (!relaxed) {
      return q.pollWithoutWait();
    }
    return countEmptyVisits ? q.scanPoll() : q.relaxedPoll();
  }

  /** Highest non-empty level first (TLA+ invariant StrictServesHighest, QosScheduler.tla). */
  private E pollStrict() {
    for (int level = queues.length - 1; level >= 0; level--) {
      AbstractElasticMpscQueue<E> q = levelAcquire(level);
      if (q != null) {
        E e = q.pollWithoutWait(); // waits for a claimed element: exact
        if (e != null) {
          return e;
        }
      }
    }
    return null;
  }

  /**
   * Weighted round robin: a waiting level is served within sum(weights) polls (TLA+ property
   * WeightedNoStarvation, QosScheduler.tla).
   */
  private E pollWeighted(boolean relaxed) {
    final int levels = queues.length;
    // The current level (with its remaining credit) and then up to `levels` moves: the last move
    // returns to the current level with fresh credit, which serves a lone non-empty level.
    for (int step = 0; step <= levels; step++) {
      if (roundCredit > 0) {
        AbstractElasticMpscQueue<E> q = levelAcquire(roundLevel);
        if (q != null) {
          E e = pollLevel(q, relaxed);
          if (e != null) {
            roundCredit--;
            return e;
          }
        }
      }
      nextRoundLevel();
    }
    resetRound();
    return null;
  }

  /**
   * The next elements of the weighted round, taken together from one level without releasing them
   * ({@link AbstractElasticMpscQueue#takeUnreleased}): up to {@code max} of the level the round
   * serves next, and never more than that level's remaining credit in the round, so that handing
   * them out one by one gives exactly the order of as many {@link #relaxedPoll()} calls. The taken
   * elements stay in their level's count ({@link #size}, {@link #isEmpty}, the {@code maxCapacity}
   * bound) until {@link #releaseTaken()}, which must come before any other consumer method of this
   * queue. {@link Fairness#WEIGHTED} only (a strict queue serves the highest level per element).
   * Single consumer thread only.
   *
   * <p>For a consumer that hands elements out one at a time (a Pekko mailbox run): a level's queue
   * fields, on the line its senders CAS in the compact layout, are touched once per batch instead
   * of once per element, as {@code ElasticMailbox}'s consumer batch does.
   *
   * <p>A level whose next element is not visible (empty, or claimed and not stored yet) is skipped
   * as by {@code relaxedPoll()}, without the empty poll's occupancy sample; a result of 0 means no
   * level had a visible element in the round's order, and the caller then polls with {@link
   * #relaxedPoll(int)} (which samples the empty levels and waits for a claimed one).
   *
   * @param out where the taken elements go, from index 0
   * @param max how many at most, 1 to {@code out.length}
   * @return how many were taken, all of one level; 0 if none was visible
   * @throws IllegalStateException for a strict queue, or while an earlier take is not released
   * @throws IllegalArgumentException if {@code max} is out of range
   */
  public int takeUnreleased(Object[] out, int max) {
    if (fairness != Fairness.WEIGHTED) {
      throw new IllegalStateException(
          "takeUnreleased needs weighted fairness, this queue is " + fairness);
    }
    if (takenLevel >= 0) {
      throw new IllegalStateException(
          "level "
              + takenLevel
              + " still holds "
              + takenCount
              + " taken elements: release them first");
    }
    if (max < 1 || max > out.length) {
      throw new IllegalArgumentException(
          "max must be in [1, " + out.length + "] (the array's length), was " + max);
    }
    final int levels = queues.length;
    for (int step = 0; step <= levels; step++) { // as pollWeighted
      if (roundCredit > 0) {
        AbstractElasticMpscQueue<E> q = levelAcquire(roundLevel);
        if (q != null) {
          int n = q.takeUnreleased(out, Math.min(max, roundCredit));
          if (n > 0) {
            roundCredit -= n;
            takenLevel = roundLevel;
            takenCount = n;
            return n;
          }
        }
      }
      nextRoundLevel();
    }
    resetRound();
    return 0;
  }

  /**
   * Releases the elements of the previous {@link #takeUnreleased}: they leave their level's count
   * and their slots become free for producers. Consumer thread only.
   *
   * @throws IllegalStateException if no taken element is held
   */
  public void releaseTaken() {
    int level = takenLevel;
    if (level < 0) {
      throw new IllegalStateException("no taken elements to release");
    }
    takenLevel = -1;
    levelAcquire(level).releaseTaken(takenCount);
  }

  /**
   * Whether the level the weighted round serves now holds more than {@code minCapacity} slots:
   * after a poll that returned an element, the level it came from is in a burst. Consumer thread
   * only.
   */
  public boolean servingGrownLevel() {
    AbstractElasticMpscQueue<E> q = levelAcquire(roundLevel);
    return q != null && q.capacity() > config.minCapacity();
  }

  /** Whether no level holds more than {@code minCapacity} slots. Any thread. */
  public boolean allLevelsAtMinCapacity() {
    for (int level = 0; level < queues.length; level++) {
      AbstractElasticMpscQueue<E> q = levelAcquire(level);
      if (q != null && q.capacity() > config.minCapacity()) {
        return false;
      }
    }
    return true;
  }

  /**
   * Moves the weighted round to the next lower level (after the lowest, the highest), full credit.
   */
  private void nextRoundLevel() {
    roundLevel = roundLevel == 0 ? queues.length - 1 : roundLevel - 1;
    roundCredit = weights[roundLevel];
  }

  private void resetRound() {
    roundLevel = queues.length - 1;
    roundCredit = weights[roundLevel];
  }

  /**
   * Removes the head of {@code level} only, or returns null if it is empty; the round-robin state
   * is not affected. Single consumer thread only.
   *
   * @throws IllegalArgumentException if {@code level} is out of range
   */
  public E poll(int level) {
    AbstractElasticMpscQueue<E> q = levelAcquire(checkLevel(level));
    return q == null ? null : q.poll();
  }

  /**
   * The head of {@code level} without removing it, or null. Single consumer thread only.
   *
   * @throws IllegalArgumentException if {@code level} is out of range
   */
  public E peek(int level) {
    AbstractElasticMpscQueue<E> q = levelAcquire(checkLevel(level));
    return q == null ? null : q.peek();
  }

  /**
   * Returns an empty {@code level} to {@code minCapacity} at once, as {@link
   * AbstractElasticMpscQueue#trimIfEmpty()}: the end of a burst memory that is no longer needed.
   * Consumer thread only.
   *
   * @return true if the level was empty above min and was shrunk to it; false for a level never
   *     offered to
   * @throws IllegalArgumentException if {@code level} is out of range
   */
  public boolean trimIfEmpty(int level) {
    AbstractElasticMpscQueue<E> q = levelAcquire(checkLevel(level));
    return q != null && q.trimIfEmpty();
  }

  /**
   * Elements held across all levels: the sum of the per-level sizes, each O(1), so the cost is
   * bounded by {@value #MAX_LEVELS} reads and independent of the number of elements. Any thread.
   * Each level's size is exact for a moment during its read, but the levels are read one after
   * another: the sum is a size the queue had during the call when no element is polled meanwhile
   * (always so on the consumer thread); otherwise it may be off by up to the number of elements
   * polled meanwhile. Use {@link #isEmpty} to test for empty.
   */
  public int size() {
    return (int) Math.min(sumOverLevels(AbstractElasticMpscQueue::size), Integer.MAX_VALUE);
  }

  /**
   * True if no level held an element at some moment during the call; checks the highest levels
   * first. Any thread. Exact by index, like each level's {@code isEmpty}: a claimed index counts
   * before its element is stored.
   *
   * <p>The levels are read one after another, so a scan alone could miss every element: an offer to
   * a level already scanned and a poll of the last element of a level not yet scanned would make a
   * queue that was never empty look empty (Lincheck: {@code QosQueueLincheckTest}). So it also
   * compares the number of elements polled from all levels (their consumer indexes) before and
   * after the scan. Unchanged: nothing left any level during the scan, so every level was already
   * empty when the scan began. Changed: an element was polled during the call, so the queue held it
   * just before, and the answer is false. On the consumer thread no poll can race the scan, and the
   * answer is the scan's.
   *
   * <p>A first scan without the two counts answers false as soon as it finds a level holding an
   * element (it held it when read, so false is exact): the common answer of a Pekko mailbox run's
   * {@code hasMessages} re-check during a burst, which then costs one level's read instead of every
   * level's three. Only when that scan finds every level empty does the counted scan follow.
   */
  public boolean isEmpty() {
    if (someLevelHolds()) {
      return false;
    }
    long polled = polledFromAllLevels();
    return !someLevelHolds() && polledFromAllLevels() == polled;
  }

  /** Whether a level, read one after another from the highest, held an element when it was read. */
  private boolean someLevelHolds() {
    for (int level = queues.length - 1; level >= 0; level--) {
      AbstractElasticMpscQueue<E> q = levelAcquire(level);
      if (q != null && !q.isEmpty()) {
        return true;
      }
    }
    return false;
  }

  /** The sum of the levels' consumer indexes; each only grows. Any thread. */
  private long polledFromAllLevels() {
    return sumOverLevels(AbstractElasticMpscQueue::consumerIndexAcquire);
  }

  /** {@code value} added up over the levels that exist (a level never offered to adds 0). */
  private long sumOverLevels(ToLongFunction<AbstractElasticMpscQueue<?>> value) {
    long sum = 0;
    for (int level = 0; level < queues.length; level++) {
      AbstractElasticMpscQueue<E> q = levelAcquire(level);
      if (q != null) {
        sum += value.applyAsLong(q);
      }
    }
    return sum;
  }

  /**
   * Elements held in {@code level}; O(1). Any thread.
   *
   * @throws IllegalArgumentException if {@code level} is out of range
   */
  public int size(int level) {
    AbstractElasticMpscQueue<E> q = levelAcquire(checkLevel(level));
    return q == null ? 0 : q.size();
  }

  /**
   * Counters of one level. Any thread. A level never offered to reads as an empty queue at the
   * initial capacity.
   *
   * @throws IllegalArgumentException if {@code level} is out of range
   */
  public QueueStats stats(int level) {
    return statsOf(levelAcquire(checkLevel(level)));
  }

  private QueueStats statsOf(AbstractElasticMpscQueue<E> q) {
    return q != null ? q.stats() : new QueueStats(config.initialCapacity(), 0, 0, 0, 0, 0, 0, 0, 0);
  }

  /**
   * The largest size of {@code level} since the previous call, as {@link
   * ElasticMpscQueue#takePeakWindow()}; 0 for a level never offered to. Any thread; meant for one
   * metrics poller.
   *
   * @throws IllegalArgumentException if {@code level} is out of range
   */
  public int takePeakWindow(int level) {
    AbstractElasticMpscQueue<E> q = levelAcquire(checkLevel(level));
    return q == null ? 0 : q.takePeakWindow();
  }

  /** Counters of every level, index = level (lowest first). Any thread. */
  public List<QueueStats> levelStats() {
    List<QueueStats> list = new ArrayList<>(queues.length);
    for (int level = 0; level < queues.length; level++) {
      list.add(statsOf(levelAcquire(level)));
    }
    return Collections.unmodifiableList(list);
  }

  /**
   * The counters of all levels added together ({@code peakSize} is the sum of the per-level peaks,
   * an upper bound of the true peak). Any thread.
   */
  public QueueStats stats() {
    return aggregate(levelStats());
  }

  /** Adds per-level counters together, as {@link #stats()} does. */
  public static QueueStats aggregate(List<QueueStats> parts) {
    long capacity = 0;
    long size = 0;
    long enqueued = 0;
    long dequeued = 0;
    long rejected = 0;
    long grows = 0;
    long shrinks = 0;
    long peak = 0;
    long slots = 0;
    for (QueueStats s : parts) {
      capacity += s.capacity();
      size += s.size();
      enqueued += s.enqueued();
      dequeued += s.dequeued();
      rejected += s.rejected();
      grows += s.grows();
      shrinks += s.shrinks();
      peak += s.peakSize();
      slots += s.allocatedSlots();
    }
    return new QueueStats(
        saturate(capacity),
        saturate(size),
        enqueued,
        dequeued,
        rejected,
        grows,
        shrinks,
        saturate(peak),
        slots);
  }

  private static int saturate(long v) {
    return (int) Math.min(v, Integer.MAX_VALUE);
  }

  private int checkLevel(int level) {
    if (level < 0 || level >= queues.length) {
      throw new IllegalArgumentException(
          "level " + level + " is out of range [0, " + (queues.length - 1) + "]");
    }
    return level;
  }

  @Override
  public String toString() {
    return "QosQueue{levels="
        + queues.length
        + ", fairness="
        + fairness
        + ", weights="
        + Arrays.toString(weights)
        + ", size="
        + size()
        + '}';
  }
}
