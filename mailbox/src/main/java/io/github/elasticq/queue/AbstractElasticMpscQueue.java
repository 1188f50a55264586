package io.github.elasticq.queue;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.AbstractQueue;
import java.util.Iterator;
import java.util.Objects;
import java.util.function.Consumer;

/*
 * Implementation notes
 *
 * The queue is a chain of power-of-two ring arrays ("buffers"). Every element gets a 64-bit
 * index; index i lives in the one buffer whose half-open range [base, end) contains it, at slot
 * (i & mask). A buffer is open (end = OPEN) while it is the producers' buffer; a resize closes it
 * at the producer index of that moment and links a successor whose base is that same index. A
 * buffer is a bare Object[] with one slot past the ring for its link (no holder object: idle
 * footprint); closing stores one immutable Link {end, next} there with release, so the successor
 * is visible to whoever reads the end (the model's "next before end" order, made one store). The
 * consumer walks the chain and drops each buffer when it reaches its end, so memory follows
 * capacity once the old elements are consumed. Nothing is ever copied between buffers: the
 * original Rust elasticq lost elements exactly there (producers kept writing into a buffer that
 * had already been copied).
 *
 * Producers claim an index with one CAS on producerIndexWord = 2 * index + resizeBit (the parity
 * trick of JCTools' MpscChunkedArrayQueue, Nitsan Wakart). The bit is held while a resize links a
 * new buffer or changes the logical capacity; producers spin while it is set (they may wait for a
 * resize, never for the consumer to free space). The new array is allocated before the bit is
 * taken (spareFor), so the bit is held for a few stores, not for an allocation. Unlike JCTools,
 * a resize consumes no index: it releases the word at the very value it took it at. That ABA is
 * deliberate. A producer that read the buffer before the resize and wins its CAS afterwards
 * holds an index that belongs to the successor; it finds it by following `next` while
 * `end <= index` (lookupBuffer, invariant NoPublishIntoRetiredBuffer). The fields the resizer
 * wrote are visible to it because its successful CAS read the value the resizer released.
 *
 * The logical capacity bounds size = producerIndex - consumerIndex. A producer checks it against
 * a cached consumer index (a lower bound, so the check is conservative) and refreshes the cache
 * only when the check fails, as JCTools' producerLimit does. A stale capacity can only be larger
 * than the current one after a shrink, and every capacity is <= max, so size never exceeds max
 * (CapacityWithinBounds). Ring safety: the slot of index i in a buffer of length L last held
 * i - L, which the consumer has passed because i - consumerIndex < capacity <= L; the one index
 * that may be claimed with a stale capacity right after a shrink is the new buffer's base, whose
 * slot was never used.
 *
 * The consumer reads a slot with acquire (NoReadOfUnpublished), clears it, then releases the
 * consumer index (element read before the index moves: NoLoss, NoDuplicate). A null slot means
 * empty if no producer has claimed that index, the end of the buffer if end == index, or a
 * producer between its CAS and its store, which the consumer waits out (as JCTools does).
 *
 * Shrinking is driven by the consumer on its own operations. On every poll that finds the queue
 * empty (without burstMemory, below), and otherwise every SAMPLE_INTERVAL operations or about every capacity / 64, whichever is
 * more (AT_MIN_INTERVALS intervals at min; see sampleDelay), it samples the occupancy; after SHRINK_STREAK
 * consecutive samples at or below shrinkThreshold x capacity it takes the resize bit (its only
 * CAS, never retried in a loop) and divides the capacity by the growth factor, never below min
 * or the current size (a step that the size would bound is skipped: it would leave the queue
 * full, to grow again at the next offer; see QueueConfig.shrinkStepBoundedBySize); when the queue
 * is empty it applies all the steps down to min at once.
 * After a step the occupancy is about growthFactor x shrinkThreshold (0.5 by default), far from
 * both the next grow (1.0) and the next shrink: that gap is the hysteresis.
 * While the queue is not empty a step is taken only when the consumer is in the producers' buffer
 * and a producer has claimed an index since the consumer's previous sample: a step links its
 * smaller buffer at the producer index, where only elements offered after it go, so the
 * consumer's big array stays held until the elements before it are consumed; a second step before
 * the consumer gets there would hold a third array, and a step while no producer offers (a drain)
 * links one that nothing will use. The drain of a 32768-slot burst used to allocate and hold
 * 16384 + 8192 + ... + 1024 slots on the way down; now only the min buffer once empty
 * (DrainFootprintTest). The streak stays due, so the step comes at the first sample that sees a
 * claim past that buffer's base; with producers offering that is within capacity operations.
 * With QueueConfig.burstMemory the streak must also cover about capacity consumer operations
 * (capacity / operations-per-sample samples), so recurring bursts keep their capacity; an empty
 * poll then counts as one operation instead of sampling at once (a mailbox run ends with one: a
 * trickle of one-message runs must not count a sample per message). It changes only when a
 * shrink is decided, never how: the resize protocol, and every invariant below, are the same.
 *
 * Lazy first buffer (idle footprint: one queue per actor, most actors idle). A new queue holds
 * no array: producerBuffer and consumerBuffer are null. The first offer that finds
 * producerBuffer null installs the first buffer exactly as a grow links one: it takes the resize
 * bit at word 2p (no index has been claimed yet, because every claim is made by a producer that
 * read a non-null buffer after the word), re-reads producerBuffer under the bit (another producer
 * may have installed it and released the same word: the deliberate ABA again), allocates a
 * buffer of tableSizeFor(capacity) whose range starts at p, stores it release into consumerBuffer and then
 * into producerBuffer, and releases the word at 2p. This is the only write to consumerBuffer by a
 * thread other than the consumer, and it happens at most once. The consumer reads consumerBuffer
 * with acquire; when it reads null it treats the queue as empty unless the word shows a claimed
 * index, and then reads consumerBuffer again: the claim's CAS read the installer's release of
 * the word, which followed the store into consumerBuffer, so the second read sees the buffer with
 * its array and its OPEN end (FirstBufferBeforeFirstClaim). A shrink decided before the first
 * offer has no buffer to close: it only lowers the capacity the first buffer will be sized from.
 * A queue never returns to holding no array (that would need the producers to stop referencing
 * a retired array; the shrink to min is what an idle, once-busy queue keeps).
 *
 * Layout variants without duplicating this algorithm. Everything above lives in this class; the
 * fields it races on (the producer index word, producer buffer, capacity, the producers' cache of
 * the consumer index, the consumer index, consumer buffer and the consumer's shrink counters) are
 * reached only through the abstract accessors at the end of this class, named after their access
 * modes. Two leaves supply them: ElasticMpscQueue lays them out in JCTools-style padded holder
 * classes (cold fields here | 64 B | producer fields | 64 B | consumer fields | 64 B), so the line
 * the consumer writes on every poll is never the line producers CAS on; CompactElasticMpscQueue
 * (final) packs them into one 64-byte object (without the producers' copy of the consumer index)
 * for the mailboxes, where millions of mostly idle queues make the padding the dominant cost.
 * ElasticMpscQueue stays non-final only so that the fault-injection tests can override the
 * package-private seams (takePublished, lookupBuffer, notePeak); the public methods here are
 * final. Each accessor is a final method of the only class that declares the field, so a call
 * site sees one or two receiver types, which C2 inlines; the ordering argument above is unchanged
 * by the indirection. Cold fields (configuration, counters) sit in this class, first in both
 * layouts; the test seams (start index, shrink cadence) sit in one shared immutable Tuning object,
 * so they cost a queue one reference.
 *
 * The TLA+ model in tla/src/main/tla/ElasticMpscQueue.tla checks this protocol; the invariant
 * names cited below are the ones it defines. The bracketed numbers in offer and poll are the steps
 * of the protocol: offer [1] read the word, [2] read buffer and capacity, [3] fullness check,
 * [4] claim, [5] find the owning buffer, [6] publish; poll [1] read the slot, [2] empty check,
 * [3] buffer end, [4] wait for a claimed slot, [5] after a take, reread the slot a few times
 * before [2] (stutter steps of [1] and [3]: no state changes, so the model needs no action). FirstBufferBeforeFirstClaim is argued above, not
 * modelled (the model starts with a buffer); every Lincheck scenario starts without a buffer, and
 * the jcstress FirstBufferInstallTest races two installing producers against a polling consumer
 * on both layouts.
 */

/**
 * The elastic, lock-free, multi-producer single-consumer queue algorithm shared by {@link
 * ElasticMpscQueue} (padded against false sharing: the general-purpose queue) and {@link
 * CompactElasticMpscQueue} (unpadded: the per-actor mailbox queue). It grows when a producer finds
 * it full below {@link QueueConfig#maxCapacity()} and shrinks back, driven by the consumer, when
 * occupancy stays low; it never holds more than {@code maxCapacity} elements. A new queue holds no
 * element array until its first {@code offer}.
 *
 * <p>Threads: {@link #offer}, {@link #add}, {@link #size}, {@link #isEmpty}, {@link #capacity} and
 * {@link #stats} may be called from any thread. {@link #poll}, {@link #peek}, {@link #drain},
 * {@link #remove()}, {@link #element} and {@link #clear} belong to one consumer thread at a time (a
 * hand-over between consumer threads must itself establish happens-before, as a Pekko dispatcher
 * does between two runs of a mailbox).
 *
 * <p>Ordering: an element is fully published before it can be polled (everything a producer did
 * before {@code offer} happens-before the consumer's return from the {@code poll} that removes it).
 * Elements of one producer are polled in the order that producer offered them. No element is lost
 * or duplicated across any grow or shrink.
 *
 * <p>Progress: producers never wait for the consumer; they spin only while another thread holds the
 * resize bit to link a buffer (a few allocations long). The consumer never blocks; {@code poll} may
 * spin briefly when a producer has claimed the next index but not yet stored into it, and, right
 * after a take, rereads an empty slot up to {@link #SPINS_AFTER_TAKE} times before it reads the
 * producers' index word to call the queue empty.
 *
 * <p>The iterator is not supported (as in JCTools' queues): use {@link #drain}. The class cannot be
 * extended outside this package.
 *
 * @param <E> element type; null elements are rejected
 */
public abstract class AbstractElasticMpscQueue<E> extends AbstractQueue<E>
    implements ElasticQueue<E> {

  /** Consumer operations between two occupancy samples. */
  static final int SAMPLE_INTERVAL = 16;

  /** Consecutive low-occupancy samples required before a shrink step (hysteresis). */
  static final int SHRINK_STREAK = 4;

  /** At min capacity, samples come every this many sample intervals (see sampleDelay). */
  static final int AT_MIN_INTERVALS = 16;

  /** Above min, samples come about every capacity / this many consumer operations. */
  static final int OPS_PER_SAMPLE_DIVISOR = 64;

  /** Bound of the extra delay (see sampleDelay). */
  static final int MAX_SAMPLE_DELAY = 16_384;

  /**
   * Most consumer operations from one sample to the next: the compact layout keeps the distance to
   * the next sample in a short. Only the test seams' largest intervals reach it.
   */
  static final int MAX_OPS_PER_SAMPLE = Short.MAX_VALUE;

  private static final long RESIZE_BIT = 1L;

  /** No producer index word read yet (a real word is never negative: indexes stay below 2^62). */
  private static final long NO_WORD = -1L;

  /** End of a buffer that producers may still claim into. */
  static final long OPEN = Long.MAX_VALUE;

  private static final VarHandle SLOTS = MethodHandles.arrayElementVarHandle(Object[].class);
  private static final VarHandle RESIZE_COUNTERS;
  private static final VarHandle PEAKS;

  static {
    try {
      MethodHandles.Lookup lookup = MethodHandles.lookup();
      RESIZE_COUNTERS =
          lookup.findVarHandle(
              AbstractElasticMpscQueue.class, "resizeCountersDoNotTouch", ResizeCounters.class);
      PEAKS = lookup.findVarHandle(AbstractElasticMpscQueue.class, "peaksDoNotTouch", long.class);
    } catch (ReflectiveOperationException e) {
      throw new ExceptionInInitializerError(e);
    }
  }

  // Cold fields: configuration and counters, read by stats() and the slow paths. Producers read
  // the window peak on every offer; nothing here is written on the hot path.
  /** The sizing policy; its {@code tuning} holds the test seams. */
  final QueueConfig config;

  /**
   * Grows, shrinks and rejections, in an object made by the first of them (idle footprint: a queue
   * that never resized nor rejected holds 4 bytes here instead of 24). Set once, by CAS; reached
   * only through the VarHandle and {@link #resizeCounters()}.
   */
  private volatile ResizeCounters resizeCountersDoNotTouch;

  /**
   * Both peaks in one word: the largest size seen (all time) in the high 32 bits, the largest size
   * seen since the last {@link #takePeakWindow()} in the low 32. Offers test the window half, which
   * is never above the all-time half, so testing it keeps the all-time peak exact; after a take,
   * offers pay a CAS only while the size climbs to a new window peak. One word, so that a new peak
   * costs one CAS, and so that the window a thread reads can never be above the all-time peak (with
   * two fields it could, between the two raises: PeakWindowLincheckTest). Reached only through
   * PEAKS and the methods at "counters".
   */
  private volatile long peaksDoNotTouch;

  // No counter of allocated slots: stats() adds up the ring lengths along the chain (idle
  // footprint: such a counter is a long in every queue).

  /**
   * Checks and stores the configuration. The leaf's field holders initialize the hot fields to:
   * producer index word {@code initialIndex << 1}, consumer index and its producers' cache {@code
   * initialIndex}, capacity {@link QueueConfig#initialCapacity()}, both buffers null (lazy).
   *
   * @param initialIndex test seam: both indexes start there (exercises large index values)
   * @param sampleInterval test seam: consumer operations between occupancy samples
   * @param shrinkStreak test seam: low samples before a shrink step
   */
  AbstractElasticMpscQueue(
      QueueConfig config, long initialIndex, int sampleInterval, int shrinkStreak) {
    Objects.requireNonNull(config, "config");
    if (initialIndex < 0 || initialIndex > (Long.MAX_VALUE >>> 2)) {
      throw new IllegalArgumentException("initialIndex out of range: " + initialIndex);
    }
    if (sampleInterval < 1
        || shrinkStreak < 1
        || sampleInterval > Short.MAX_VALUE
        || shrinkStreak > Short.MAX_VALUE) {
      throw new IllegalArgumentException(
          "sampleInterval and shrinkStreak must be in [1, 32767], were "
              + sampleInterval
              + " and "
              + shrinkStreak);
    }
    this.config =
        config.withTuning(
            initialIndex == 0 && sampleInterval == SAMPLE_INTERVAL && shrinkStreak == SHRINK_STREAK
                ? Tuning.DEFAULT
                : new Tuning(initialIndex, sampleInterval, shrinkStreak));
  }

  /**
   * The test seams, in one shared immutable object reached through the queue's {@link QueueConfig}
   * (a copy of the policy with them), so that they cost a queue nothing. The consumer counters they
   * bound fit in a {@code short} (the compact layout stores them so).
   */
  static final class Tuning {
    static final Tuning DEFAULT = new Tuning(0L, SAMPLE_INTERVAL, SHRINK_STREAK);

    final long initialIndex;
    final int sampleInterval;
    final int shrinkStreak;

    Tuning(long initialIndex, int sampleInterval, int shrinkStreak) {
      this.initialIndex = initialIndex;
      this.sampleInterval = sampleInterval;
      this.shrinkStreak = shrinkStreak;
    }
  }

  // ------------------------------------------------------------------ producers

  /**
   * Inserts {@code e} at the tail. Any thread may call it; it never blocks on the consumer.
   *
   * @return false only when the queue holds {@code maxCapacity} elements (the rejection is counted
   *     in {@link QueueStats#rejected()})
   * @throws NullPointerException if {@code e} is null
   */
  @Override
  public final boolean offer(E e) {
    Objects.requireNonNull(e, "ElasticMpscQueue does not accept null elements");
    while (true) {
      long word = producerIndexWordAcquire(); // [1] the next index and the resize bit
      if ((word & RESIZE_BIT) != 0) {
        Thread.onSpinWait(); // a resize is linking a buffer: wait it out
        continue;
      }
      long index = word >>> 1;
      // [2] Read after the word: a resize writes them before releasing the word.
      Object[] buffer = producerBufferAcquire();
      int capacity = capacityAcquire();
      if (buffer == null) {
        installFirstBuffer(word); // the first offer ever: link the first array like a grow
        continue;
      }
      // [3] Full at this capacity? Against the cached consumer index first (a lower bound).
      long consumerIndexBound = consumerIndexCachePlain();
      if (index - consumerIndexBound >= capacity) {
        consumerIndexBound = consumerIndexAcquire();
        setConsumerIndexCachePlain(consumerIndexBound);
        if (index - consumerIndexBound >= capacity) {
          if (!offerWhenFull(word, index, consumerIndexBound, capacity)) {
            return false;
          }
          continue;
        }
      }
      if (casProducerIndexWord(word, word + 2)) { // [4] claim index
        // [5] the buffer that owns the index, [6] publish: element fields before element.
        storeElementRelease(lookupBuffer(buffer, index), index, e);
        // The peak check uses the bound read before the claim (still a lower bound, so the size
        // it gives is an upper bound and no new peak is missed) instead of reading the cache
        // again: that line is the one the producers CAS, and with several producers a second read
        // after the claim is often a second transfer of it from another core.
        if (index + 1 - consumerIndexBound > windowPeak(peaksDoNotTouch)) {
          notePeakAfterOffer(index); // only when this could be a new (window) peak
        }
        return true;
      }
    }
  }

  /**
   * The slow path of offer when {@code size >= capacity}: rejects at max, otherwise grows.
   *
   * @return false to reject the offer, true to retry it
   */
  private boolean offerWhenFull(long word, long index, long consumerIndex, int capacity) {
    int max = config.heldAtMost();
    if (capacity >= max) {
      // index - consumerIndex >= max with a fresh consumer index: the queue holds max elements.
      incrementRejected();
      notePeak(max);
      return false;
    }
    // The array comes before the bit: every producer waits while the bit is held, and allocating
    // under it took 5 - 100 us in one grow of seven (bench/results/2026-12-04/round22).
    Object[] spare = spareFor(capacity, grownCapacity(capacity));
    if (!casProducerIndexWord(word, word | RESIZE_BIT)) {
      return true; // the word moved on: another claim or resize happened, re-read everything
    }
    try {
      int current = capacityAcquire();
      int size = (int) (index - consumerIndexAcquire());
      notePeak(size);
      if (size >= current && current < max) {
        resize(index, grownCapacity(current), spare);
        resizeCounters().incrementGrows();
      }
    } finally {
      setProducerIndexWordRelease(word); // buffer, capacity and end visible before next claim
    }
    return true;
  }

  /** One growth step, never past {@link QueueConfig#CAPACITY_LIMIT} (the largest array size). */
  private int grownCapacity(int capacity) {
    return Math.min(config.grownCapacity(capacity), QueueConfig.CAPACITY_LIMIT);
  }

  /**
   * Installs the first buffer (lazy allocation, see the implementation notes). {@code word} is even
   * and was read before a null producer buffer; one CAS attempt, the caller retries.
   */
  private void installFirstBuffer(long word) {
    if (!casProducerIndexWord(word, word | RESIZE_BIT)) {
      return; // another producer holds the bit or moved the word: re-read everything
    }
    try {
      if (producerBufferAcquire() == null) { // a previous holder may have installed it (ABA)
        Object[] first = Buffer.allocate(tableSizeFor(capacityAcquire()));
        setConsumerBufferRelease(first); // array and OPEN end visible to the consumer's acquire
        setProducerBufferRelease(first);
      }
    } finally {
      setProducerIndexWordRelease(word); // first buffer visible before the first claim
    }
  }

  /**
   * Installs {@code newCapacity}. Caller holds the resize bit, taken at producer index {@code
   * index}. Links a new buffer when the array size changes, {@code spare} if it has that length
   * (see {@link #spareFor}), else one allocated here; otherwise only the capacity moves. Before the
   * first buffer exists only the capacity moves (the first buffer is sized from it).
   */
  private void resize(long index, int newCapacity, Object[] spare) {
    Object[] current = producerBufferAcquire();
    if (current != null) {
      int length = tableSizeFor(newCapacity);
      if (length != Buffer.length(current)) {
        Object[] next =
            spare != null && Buffer.length(spare) == length ? spare : Buffer.allocate(length);
        Buffer.close(current, index, next); // end and next in one release
        setProducerBufferRelease(next);
      }
    }
    setCapacityRelease(newCapacity);
  }

  /**
   * The array a resize from {@code capacity} to {@code newCapacity} links, allocated before the
   * caller takes the resize bit, or null if the array length does not change. The producer buffer's
   * length is {@code tableSizeFor} of the capacity it was linked with, so {@code capacity} (read
   * after the word) tells. Allocating under the bit made every producer spin while the allocation
   * ran. The array is fresh and published only by {@link #resize}, which uses it only if its length
   * is still the one it needs (a resize between the caller's read and its CAS releases the same
   * word); an unused one is garbage. In the TLA+ model the new array is part of the resize step,
   * which this does not change.
   */
  private static Object[] spareFor(int capacity, int newCapacity) {
    int length = tableSizeFor(newCapacity);
    return length == tableSizeFor(capacity) ? null : Buffer.allocate(length);
  }

  /**
   * Finds the buffer that owns {@code index}. {@code buffer} was the producer buffer when the
   * producer read the word; a resize taken and released at the same word since then closed it at
   * {@code index}, in which case the index belongs to a successor (NoPublishIntoRetiredBuffer).
   * Package-private: the fault-injection tests override it.
   */
  Object[] lookupBuffer(Object[] buffer, long index) {
    Object[] b = buffer;
    while (Buffer.endAcquire(b) <= index) {
      b = Buffer.next(b); // released together with the end
    }
    return b;
  }

  // ------------------------------------------------------------------ the consumer

  /**
   * How many times {@link #poll} rereads an empty slot, with {@link Thread#onSpinWait()} between,
   * before it reads the producers' index word, when the previous {@code poll} took an element. A
   * busy consumer that keeps up with its producers finds the next slot empty on most calls; reading
   * the word then (to tell "empty" from "claimed, not yet stored") moves the line every producer
   * CASes to the consumer's core on every call, and each next claim has to fetch it back: 1 -> 1
   * with a busy-polling consumer ran 4 - 8 elements/us that way and 26 - 40 with this wait
   * (bench/results/2026-12-03/round17). A poll that finds the queue empty ends the streak, so the
   * polls of an idle queue do not wait (a few ns each); a consumer pays the wait, about 0.3 us on
   * the AMD guest, once per stretch of takes that ends in an empty queue. The result is unchanged:
   * {@code poll} still returns null only after reading the word.
   */
  static final int SPINS_AFTER_TAKE = 16;

  /**
   * Removes the head, or returns null when the queue is empty. Consumer thread only.
   *
   * <p>When the previous {@code poll} took an element and the next slot is empty, it waits a little
   * (up to {@value #SPINS_AFTER_TAKE} {@link Thread#onSpinWait()}s, about 0.3 us on the AMD guest)
   * for the producers' next element before it reads their index word; a poll that finds the queue
   * empty does not wait again until the next take. Why: {@link #SPINS_AFTER_TAKE}.
   *
   * @return the head element, fully published by its producer, or null if empty
   */
  @Override
  public final E poll() {
    return exactPoll(true);
  }

  /**
   * {@link #poll} without the wait after a take ({@link #SPINS_AFTER_TAKE}): the same result, and
   * the same wait for an element whose producer has claimed its index. For a consumer that does
   * other work when the queue is empty rather than poll it again: a scan over several queues
   * ({@link QosQueue}'s levels), a stream stage that parks until a producer wakes it. It neither
   * uses nor changes the state that {@code poll} keeps for its wait. Consumer thread only.
   *
   * @return the head element, fully published by its producer, or null if empty
   */
  public final E pollWithoutWait() {
    return exactPoll(false);
  }

  private E exactPoll(boolean waitAfterTake) {
    long index = consumerIndexPlain();
    Object[] buffer = consumerBufferAcquire(); // acquire: the first buffer may just be installed
    if (buffer == null) {
      long word = producerIndexWordAcquire();
      if ((word >>> 1) <= index) {
        onEmptyPoll(index, word); // never offered to: no array yet
        return null;
      }
      buffer = consumerBufferAcquire(); // non-null: installed before the claim we just saw
    }
    boolean warm = waitAfterTake && pollWarmPlain(); // the previous poll took an element
    int spins = warm ? SPINS_AFTER_TAKE : 0;
    while (true) {
      Object e = Buffer.loadAcquire(buffer, index); // [1] element published before we read it
      if (e != null) {
        @SuppressWarnings("unchecked")
        E element = (E) takePublished(buffer, index, e); // slot cleared, then index released
        afterConsumerOperation(index + 1);
        if (waitAfterTake && !warm) {
          setPollWarmPlain(true);
        }
        return element;
      }
      if (Buffer.endAcquire(buffer) == index) { // [3] end first: next was set before end's release
        buffer = advanceConsumerBuffer(buffer); // the index lives in the successor
        continue;
      }
      if (spins > 0) { // [5] see SPINS_AFTER_TAKE: reread the slot before the producers' line
        spins--;
        Thread.onSpinWait();
        continue;
      }
      long word = producerIndexWordAcquire();
      if ((word >>> 1) <= index) { // [2] nobody claimed the index: empty
        if (warm) {
          setPollWarmPlain(false);
        }
        onEmptyPoll(index, word);
        return null;
      }
      // [4] The index is claimed: its producer is between its CAS and its store, or a resize
      // closed this buffer at the index just before the claim (the loop re-reads end first).
      Thread.onSpinWait();
    }
  }

  /**
   * Like {@link #poll}, but returns null instead of waiting when the next index is claimed by a
   * producer that has not yet stored its element. Consumer thread only.
   *
   * <p>Precisely: it returns the head if the head's element is published, and null otherwise, where
   * "published" means the producer's store of that element is visible to this thread (in particular
   * every element whose {@code offer} returned before this call started). Unlike {@code poll}, a
   * null result does not mean the queue was empty at some moment: a producer may have claimed the
   * next index (so {@link #size} and {@link #isEmpty} already count the element) and be between its
   * claim and its store. Everything else is {@code poll}: the element returned, the happens-before
   * edge from its {@code offer}, FIFO per producer, the hop to the successor buffer at a buffer's
   * end, the occupancy sampling and the shrinks. It therefore does not satisfy the {@link
   * java.util.Queue#poll} contract on its own: use it only where a later check by index ({@link
   * #isEmpty}, {@link #size}) decides whether to poll again, as a Pekko mailbox run does.
   *
   * <p>Why: on a null slot {@code poll} reads the producer index word to tell empty from claimed,
   * the line every producer CASes on every offer; when the consumer keeps up with the producers
   * that read is a cross-core transfer per poll. This method never reads the word on its fast path
   * (only the occupancy sample reads it, when the capacity is above min, as {@code poll} does).
   *
   * <p>No element is lost or duplicated (TLA+ action {@code CRelaxedLoad} in ElasticMpscQueue.tla,
   * checked with the same invariants as {@code poll}): it takes an element only at the consumer
   * index, through {@link #takePublished}, exactly as {@code poll} does; it hops to the successor
   * only when {@code end == index}, exactly as {@code poll} does; and a null return changes neither
   * the consumer index nor any slot, so the element that was not yet visible stays at the consumer
   * index, where the next call (or a {@code poll}) takes it. The only state it changes on the null
   * path is the consumer's buffer (a hop at {@code end == index}, which {@code poll} would make on
   * its next call too) and the shrink sample, the same {@code onEmptyPoll} as {@code poll} with the
   * word read inside the sample when it needs it. A resize in progress is harmless: a closed end
   * that is not yet visible reads as OPEN, so the call returns null and a later one hops (the
   * closing resize released {@code end} before releasing the word that any claim in the successor
   * read, so an element published in the successor implies a visible end here).
   *
   * @return the head element, fully published by its producer, or null if none is visible yet
   */
  public final E relaxedPoll() {
    return relaxedPoll(0);
  }

  /**
   * {@link #relaxedPoll()} that waits a little for a claimed element: when the next slot is empty
   * (in a queue that has its first array; before that it returns null as {@code relaxedPoll()}
   * does) it reads the producers' index word, returns null at once if nobody claimed the index (the
   * queue is empty), and otherwise waits for the producer's store, up to {@code spins} {@link
   * Thread#onSpinWait()}s, before it returns null as {@code relaxedPoll()} would. The window
   * between a producer's claim and its store is nanoseconds unless the producer is descheduled in
   * it: the wait catches the first case, the bound keeps the consumer from waiting out the second
   * (which {@link #poll} does, for as long as the producer is off its core). Unlike {@code poll},
   * it does not wait on an empty slot after a take ({@link #SPINS_AFTER_TAKE}): a mailbox run that
   * drains the queue ends at once. Consumer thread only.
   *
   * <p>Same contract as {@code relaxedPoll()}, of which it is a sequence: the wait changes no state
   * (it rereads the slot, the buffer's end and the word), and the call ends with one take or one
   * empty-poll sample, like one {@code relaxedPoll()}, so the shrink policy counts it as one
   * consumer operation however long it waited. With {@code spins = 0} it is {@code relaxedPoll()}.
   *
   * @param spins how many times at most to spin for a claimed element's store; 0 or more
   * @return the head element, fully published by its producer, or null if none is visible yet
   * @throws IllegalArgumentException if {@code spins} is negative
   */
  public final E relaxedPoll(int spins) {
    if (spins < 0) {
      throw new IllegalArgumentException("spins must be >= 0, was " + spins);
    }
    return relaxedTake(spins, true);
  }

  /**
   * Takes up to {@code max} elements at the head into {@code out[0, n)}, in FIFO order, without
   * releasing them: the queue keeps counting them ({@link #size}, {@link #isEmpty}, the {@code
   * maxCapacity} bound, the occupancy samples) until the consumer calls {@link #releaseTaken}{@code
   * (n)}, and no other consumer method may be called in between. Consumer thread only.
   *
   * <p>For a consumer that hands elements out one at a time and returns for the next between them
   * (a Pekko mailbox run: one {@code dequeue} per message): it reads and writes the queue's own
   * fields once per batch instead of once per element. In the compact layout those fields share the
   * line every producer CASes, so a consumer that touches them per element makes each claim fetch
   * the line back (bench/results/2026-12-05/round27).
   *
   * <p>Like {@link #relaxedPoll()}, it takes only elements whose store is visible: it stops at the
   * first empty slot (an element claimed but not stored yet, or the tail), at {@code max}, and at
   * the end of the consumer's buffer when it already took something (it hops to the successor only
   * at its first slot, as {@code relaxedPoll} does). A result of 0 changes nothing but that hop;
   * the caller then polls as usual ({@code relaxedPoll}, {@code poll}) for the empty and claimed
   * cases.
   *
   * <p>Why no element is lost or duplicated: each slot is read with acquire and cleared before the
   * release, exactly as {@link #poll} does per element; producers never read a slot and never store
   * into one below the released consumer index plus the capacity, so until the release the cleared
   * slots are out of their reach and the taken elements are still counted. The pair is the same as
   * {@code n} polls whose index releases are delayed to the last one (a release only ever makes
   * more room visible), with the elements read from their slots earlier. The slot after a buffer's
   * end, which the loop reads when a batch reaches that end, holds an index already taken
   * (cleared), so the batch stops there. TLC checks all of this in {@code
   * tla/src/main/tla/ElasticMpscQueue.tla} with {@code Batch > 0} (actions {@code CTake} … {@code
   * CDeliver}, invariants {@code NoLoss}, {@code PollsInClaimOrder}, {@code BatchHoldsNextIndexes},
   * and inside Pekko's mailbox run {@code NoStrandedMessage}).
   *
   * @param out where the taken elements go, from index 0
   * @param max how many at most, 1 to {@code out.length}
   * @return how many were taken; 0 if the head is not visible
   * @throws IllegalArgumentException if {@code max} is not in [1, out.length]
   */
  public final int takeUnreleased(Object[] out, int max) {
    if (max < 1 || max > out.length) {
      throw new IllegalArgumentException(
          "max must be in [1, " + out.length + "] (the array's length), was " + max);
    }
    long index = consumerIndexPlain();
    Object[] buffer = consumerBufferAcquire(); // acquire: the first buffer may just be installed
    if (buffer == null) {
      return 0;
    }
    int n = 0;
    while (n < max) {
      long i = index + n;
      Object e = Buffer.loadAcquire(buffer, i); // element published before we read it
      if (e == null) {
        // At the buffer's end the index lives in the successor. Hop only before the first take:
        // the consumer's buffer must be the one of its released index when takeUnreleased returns.
        if (n == 0 && Buffer.endAcquire(buffer) == index) {
          buffer = advanceConsumerBuffer(buffer);
          continue;
        }
        break;
      }
      Buffer.clear(buffer, i);
      out[n++] = e;
    }
    return n;
  }

  /**
   * Releases the {@code n} elements of the previous {@link #takeUnreleased}: they leave the queue's
   * count and their slots become free for producers. Consumer thread only.
   *
   * @param n what that call returned, 1 or more
   * @throws IllegalArgumentException if {@code n} is less than 1
   */
  public final void releaseTaken(int n) {
    if (n < 1) {
      throw new IllegalArgumentException("n must be >= 1 (what takeUnreleased returned), was " + n);
    }
    long index = consumerIndexPlain() + n;
    setConsumerIndexRelease(index); // slots cleared before producers may reuse them
    if (n > MAX_OPS_PER_SAMPLE) {
      // The index jumped past the due sample by more than the compact layout's 16-bit distance
      // can tell: read as a distance, it would wrap to "not due for up to 32 767 operations".
      sampleOccupancy(index, NO_WORD);
    } else {
      afterConsumerOperation(index);
    }
  }

  /**
   * {@link #relaxedPoll()} for a scan over several queues ({@link QosQueue}'s levels with burst
   * memory): an empty result counts as one consumer operation towards the next occupancy sample, as
   * a take does, instead of sampling at once as {@code relaxedPoll()} does. A scan visits an empty
   * level once per element it takes from another, and with {@link QueueConfig#burstMemory()} a
   * shrink step waits for about {@code capacity} consumer operations, each sample standing for the
   * operations since the previous one: if every visit sampled, a level drained first in a burst
   * would shrink after a few dozen visits while the other levels drain. Consumer thread only.
   */
  final E scanPoll() {
    return relaxedTake(0, false);
  }

  private E relaxedTake(int spins, boolean sampleWhenEmpty) {
    long index = consumerIndexPlain();
    Object[] buffer = consumerBufferAcquire(); // acquire: the first buffer may just be installed
    if (buffer == null) {
      // No array yet. An element visible to us would make its first buffer visible too (the
      // installer released consumerBuffer before the word that the element's claim read).
      if (sampleWhenEmpty) {
        onEmptyPoll(index, NO_WORD);
      } else {
        afterEmptyScan(index);
      }
      return null;
    }
    while (true) {
      Object e = Buffer.loadAcquire(buffer, index); // element published before we read it
      if (e != null) {
        @SuppressWarnings("unchecked")
        E element = (E) takePublished(buffer, index, e); // slot cleared, then index released
        afterConsumerOperation(index + 1);
        return element;
      }
      if (Buffer.endAcquire(buffer) == index) { // end first: next was set before end's release
        buffer = advanceConsumerBuffer(buffer); // the index lives in the successor
        continue;
      }
      // Nothing visible at the index: empty, or claimed but not yet stored. With no spins left
      // they are not told apart (that is the read of the producers' word that poll makes).
      if (spins == 0) {
        if (sampleWhenEmpty) {
          onEmptyPoll(index, NO_WORD);
        } else {
          afterEmptyScan(index);
        }
        return null;
      }
      long word = producerIndexWordAcquire();
      if ((word >>> 1) <= index) { // nobody claimed the index: empty
        onEmptyPoll(index, word);
        return null;
      }
      spins--; // claimed: its producer is between its CAS and its store (or a resize closed end)
      Thread.onSpinWait();
    }
  }

  /**
   * Clears the slot of a published element and advances the consumer index past it. The slot is
   * cleared and the element read before the index moves, so no producer can reuse the slot early
   * (NoLoss, NoDuplicate). Package-private: the fault-injection tests override it.
   */
  Object takePublished(Object[] buffer, long index, Object element) {
    Buffer.clear(buffer, index);
    setConsumerIndexRelease(index + 1); // slot cleared before producers may reuse it
    return element;
  }

  private Object[] advanceConsumerBuffer(Object[] buffer) {
    Object[] next = Buffer.next(buffer); // released together with the end
    setConsumerBufferRelease(next); // release: stats() walks the chain from here
    return next;
  }

  /**
   * Returns the head without removing it, or null when empty. Consumer thread only.
   *
   * @return the head element or null
   */
  @Override
  public final E peek() {
    long index = consumerIndexPlain();
    Object[] buffer = consumerBufferAcquire();
    if (buffer == null) {
      if ((producerIndexWordAcquire() >>> 1) <= index) {
        return null;
      }
      buffer = consumerBufferAcquire(); // non-null: installed before the claim we just saw
    }
    while (true) {
      Object e = Buffer.loadAcquire(buffer, index); // element published before we read it
      if (e != null) {
        @SuppressWarnings("unchecked")
        E element = (E) e;
        return element;
      }
      if (Buffer.endAcquire(buffer) == index) {
        buffer = advanceConsumerBuffer(buffer);
        continue;
      }
      if ((producerIndexWordAcquire() >>> 1) <= index) {
        return null;
      }
      Thread.onSpinWait();
    }
  }

  /**
   * Removes up to {@code limit} elements in FIFO order and hands each to {@code action}. Consumer
   * thread only. If {@code action} throws, the element it was given has already been removed and
   * the exception propagates. Happens-before as for {@link #poll}, per element.
   *
   * @return the number of elements removed
   */
  public final int drain(Consumer<? super E> action, int limit) {
    Objects.requireNonNull(action, "action");
    if (limit < 0) {
      throw new IllegalArgumentException("limit must be >= 0, was " + limit);
    }
    int n = 0;
    while (n < limit) {
      E e = poll();
      if (e == null) {
        break;
      }
      n++;
      action.accept(e);
    }
    return n;
  }

  // ------------------------------------------------------------------ any thread

  /**
   * Number of elements held, exact for some moment during the call. Any thread; O(1).
   *
   * @return a value in [0, maxCapacity]
   */
  @Override
  public final int size() {
    while (true) {
      long before = consumerIndexAcquire();
      long claimed = producerIndexWordAcquire() >>> 1;
      long after = consumerIndexAcquire();
      if (before == after) {
        long size = claimed - after;
        return (int) Math.max(0, Math.min(size, config.maxCapacity()));
      }
    }
  }

  /**
   * Whether the queue holds no element, for some moment during the call; any thread; O(1). Exact by
   * index: a claimed index counts whether or not its element is stored yet (what a Pekko mailbox's
   * {@code hasMessages} re-check after a run relies on, see {@link #relaxedPoll}).
   *
   * <p>The consumer index is read first, then the producers' word. Both only grow and the word
   * never falls behind the consumer index, so if the word is at most the index read before it, the
   * queue was empty when the word was read; and if it is above, an index was claimed past the
   * consumer's at some moment between the two reads. The other order is wrong: an offer and a poll
   * between the two reads make a queue that was never empty look empty (Lincheck found it: {@code
   * ElasticMpscQueueLincheckTest}, offer; then poll ‖ offer ‖ isEmpty() = true).
   */
  @Override
  public final boolean isEmpty() {
    long consumerIndex = consumerIndexAcquire();
    return (producerIndexWordAcquire() >>> 1) <= consumerIndex;
  }

  /** Current logical capacity, in [minCapacity, maxCapacity]; any thread. */
  public final int capacity() {
    return capacityAcquire();
  }

  /** The sizing policy this queue was built with; any thread. */
  public final QueueConfig config() {
    return config;
  }

  /**
   * Counters and sizes; any thread. Reading them costs the hot path nothing: enqueued and dequeued
   * are the indexes themselves. {@code peakSize} is the largest size a producer observed right
   * after its own offer (exact when offers do not race polls) or this call observed. {@code
   * allocatedSlots} is 0 until the first offer; it is the ring length of every buffer from the
   * consumer's to the producers' (the chain memory follows), summed by walking that chain, which
   * holds one buffer unless a resize happened and the consumer has not yet passed its old buffer.
   */
  public final QueueStats stats() {
    long initialIndex = config.tuning.initialIndex;
    long dequeued = consumerIndexAcquire() - initialIndex;
    long enqueued = (producerIndexWordAcquire() >>> 1) - initialIndex;
    int size = size();
    notePeak(size);
    ResizeCounters counters = resizeCountersDoNotTouch;
    return new QueueStats(
        capacityAcquire(),
        size,
        Math.max(enqueued, dequeued),
        dequeued,
        counters == null ? 0L : counters.rejected(),
        counters == null ? 0L : counters.grows,
        counters == null ? 0L : counters.shrinks,
        peakSize(),
        allocatedSlots());
  }

  /** Not supported: a lock-free MPSC queue cannot offer a safe iterator. Use {@link #drain}. */
  @Override
  public final Iterator<E> iterator() {
    throw new UnsupportedOperationException(
        getClass().getSimpleName() + " does not support iteration; use drain(Consumer, int)");
  }

  @Override
  public String toString() {
    return getClass().getSimpleName() + "{size=" + size() + ", capacity=" + capacity() + "}";
  }

  // ------------------------------------------------------------------ shrinking (consumer)

  /**
   * Consumer bookkeeping after a successful removal: periodic occupancy sample. A take moves the
   * consumer index by one, so the index itself counts the takes: the sample is due when it reaches
   * the index the previous sample set, and a take that is not due writes nothing.
   */
  private void afterConsumerOperation(long consumerIndex) {
    if (opsToSamplePlain(consumerIndex) <= 0) {
      sampleOccupancy(consumerIndex, NO_WORD); // sets the next sample's index
    }
  }

  /**
   * Consumer bookkeeping after an empty {@link #scanPoll}: counted like a take. The index does not
   * move, so the next sample comes one operation closer instead.
   */
  private void afterEmptyScan(long consumerIndex) {
    countEmptyOperation(consumerIndex, NO_WORD);
  }

  /**
   * Consumer bookkeeping after an empty poll; {@code word} is the producer index word the poll just
   * read (no second read), or {@link #NO_WORD}. Without burst memory it samples at once, which is
   * what takes a drained queue back to min within a few polls. With {@link
   * QueueConfig#burstMemory()} each sample stands for the operations since the previous one, so an
   * empty poll counts as one operation, as in {@link #afterEmptyScan}: a Pekko mailbox run ends
   * with an empty poll, and if each of them sampled, a trickle of one-message runs between bursts
   * would take a shrink step after capacity / operations-per-sample runs instead of about capacity
   * operations (64 one-message runs for a 65 536-slot queue).
   */
  private void onEmptyPoll(long consumerIndex, long word) {
    if (config.burstMemory()) {
      countEmptyOperation(consumerIndex, word);
    } else {
      sampleWhenEmpty(consumerIndex, word);
    }
  }

  /** One empty operation towards the next sample; samples when it is due. */
  private void countEmptyOperation(long consumerIndex, long word) {
    int left = opsToSamplePlain(consumerIndex) - 1;
    if (left <= 0) {
      sampleWhenEmpty(consumerIndex, word); // sets the next sample's index
    } else {
      setOpsToSamplePlain(consumerIndex, left);
    }
  }

  /** The occupancy sample of an empty poll, then the hop past a buffer it closed here. */
  private void sampleWhenEmpty(long consumerIndex, long word) {
    sampleOccupancy(consumerIndex, word); // restarts the count
    // A shrink that just closed the buffer here lets the consumer drop the big array right away.
    Object[] buffer = consumerBufferAcquire();
    while (buffer != null && Buffer.endAcquire(buffer) == consumerIndex) {
      buffer = advanceConsumerBuffer(buffer);
    }
  }

  /**
   * Consumer-driven shrink decision (see the implementation notes). Uses one CAS attempt; if a
   * producer holds the word or has just moved it, the decision waits for the next sample.
   */
  private void sampleOccupancy(long consumerIndex, long wordIfRead) {
    int capacity = capacityAcquire();
    int min = config.minCapacity();
    int opsPerSample =
        Math.min(config.tuning.sampleInterval + sampleDelay(capacity, min), MAX_OPS_PER_SAMPLE);
    setOpsToSamplePlain(consumerIndex, opsPerSample); // the next sample, that many operations on
    if (capacity <= min) {
      // Nothing to shrink: skip the read of the producers' word, the one line they write on every
      // offer (a cross-core transfer when the consumer keeps up). The peak needs no sample here:
      // producers record every size they observe (notePeakAfterOffer).
      setLowStreakPlain(0);
      return;
    }
    long word = wordIfRead == NO_WORD ? producerIndexWordAcquire() : wordIfRead;
    int size = (int) ((word >>> 1) - consumerIndex);
    notePeak(size);
    int claimedLowBits = (int) (word >>> 1);
    boolean claimedSincePrevious = claimedLowBits != sampledProducerIndexPlain();
    if (claimedSincePrevious) {
      setSampledProducerIndexPlain(claimedLowBits);
    }
    if (size > capacity * config.shrinkThreshold()
        || config.shrinkStepBoundedBySize(capacity, size)) {
      // Not underused, or one step would leave the queue full for the next offer to grow it again
      // (threshold x growth >= 1). Only fewer shrinks: the model's CSample may shrink at any low
      // sample, this one included.
      setLowStreakPlain(0);
      return;
    }
    int streak = lowStreakPlain() + 1;
    setLowStreakPlain(streak);
    int needed = config.shrinkStreak(capacity, config.tuning.shrinkStreak, opsPerSample);
    if (streak < needed || (word & RESIZE_BIT) != 0) {
      return;
    }
    if (size > 0 && (!claimedSincePrevious || consumerBufferAcquire() != producerBufferAcquire())) {
      // A step links a smaller buffer at the producers' index, which the consumer reaches only
      // after the elements queued before it. Not yet, then, (a) while no producer has claimed an
      // index since the previous sample (a drain: no producer would use that buffer, and the
      // queue, once empty, goes to min in one step), nor (b) while the previous resize's buffer is
      // not reached (its array and the consumer's are both held; a third would be reached only
      // after the same elements). The streak stays due, so the step comes at the first sample
      // that sees a claim and the consumer in the producers' buffer, or an empty queue.
      return;
    }
    Object[] spare = spareFor(capacity, shrinkTarget(capacity, size, min));
    if (!casProducerIndexWord(word, word | RESIZE_BIT)) {
      return;
    }
    try {
      // Holding the bit: no index can be claimed, so size is exact (NoShrinkBelowSize).
      int target = shrinkTarget(capacityAcquire(), size, min);
      if (target < capacityAcquire()) {
        resize(word >>> 1, target, spare);
        resizeCounters().incrementShrinks();
      }
      setLowStreakPlain(0);
    } finally {
      setProducerIndexWordRelease(word); // buffer, capacity and end visible before next claim
    }
  }

  /** One shrink step from {@code capacity}, or every step down to {@code min} when empty. */
  private int shrinkTarget(int capacity, int size, int min) {
    int target = capacity;
    do {
      target = config.shrunkCapacity(target, size);
    } while (size == 0 && target > min);
    return target;
  }

  /**
   * Consumer operations the next occupancy sample waits beyond the sample interval. A sample reads
   * the capacity, and above min the producers' index word: the line every offer CASes, so with
   * producers on other cores each sample is a transfer of that line. How often it is needed depends
   * on the capacity: at min a sample only notices a grow (an empty poll samples at once anyway,
   * without burst memory), so it comes every {@value #AT_MIN_INTERVALS} intervals; above min about
   * every capacity / {@value #OPS_PER_SAMPLE_DIVISOR} operations, so a shrink decision takes the
   * same share of the capacity in operations for a queue of any size (with the default interval and
   * streak, a 65 536-slot queue is sampled every 1 024 operations instead of every 16). Only the
   * cadence changes, and the TLA+ model lets the consumer sample at any step.
   */
  private int sampleDelay(int capacity, int min) {
    int interval = config.tuning.sampleInterval;
    int wanted = capacity <= min ? interval * AT_MIN_INTERVALS : capacity / OPS_PER_SAMPLE_DIVISOR;
    return Math.min(Math.max(0, wanted - interval), MAX_SAMPLE_DELAY);
  }

  /**
   * Returns an empty queue to {@code minCapacity} at once, whatever its shrink policy: the way to
   * end a {@link QueueConfig#burstMemory() burst memory} that is no longer needed (a Pekko mailbox
   * with {@code burst-memory = on} calls it when the registry found the actor idle). Consumer
   * thread only.
   *
   * <p>It is the consumer's own shrink step with a size of zero: one CAS attempt takes the resize
   * bit at the current word (if a producer holds the word or has just claimed an index, nothing
   * happens), and holding it, with no index claimed beyond the consumer's, the size is exactly 0
   * (NoShrinkBelowSize), so the capacity goes to min and a buffer of that length is linked; the
   * consumer then moves past the closed buffer at once, so the large array is no longer referenced
   * by the queue. In the TLA+ model it is a null poll followed by the sample {@code CSample} with
   * its shrink attempt at size 0 (the model lets the consumer attempt a shrink at any sample, so
   * every cadence, this one included, is covered): the word it reads shows no claim beyond the
   * consumer index, which is exactly when that poll returns null, and the poll changes nothing
   * else. Lincheck: {@code TrimIfEmptyLincheckTest}.
   *
   * @return true if the queue was empty above {@code minCapacity} and was shrunk to it
   */
  public final boolean trimIfEmpty() {
    long index = consumerIndexPlain();
    long word = producerIndexWordAcquire();
    int min = config.minCapacity();
    if ((word & RESIZE_BIT) != 0 || (word >>> 1) != index || capacityAcquire() <= min) {
      return false;
    }
    Object[] spare = spareFor(capacityAcquire(), min);
    if (!casProducerIndexWord(word, word | RESIZE_BIT)) {
      return false;
    }
    boolean shrank = false;
    try {
      if (capacityAcquire() > min) {
        resize(index, min, spare);
        resizeCounters().incrementShrinks();
        shrank = true;
      }
      setLowStreakPlain(0);
    } finally {
      setProducerIndexWordRelease(word); // buffer, capacity and end visible before next claim
    }
    Object[] buffer = consumerBufferAcquire();
    while (buffer != null && Buffer.endAcquire(buffer) == index) {
      buffer = advanceConsumerBuffer(buffer);
    }
    return shrank;
  }

  // ------------------------------------------------------------------ counters

  private void notePeakAfterOffer(long index) {
    long consumerIndex = consumerIndexAcquire();
    setConsumerIndexCachePlain(consumerIndex);
    notePeak((int) Math.min(index + 1 - consumerIndex, config.maxCapacity()));
  }

  /**
   * Raises the window peak and, if below it, the all-time peak to {@code size}: one CAS. Not final
   * only so that a fault-injection test can split it into two steps again; nothing else overrides
   * it.
   */
  void notePeak(int size) {
    long peaks;
    while (size > windowPeak(peaks = peaksDoNotTouch)) {
      if (PEAKS.compareAndSet(this, peaks, withWindow(peaks, size))) {
        return;
      }
    }
  }

  /**
   * The largest size seen since the previous call (or since creation), then starts a new window at
   * the current size. Any thread; meant for one metrics poller, since every call ends the window of
   * every other caller. Like {@link QueueStats#peakSize()}, exact when offers do not race polls.
   */
  public final int takePeakWindow() {
    int now = size();
    long peaks;
    do {
      peaks = peaksDoNotTouch;
    } while (!PEAKS.compareAndSet(this, peaks, withWindow(peaks, now)));
    return Math.max(windowPeak(peaks), now); // a racing raise lands in this window or the next
  }

  /** The largest size seen; any thread. */
  final int peakSize() {
    return allTimePeak(peaksDoNotTouch);
  }

  /** The peaks word, for the fault-injection test's {@link #notePeak}. */
  final long peaksWord() {
    return peaksDoNotTouch;
  }

  /** One CAS of the peaks word, for the fault-injection test's {@link #notePeak}. */
  final boolean casPeaksWord(long expected, long next) {
    return PEAKS.compareAndSet(this, expected, next);
  }

  /** {@code peaks} with the window at {@code window} and the all-time peak at least that. */
  static long withWindow(long peaks, int window) {
    return peaks(Math.max(allTimePeak(peaks), window), window);
  }

  static long peaks(int allTime, int window) {
    return ((long) allTime << 32) | (window & 0xFFFF_FFFFL);
  }

  static int allTimePeak(long peaks) {
    return (int) (peaks >>> 32);
  }

  static int windowPeak(long peaks) {
    return (int) peaks;
  }

  final void incrementRejected() {
    resizeCounters().incrementRejected();
  }

  /** The counters, made by the first caller (one CAS; a loser uses the winner's). Any thread. */
  private ResizeCounters resizeCounters() {
    ResizeCounters c = resizeCountersDoNotTouch;
    if (c == null) {
      ResizeCounters made = new ResizeCounters();
      c = (ResizeCounters) RESIZE_COUNTERS.compareAndExchange(this, null, made);
      if (c == null) {
        c = made;
      }
    }
    return c;
  }

  /**
   * Counters of the slow paths, allocated on the first grow, shrink or rejection. Grows and shrinks
   * are written only by the holder of the resize bit (one writer at a time, so a plain increment of
   * the volatile is exact); rejections by any producer, atomically.
   */
  static final class ResizeCounters {
    private static final VarHandle REJECTED;

    static {
      try {
        REJECTED =
            MethodHandles.lookup()
                .findVarHandle(ResizeCounters.class, "rejectedDoNotTouch", long.class);
      } catch (ReflectiveOperationException e) {
        throw new ExceptionInInitializerError(e);
      }
    }

    volatile long grows;
    volatile long shrinks;

    /** Offers refused at max; reached only through the VarHandle. */
    private volatile long rejectedDoNotTouch;

    void incrementGrows() {
      grows = grows + 1; // caller holds the resize bit
    }

    void incrementShrinks() {
      shrinks = shrinks + 1; // caller holds the resize bit
    }

    void incrementRejected() {
      REJECTED.getAndAdd(this, 1L);
    }

    long rejected() {
      return rejectedDoNotTouch;
    }
  }

  /**
   * Slots held by the buffers still reachable: the consumer's buffer and its successors, up to the
   * open one. Any thread. The consumer's buffer is read with acquire (the consumer releases it when
   * it moves on, the installer of the first buffer releases it too) and every link with acquire
   * (released when its buffer was closed), so the walk sees complete links and ends at the buffer
   * that was open when its link was read: exact when no resize or hop races the call, and otherwise
   * the chain of some moment during it, as a counter updated around those steps gave.
   */
  final long allocatedSlots() {
    long slots = 0;
    for (Object[] b = consumerBufferAcquire(); b != null; b = Buffer.nextOrNull(b)) {
      slots += Buffer.length(b);
    }
    return slots;
  }

  private static void storeElementRelease(Object[] buffer, long index, Object e) {
    Buffer.storeRelease(buffer, index, e);
  }

  static int tableSizeFor(int capacity) {
    int n = -1 >>> Integer.numberOfLeadingZeros(Math.max(1, capacity) - 1);
    return n < 0 ? 1 : n + 1;
  }

  // ------------------------------------------------------------------ hot fields (the layouts)
  // Implemented once per layout, each as a final method of the class that declares the field.

  /** 2 x (next index to claim) + resize bit, acquire: what a resize wrote before releasing it. */
  abstract long producerIndexWordAcquire();

  /** Releases the resize bit: everything the holder wrote is visible before the next claim. */
  abstract void setProducerIndexWordRelease(long word);

  /** Claims an index or takes the resize bit (volatile CAS). */
  abstract boolean casProducerIndexWord(long expect, long update);

  /** The open buffer; null until the first offer. */
  abstract Object[] producerBufferAcquire();

  abstract void setProducerBufferRelease(Object[] buffer);

  abstract int capacityAcquire();

  abstract void setCapacityRelease(int capacity);

  /**
   * Producers' shared cache of the consumer index: a lower bound, racy plain access. The compact
   * layout has no copy and returns the index itself (also a lower bound, never stale for long).
   */
  abstract long consumerIndexCachePlain();

  abstract void setConsumerIndexCachePlain(long consumerIndex);

  abstract long consumerIndexAcquire();

  /** The consumer's own read of its index: no ordering needed, it is the only writer. */
  abstract long consumerIndexPlain();

  /** Releases the consumer index: slot read and cleared before producers may reuse it. */
  abstract void setConsumerIndexRelease(long index);

  /** The consumer's buffer, acquire: the first buffer is installed by a producer (release). */
  abstract Object[] consumerBufferAcquire();

  /**
   * The consumer moving to a successor (consumer-only once the first buffer is installed), and the
   * one store into it by a producer: the lazily installed first buffer. Release: {@code stats()}
   * walks the chain from this buffer on any thread.
   */
  abstract void setConsumerBufferRelease(Object[] buffer);

  /**
   * Consumer operations left before the next occupancy sample, with the consumer index at {@code
   * consumerIndex}; 0 or less when it is due. Consumer-private. A layout stores the (low bits of
   * the) index at which the sample is due, so a take, which moves the index, needs no write here.
   */
  abstract int opsToSamplePlain(long consumerIndex);

  /**
   * The next occupancy sample comes {@code ops} (1 to {@link #MAX_OPS_PER_SAMPLE}) consumer
   * operations after the consumer index {@code consumerIndex}. Consumer-private.
   */
  abstract void setOpsToSamplePlain(long consumerIndex, int ops);

  /** Consecutive low-occupancy samples; consumer-private. */
  abstract int lowStreakPlain();

  abstract void setLowStreakPlain(int streak);

  /**
   * Whether the consumer's previous {@link #poll} took an element (it then waits {@link
   * #SPINS_AFTER_TAKE} before it calls the queue empty); consumer-private.
   */
  abstract boolean pollWarmPlain();

  abstract void setPollWarmPlain(boolean warm);

  /**
   * The low 32 bits of the producer index that the previous occupancy sample above min read;
   * consumer-private. A sample compares it with the index it reads to tell whether a producer
   * claimed anything in between (equal after exactly 2^32 claims: that only delays a step).
   */
  abstract int sampledProducerIndexPlain();

  abstract void setSampledProducerIndexPlain(int lowBits);

  /**
   * One ring array of the chain and its index range, as a bare {@code Object[]} (idle footprint: no
   * holder object next to the array). A buffer of ring length L (a power of two) is an array of L +
   * 1 slots: the ring at [0, L) and, at L, its link: null while the buffer is open, then the {@link
   * Link} (end index and successor) that closes it, stored once with release. The slot of index i
   * is i &amp; (L - 1). INTERNAL: package-private for the fault-injection tests.
   */
  static final class Buffer {
    private Buffer() {}

    /** A new open buffer of ring length {@code length}, a power of two. */
    static Object[] allocate(int length) {
      return new Object[length + 1];
    }

    /** Ring length. */
    static int length(Object[] b) {
      return b.length - 1;
    }

    /** First index not in the buffer, {@link #OPEN} while producers still claim into it. */
    static long endAcquire(Object[] b) {
      Object link = SLOTS.getAcquire(b, b.length - 1);
      return link == null ? OPEN : ((Link) link).end;
    }

    /** The successor; only after {@link #endAcquire} returned an end (the buffer is closed). */
    static Object[] next(Object[] b) {
      return ((Link) SLOTS.getAcquire(b, b.length - 1)).next;
    }

    /** The successor, or null while the buffer is open. */
    static Object[] nextOrNull(Object[] b) {
      Object link = SLOTS.getAcquire(b, b.length - 1);
      return link == null ? null : ((Link) link).next;
    }

    /**
     * Closes {@code b} at {@code end} with successor {@code next}: one release store of an
     * immutable link, so whoever reads the end also reads the successor. Once per buffer, by the
     * holder of the resize bit.
     */
    static void close(Object[] b, long end, Object[] next) {
      SLOTS.setRelease(b, b.length - 1, new Link(end, next));
    }

    static Object loadAcquire(Object[] b, long index) {
      return SLOTS.getAcquire(b, (int) (index & (b.length - 2)));
    }

    static void storeRelease(Object[] b, long index, Object e) {
      // element fields visible before element
      SLOTS.setRelease(b, (int) (index & (b.length - 2)), e);
    }

    static void clear(Object[] b, long index) {
      SLOTS.setOpaque(b, (int) (index & (b.length - 2)), null);
    }

    /** Lets a fault-injection test read the raw slot. */
    static Object loadPlain(Object[] b, long index) {
      return SLOTS.get(b, (int) (index & (b.length - 2)));
    }
  }

  /** What closes a buffer: its end index and its successor. Immutable. */
  static final class Link {
    final long end;
    final Object[] next;

    Link(long end, Object[] next) {
      this.end = end;
      this.next = next;
    }
  }
}
