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
 * at the producer index of that moment and links a successor whose base is that same index. The
 * consumer walks the chain and drops each buffer when it reaches its end, so memory follows
 * capacity once the old elements are consumed. Nothing is ever copied between buffers: the
 * original Rust elasticq lost elements exactly there (producers kept writing into a buffer that
 * had already been copied).
 *
 * Producers claim an index with one CAS on producerIndexWord = 2 * index + resizeBit (the parity
 * trick of JCTools' MpscChunkedArrayQueue, Nitsan Wakart). The bit is held while a resize links a
 * new buffer or changes the logical capacity; producers spin while it is set (they may wait for a
 * resize, never for the consumer to free space). Unlike JCTools, a resize consumes no index: it
 * releases the word at the very value it took it at. That ABA is deliberate. A producer that read
 * the buffer before the resize and wins its CAS afterwards holds an index that belongs to the
 * successor; it finds it by following `next` while `end <= index` (lookupBuffer, invariant
 * NoPublishIntoRetiredBuffer). The fields the resizer wrote are visible to it because its
 * successful CAS read the value the resizer released.
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
 * Shrinking is driven by the consumer on its own operations. Every SAMPLE_INTERVAL operations,
 * and on every poll that finds the queue empty, it samples the occupancy; after SHRINK_STREAK
 * consecutive samples at or below shrinkThreshold x capacity it takes the resize bit (its only
 * CAS, never retried in a loop) and divides the capacity by the growth factor, never below min
 * or the current size; when the queue is empty it applies all the steps down to min at once.
 * After a step the occupancy is about growthFactor x shrinkThreshold (0.5 by default), far from
 * both the next grow (1.0) and the next shrink: that gap is the hysteresis.
 *
 * The TLA+ model in tla/src/main/tla/ElasticMpscQueue.tla checks this protocol; the invariant
 * names cited below are the ones it defines.
 */

/** Cold fields: configuration and counters, read by stats() and the slow paths. */
abstract class ElasticMpscQueueColdFields<E> extends AbstractQueue<E> {
  final QueueConfig config;
  final int minCapacity;
  final int maxCapacity;
  final long initialIndex;
  // Written only by the holder of the resize bit; volatile so stats() sees recent values.
  volatile long grows;
  volatile long shrinks;
  /** Largest size seen; raised with a CAS loop (rare: only on a new peak). */
  volatile int peakSize;
  /** Offers refused at max; reached only through the VarHandle (no LongAdder: idle footprint). */
  private volatile long rejectedDoNotTouch;
  /** Slots held by reachable buffers; resizes add, the consumer subtracts. VarHandle only. */
  private volatile long allocatedSlotsDoNotTouch;

  private static final VarHandle REJECTED;
  private static final VarHandle ALLOCATED_SLOTS;

  static {
    try {
      MethodHandles.Lookup lookup = MethodHandles.lookup();
      REJECTED =
          lookup.findVarHandle(ElasticMpscQueueColdFields.class, "rejectedDoNotTouch", long.class);
      ALLOCATED_SLOTS =
          lookup.findVarHandle(
              ElasticMpscQueueColdFields.class, "allocatedSlotsDoNotTouch", long.class);
    } catch (ReflectiveOperationException e) {
      throw new ExceptionInInitializerError(e);
    }
  }

  ElasticMpscQueueColdFields(QueueConfig config, long initialIndex) {
    this.config = config;
    this.minCapacity = config.minCapacity();
    this.maxCapacity = config.maxCapacity();
    this.initialIndex = initialIndex;
  }

  private static final VarHandle PEAK_SIZE;

  static {
    try {
      PEAK_SIZE =
          MethodHandles.lookup()
              .findVarHandle(ElasticMpscQueueColdFields.class, "peakSize", int.class);
    } catch (ReflectiveOperationException e) {
      throw new ExceptionInInitializerError(e);
    }
  }

  final void notePeak(int size) {
    int peak;
    while (size > (peak = peakSize)) {
      if (PEAK_SIZE.compareAndSet(this, peak, size)) {
        return;
      }
    }
  }

  final void incrementRejected() {
    REJECTED.getAndAdd(this, 1L);
  }

  final long rejectedVolatile() {
    return rejectedDoNotTouch;
  }

  final void addAllocatedSlots(long delta) {
    ALLOCATED_SLOTS.getAndAdd(this, delta);
  }

  final long allocatedSlotsVolatile() {
    return allocatedSlotsDoNotTouch;
  }
}

abstract class ElasticMpscQueuePad0<E> extends ElasticMpscQueueColdFields<E> {
  byte b000, b001, b002, b003, b004, b005, b006, b007;
  byte b010, b011, b012, b013, b014, b015, b016, b017;
  byte b020, b021, b022, b023, b024, b025, b026, b027;
  byte b030, b031, b032, b033, b034, b035, b036, b037;
  byte b040, b041, b042, b043, b044, b045, b046, b047;
  byte b050, b051, b052, b053, b054, b055, b056, b057;
  byte b060, b061, b062, b063, b064, b065, b066, b067;
  byte b070, b071, b072, b073, b074, b075, b076, b077;

  ElasticMpscQueuePad0(QueueConfig config, long initialIndex) {
    super(config, initialIndex);
  }
}

/** Producer-side fields: written by producers and by resizes. */
abstract class ElasticMpscQueueProducerFields<E> extends ElasticMpscQueuePad0<E> {
  private static final VarHandle PRODUCER_INDEX_WORD;
  private static final VarHandle PRODUCER_BUFFER;
  private static final VarHandle CAPACITY;

  static {
    try {
      MethodHandles.Lookup lookup = MethodHandles.lookup();
      PRODUCER_INDEX_WORD =
          lookup.findVarHandle(
              ElasticMpscQueueProducerFields.class, "producerIndexWordDoNotTouch", long.class);
      PRODUCER_BUFFER =
          lookup.findVarHandle(
              ElasticMpscQueueProducerFields.class,
              "producerBufferDoNotTouch",
              ElasticMpscQueue.Buffer.class);
      CAPACITY =
          lookup.findVarHandle(
              ElasticMpscQueueProducerFields.class, "capacityDoNotTouch", int.class);
    } catch (ReflectiveOperationException e) {
      throw new ExceptionInInitializerError(e);
    }
  }

  /** 2 x (next index to claim) + resize bit; reached only through the VarHandle. */
  private volatile long producerIndexWordDoNotTouch;
  /** The open buffer that receives new indexes; reached only through the VarHandle. */
  private volatile ElasticMpscQueue.Buffer producerBufferDoNotTouch;
  /** Logical capacity; reached only through the VarHandle. */
  private volatile int capacityDoNotTouch;
  /**
   * Producers' shared cache of the consumer index: a lower bound, written racily (any recent
   * value is correct because the consumer index only grows).
   */
  long consumerIndexCache;

  ElasticMpscQueueProducerFields(QueueConfig config, long initialIndex) {
    super(config, initialIndex);
  }

  final long producerIndexWordAcquire() {
    return (long) PRODUCER_INDEX_WORD.getAcquire(this);
  }

  final void setProducerIndexWordRelease(long word) {
    PRODUCER_INDEX_WORD.setRelease(this, word);
  }

  final boolean casProducerIndexWord(long expect, long update) {
    return PRODUCER_INDEX_WORD.compareAndSet(this, expect, update);
  }

  final ElasticMpscQueue.Buffer producerBufferAcquire() {
    return (ElasticMpscQueue.Buffer) PRODUCER_BUFFER.getAcquire(this);
  }

  final void setProducerBufferRelease(ElasticMpscQueue.Buffer buffer) {
    PRODUCER_BUFFER.setRelease(this, buffer);
  }

  final int capacityAcquire() {
    return (int) CAPACITY.getAcquire(this);
  }

  final void setCapacityRelease(int capacity) {
    CAPACITY.setRelease(this, capacity);
  }
}

abstract class ElasticMpscQueuePad1<E> extends ElasticMpscQueueProducerFields<E> {
  byte b100, b101, b102, b103, b104, b105, b106, b107;
  byte b110, b111, b112, b113, b114, b115, b116, b117;
  byte b120, b121, b122, b123, b124, b125, b126, b127;
  byte b130, b131, b132, b133, b134, b135, b136, b137;
  byte b140, b141, b142, b143, b144, b145, b146, b147;
  byte b150, b151, b152, b153, b154, b155, b156, b157;
  byte b160, b161, b162, b163, b164, b165, b166, b167;
  byte b170, b171, b172, b173, b174, b175, b176, b177;

  ElasticMpscQueuePad1(QueueConfig config, long initialIndex) {
    super(config, initialIndex);
  }
}

/** Consumer-side fields: written only by the consumer thread. */
abstract class ElasticMpscQueueConsumerFields<E> extends ElasticMpscQueuePad1<E> {
  private static final VarHandle CONSUMER_INDEX;

  static {
    try {
      CONSUMER_INDEX =
          MethodHandles.lookup()
              .findVarHandle(
                  ElasticMpscQueueConsumerFields.class, "consumerIndexDoNotTouch", long.class);
    } catch (ReflectiveOperationException e) {
      throw new ExceptionInInitializerError(e);
    }
  }

  /** Next index to consume; reached only through the VarHandle. */
  private volatile long consumerIndexDoNotTouch;
  /** The buffer holding the consumer index; consumer-private. */
  ElasticMpscQueue.Buffer consumerBuffer;
  /** Consumer operations since the last occupancy sample; consumer-private. */
  int opsSinceSample;
  /** Consecutive low-occupancy samples; consumer-private. */
  int lowStreak;

  ElasticMpscQueueConsumerFields(QueueConfig config, long initialIndex) {
    super(config, initialIndex);
  }

  final long consumerIndexAcquire() {
    return (long) CONSUMER_INDEX.getAcquire(this);
  }

  /** Consumer's own read of its index: no ordering needed, it is the only writer. */
  final long consumerIndexPlain() {
    return (long) CONSUMER_INDEX.get(this);
  }

  final void setConsumerIndexRelease(long index) {
    CONSUMER_INDEX.setRelease(this, index);
  }
}

abstract class ElasticMpscQueuePad2<E> extends ElasticMpscQueueConsumerFields<E> {
  byte b200, b201, b202, b203, b204, b205, b206, b207;
  byte b210, b211, b212, b213, b214, b215, b216, b217;
  byte b220, b221, b222, b223, b224, b225, b226, b227;
  byte b230, b231, b232, b233, b234, b235, b236, b237;
  byte b240, b241, b242, b243, b244, b245, b246, b247;
  byte b250, b251, b252, b253, b254, b255, b256, b257;
  byte b260, b261, b262, b263, b264, b265, b266, b267;
  byte b270, b271, b272, b273, b274, b275, b276, b277;

  ElasticMpscQueuePad2(QueueConfig config, long initialIndex) {
    super(config, initialIndex);
  }
}

/**
 * An elastic, lock-free, multi-producer single-consumer queue: it grows when a producer finds it
 * full below {@link QueueConfig#maxCapacity()} and shrinks back, driven by the consumer, when
 * occupancy stays low; it never holds more than {@code maxCapacity} elements.
 *
 * <p>Threads: {@link #offer}, {@link #add}, {@link #size}, {@link #isEmpty}, {@link #capacity} and
 * {@link #stats} may be called from any thread. {@link #poll}, {@link #peek}, {@link #drain},
 * {@link #remove()}, {@link #element} and {@link #clear} belong to one consumer thread at a time
 * (a hand-over between consumer threads must itself establish happens-before, as a Pekko
 * dispatcher does between two runs of a mailbox).
 *
 * <p>Ordering: an element is fully published before it can be polled (everything a producer did
 * before {@code offer} happens-before the consumer's return from the {@code poll} that removes
 * it). Elements of one producer are polled in the order that producer offered them. No element
 * is lost or duplicated across any grow or shrink.
 *
 * <p>Progress: producers never wait for the consumer; they spin only while another thread holds
 * the resize bit to link a buffer (a few allocations long). The consumer never blocks; {@code
 * poll} may spin briefly when a producer has claimed the next index but not yet stored into it.
 *
 * <p>The iterator is not supported (as in JCTools' queues): use {@link #drain}.
 *
 * @param <E> element type; null elements are rejected
 */
public class ElasticMpscQueue<E> extends ElasticMpscQueuePad2<E> {

  /** Consumer operations between two occupancy samples. */
  static final int SAMPLE_INTERVAL = 16;
  /** Consecutive low-occupancy samples required before a shrink step (hysteresis). */
  static final int SHRINK_STREAK = 4;

  private static final long RESIZE_BIT = 1L;

  private final int sampleInterval;
  private final int shrinkStreak;
  private static final long OPEN = Long.MAX_VALUE;
  private static final VarHandle SLOTS = MethodHandles.arrayElementVarHandle(Object[].class);

  /**
   * Creates an empty queue with {@link QueueConfig#initialCapacity()}.
   *
   * @param config the sizing policy
   */
  public ElasticMpscQueue(QueueConfig config) {
    this(config, 0L, SAMPLE_INTERVAL, SHRINK_STREAK);
  }

  /**
   * Test seam: starts both indexes at {@code initialIndex} (to exercise large index values) and
   * sets the shrink cadence (so small model-checking scenarios reach a shrink).
   */
  ElasticMpscQueue(QueueConfig config, long initialIndex, int sampleInterval, int shrinkStreak) {
    super(Objects.requireNonNull(config, "config"), initialIndex);
    if (initialIndex < 0 || initialIndex > (Long.MAX_VALUE >>> 2)) {
      throw new IllegalArgumentException("initialIndex out of range: " + initialIndex);
    }
    if (sampleInterval < 1 || shrinkStreak < 1) {
      throw new IllegalArgumentException("sampleInterval and shrinkStreak must be >= 1");
    }
    this.sampleInterval = sampleInterval;
    this.shrinkStreak = shrinkStreak;
    Buffer first = new Buffer(tableSizeFor(config.initialCapacity()), initialIndex);
    addAllocatedSlots(first.length());
    consumerBuffer = first;
    consumerIndexCache = initialIndex;
    setConsumerIndexRelease(initialIndex);
    setCapacityRelease(config.initialCapacity());
    setProducerBufferRelease(first);
    setProducerIndexWordRelease(initialIndex << 1); // fields above visible before first claim
  }

  /**
   * Inserts {@code e} at the tail. Any thread may call it; it never blocks on the consumer.
   *
   * @return false only when the queue holds {@code maxCapacity} elements (the rejection is counted
   *     in {@link QueueStats#rejected()})
   * @throws NullPointerException if {@code e} is null
   */
  @Override
  public boolean offer(E e) {
    Objects.requireNonNull(e, "ElasticMpscQueue does not accept null elements");
    while (true) {
      long word = producerIndexWordAcquire();
      if ((word & RESIZE_BIT) != 0) {
        Thread.onSpinWait(); // a resize is linking a buffer: wait it out
        continue;
      }
      long index = word >>> 1;
      // Read after the word: a resize writes them before releasing the word.
      Buffer buffer = producerBufferAcquire();
      int capacity = capacityAcquire();
      if (index - consumerIndexCache >= capacity) {
        long consumerIndex = consumerIndexAcquire();
        consumerIndexCache = consumerIndex;
        if (index - consumerIndex >= capacity) {
          if (!offerWhenFull(word, index, consumerIndex, capacity)) {
            return false;
          }
          continue;
        }
      }
      if (casProducerIndexWord(word, word + 2)) {
        storeElementRelease(lookupBuffer(buffer, index), index, e);
        if (index + 1 - consumerIndexCache > peakSize) {
          notePeakAfterOffer(index); // only when this could be a new peak
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
    if (capacity >= maxCapacity) {
      // index - consumerIndex >= max with a fresh consumer index: the queue holds max elements.
      incrementRejected();
      notePeak(maxCapacity);
      return false;
    }
    if (!casProducerIndexWord(word, word | RESIZE_BIT)) {
      return true; // the word moved on: another claim or resize happened, re-read everything
    }
    try {
      int current = capacityAcquire();
      int size = (int) (index - consumerIndexAcquire());
      notePeak(size);
      if (size >= current && current < maxCapacity) {
        resize(index, config.grownCapacity(current));
        grows = grows + 1;
      }
    } finally {
      setProducerIndexWordRelease(word); // buffer, capacity and end visible before next claim
    }
    return true;
  }

  /**
   * Installs {@code newCapacity}. Caller holds the resize bit, taken at producer index {@code
   * index}. Links a new buffer when the array size changes; otherwise only the capacity moves.
   */
  private void resize(long index, int newCapacity) {
    Buffer current = producerBufferAcquire();
    int length = tableSizeFor(newCapacity);
    if (length != current.length()) {
      Buffer next = new Buffer(length, index);
      addAllocatedSlots(length);
      current.next = next; // published by the release of end below
      current.setEndRelease(index);
      setProducerBufferRelease(next);
    }
    setCapacityRelease(newCapacity);
  }

  /**
   * Finds the buffer that owns {@code index}. {@code buffer} was the producer buffer when the
   * producer read the word; a resize taken and released at the same word since then closed it at
   * {@code index}, in which case the index belongs to a successor (NoPublishIntoRetiredBuffer).
   * Package-private: the fault-injection tests override it.
   */
  Buffer lookupBuffer(Buffer buffer, long index) {
    Buffer b = buffer;
    while (b.endAcquire() <= index) {
      b = b.next;
    }
    return b;
  }

  /**
   * Removes the head, or returns null when the queue is empty. Consumer thread only.
   *
   * @return the head element, fully published by its producer, or null if empty
   */
  @Override
  public E poll() {
    long index = consumerIndexPlain();
    Buffer buffer = consumerBuffer;
    while (true) {
      Object e = buffer.loadAcquire(index); // element published before we read it
      if (e != null) {
        @SuppressWarnings("unchecked")
        E element = (E) takePublished(buffer, index, e);
        afterConsumerOperation(index + 1);
        return element;
      }
      if (buffer.endAcquire() == index) {
        buffer = advanceConsumerBuffer(buffer); // the index lives in the successor
        continue;
      }
      if ((producerIndexWordAcquire() >>> 1) <= index) {
        onEmptyPoll(index);
        return null;
      }
      // The index is claimed: its producer is between its CAS and its store, or a resize closed
      // this buffer at the index just before the claim (the loop re-reads end first).
      Thread.onSpinWait();
    }
  }

  /**
   * Clears the slot of a published element and advances the consumer index past it. The slot is
   * cleared and the element read before the index moves, so no producer can reuse the slot early
   * (NoLoss, NoDuplicate). Package-private: the fault-injection tests override it.
   */
  Object takePublished(Buffer buffer, long index, Object element) {
    buffer.clear(index);
    setConsumerIndexRelease(index + 1); // slot cleared before producers may reuse it
    return element;
  }

  private Buffer advanceConsumerBuffer(Buffer buffer) {
    Buffer next = buffer.next; // visible: read after end, which was released after next was set
    consumerBuffer = next;
    addAllocatedSlots(-buffer.length());
    return next;
  }

  /**
   * Returns the head without removing it, or null when empty. Consumer thread only.
   *
   * @return the head element or null
   */
  @Override
  public E peek() {
    long index = consumerIndexPlain();
    Buffer buffer = consumerBuffer;
    while (true) {
      Object e = buffer.loadAcquire(index);
      if (e != null) {
        @SuppressWarnings("unchecked")
        E element = (E) e;
        return element;
      }
      if (buffer.endAcquire() == index) {
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
   * Removes up to {@code limit} elements in FIFO order and hands each to {@code action}.
   * Consumer thread only. If {@code action} throws, the element it was given has already been
   * removed and the exception propagates.
   *
   * @return the number of elements removed
   */
  public int drain(Consumer<? super E> action, int limit) {
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

  /**
   * Number of elements held, exact for some moment during the call. Any thread; O(1).
   *
   * @return a value in [0, maxCapacity]
   */
  @Override
  public int size() {
    while (true) {
      long before = consumerIndexAcquire();
      long claimed = producerIndexWordAcquire() >>> 1;
      long after = consumerIndexAcquire();
      if (before == after) {
        long size = claimed - after;
        return (int) Math.max(0, Math.min(size, maxCapacity));
      }
    }
  }

  /** Whether the queue holds no element; any thread. */
  @Override
  public boolean isEmpty() {
    return (producerIndexWordAcquire() >>> 1) <= consumerIndexAcquire();
  }

  /** Current logical capacity, in [minCapacity, maxCapacity]; any thread. */
  public int capacity() {
    return capacityAcquire();
  }

  /** The sizing policy this queue was built with. */
  public QueueConfig config() {
    return config;
  }

  /**
   * Counters and sizes; any thread. Reading them costs the hot path nothing: enqueued and
   * dequeued are the indexes themselves. {@code peakSize} is the largest size a producer
   * observed right after its own offer (exact when offers do not race polls).
   */
  public QueueStats stats() {
    long dequeued = consumerIndexAcquire() - initialIndex;
    long enqueued = (producerIndexWordAcquire() >>> 1) - initialIndex;
    return new QueueStats(
        capacityAcquire(),
        size(),
        Math.max(enqueued, dequeued),
        dequeued,
        rejectedVolatile(),
        grows,
        shrinks,
        peakSize,
        allocatedSlotsVolatile());
  }

  /** Not supported: a lock-free MPSC queue cannot offer a safe iterator. Use {@link #drain}. */
  @Override
  public Iterator<E> iterator() {
    throw new UnsupportedOperationException(
        "ElasticMpscQueue does not support iteration; use drain(Consumer, int)");
  }

  @Override
  public String toString() {
    return "ElasticMpscQueue{size=" + size() + ", capacity=" + capacity() + "}";
  }

  /** Consumer bookkeeping after a successful removal: periodic occupancy sample. */
  private void afterConsumerOperation(long consumerIndex) {
    if (++opsSinceSample >= sampleInterval) {
      opsSinceSample = 0;
      sampleOccupancy(consumerIndex);
    }
  }

  private void onEmptyPoll(long consumerIndex) {
    opsSinceSample = 0;
    sampleOccupancy(consumerIndex);
    // A shrink that just closed the buffer here lets the consumer drop the big array right away.
    Buffer buffer = consumerBuffer;
    while (buffer.endAcquire() == consumerIndex) {
      buffer = advanceConsumerBuffer(buffer);
    }
  }

  /**
   * Consumer-driven shrink decision (see the implementation notes). Uses one CAS attempt; if a
   * producer holds the word or has just moved it, the decision waits for the next sample.
   */
  private void sampleOccupancy(long consumerIndex) {
    int capacity = capacityAcquire();
    long word = producerIndexWordAcquire();
    int size = (int) ((word >>> 1) - consumerIndex);
    notePeak(size);
    if (capacity <= minCapacity || size > capacity * config.shrinkThreshold()) {
      lowStreak = 0;
      return;
    }
    if (++lowStreak < shrinkStreak || (word & RESIZE_BIT) != 0) {
      return;
    }
    if (!casProducerIndexWord(word, word | RESIZE_BIT)) {
      return;
    }
    try {
      // Holding the bit: no index can be claimed, so size is exact (NoShrinkBelowSize).
      int target = capacityAcquire();
      do {
        target = config.shrunkCapacity(target, size);
      } while (size == 0 && target > minCapacity);
      if (target < capacityAcquire()) {
        resize(word >>> 1, target);
        shrinks = shrinks + 1;
      }
      lowStreak = 0;
    } finally {
      setProducerIndexWordRelease(word);
    }
  }

  private void notePeakAfterOffer(long index) {
    long consumerIndex = consumerIndexAcquire();
    consumerIndexCache = consumerIndex;
    notePeak((int) Math.min(index + 1 - consumerIndex, maxCapacity));
  }

  private static void storeElementRelease(Buffer buffer, long index, Object e) {
    buffer.storeRelease(index, e);
  }

  static int tableSizeFor(int capacity) {
    int n = -1 >>> Integer.numberOfLeadingZeros(Math.max(1, capacity) - 1);
    return n < 0 ? 1 : n + 1;
  }

  /**
   * One ring array of the chain and its index range. INTERNAL: package-private for the
   * fault-injection tests.
   */
  static final class Buffer {
    private static final VarHandle END;

    static {
      try {
        END = MethodHandles.lookup().findVarHandle(Buffer.class, "endDoNotTouch", long.class);
      } catch (ReflectiveOperationException e) {
        throw new ExceptionInInitializerError(e);
      }
    }

    private final Object[] slots;
    private final int mask;
    final long base;
    /** First index not in this buffer, OPEN while producers still claim into it. */
    private volatile long endDoNotTouch = OPEN;
    /** The successor, set before end is released. */
    Buffer next;

    Buffer(int length, long base) {
      this.slots = new Object[length];
      this.mask = length - 1;
      this.base = base;
    }

    int length() {
      return slots.length;
    }

    long endAcquire() {
      return (long) END.getAcquire(this);
    }

    void setEndRelease(long end) {
      END.setRelease(this, end); // next visible before end
    }

    Object loadAcquire(long index) {
      return SLOTS.getAcquire(slots, (int) (index & mask));
    }

    void storeRelease(long index, Object e) {
      SLOTS.setRelease(slots, (int) (index & mask), e); // element fields visible before element
    }

    void clear(long index) {
      SLOTS.setOpaque(slots, (int) (index & mask), null);
    }

    /** Lets a fault-injection test read the raw slot. */
    Object loadPlain(long index) {
      return SLOTS.get(slots, (int) (index & mask));
    }
  }
}
