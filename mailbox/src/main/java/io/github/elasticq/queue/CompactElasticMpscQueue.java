package io.github.elasticq.queue;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * The elastic, lock-free, multi-producer single-consumer queue of {@link ElasticMpscQueue} without
 * its padding: the same algorithm (inherited from {@link AbstractElasticMpscQueue}, not copied),
 * with every field packed into one object. Made for per-actor mailboxes, where millions of queues
 * sit mostly idle and each one's footprint matters more than false sharing between a producer and a
 * consumer on different cores. A queue that was never offered to holds no element array.
 *
 * <p>What the padding of {@link ElasticMpscQueue} buys, and this class gives up: here the
 * consumer's release of its index on every poll and the producers' CAS of the producer index word
 * can share a cache line, so when producers and the consumer run on different cores at full speed
 * each side's write invalidates the other's line. A mailbox rarely runs that way: the actor
 * processes a few messages per scheduling and most of the time nobody touches the queue.
 *
 * <p>Threads, happens-before and progress are those of {@link AbstractElasticMpscQueue}: {@code
 * offer}, {@code size}, {@code isEmpty}, {@code capacity} and {@code stats} from any thread; {@code
 * poll}, {@code peek}, {@code drain}, {@code remove}, {@code element} and {@code clear} from one
 * consumer thread at a time; everything a producer did before {@code offer} happens-before the
 * return of the {@code poll} that removes the element.
 *
 * @param <E> element type; null elements are rejected
 */
public final class CompactElasticMpscQueue<E> extends AbstractElasticMpscQueue<E> {
  private static final VarHandle PRODUCER_INDEX_WORD;
  private static final VarHandle PRODUCER_BUFFER;
  private static final VarHandle CAPACITY;
  private static final VarHandle CONSUMER_INDEX;
  private static final VarHandle CONSUMER_BUFFER;

  static {
    try {
      MethodHandles.Lookup lookup = MethodHandles.lookup();
      Class<?> c = CompactElasticMpscQueue.class;
      PRODUCER_INDEX_WORD = lookup.findVarHandle(c, "producerIndexWordDoNotTouch", long.class);
      PRODUCER_BUFFER = lookup.findVarHandle(c, "producerBufferDoNotTouch", Object[].class);
      CAPACITY = lookup.findVarHandle(c, "capacityDoNotTouch", int.class);
      CONSUMER_INDEX = lookup.findVarHandle(c, "consumerIndexDoNotTouch", long.class);
      CONSUMER_BUFFER = lookup.findVarHandle(c, "consumerBufferDoNotTouch", Object[].class);
    } catch (ReflectiveOperationException e) {
      throw new ExceptionInInitializerError(e);
    }
  }

  // Producer side.
  /** 2 x (next index to claim) + resize bit; reached only through the VarHandle. */
  private volatile long producerIndexWordDoNotTouch;

  /** The open buffer that receives new indexes, null until the first offer; VarHandle only. */
  private volatile Object[] producerBufferDoNotTouch;

  /** Logical capacity; reached only through the VarHandle. */
  private volatile int capacityDoNotTouch;

  // Consumer side.
  /** Next index to consume; reached only through the VarHandle. */
  private volatile long consumerIndexDoNotTouch;

  /** The buffer holding the consumer index, null until the first offer; VarHandle only. */
  private Object[] consumerBufferDoNotTouch;

  /**
   * Low 16 bits of the consumer index at which the next occupancy sample is due; consumer-private.
   * The distance to it stays within a short: it is set to at most 32767 and checked at every take
   * (a release of more than 32767 taken elements samples at once instead of checking it).
   */
  private short nextSampleIndex;

  /**
   * Consumer-private: in the low 15 bits the consecutive low-occupancy samples (at most 32767), in
   * the sign bit whether the previous poll took an element (one field for both: footprint).
   */
  private short lowStreakAndWarm;

  /**
   * Low 32 bits of the producer index the previous occupancy sample above min read;
   * consumer-private (the 4 bytes the test seams' reference gave up: the object stays 64 bytes).
   */
  private int sampledProducerIndex;

  /**
   * Creates an empty queue with {@link QueueConfig#initialCapacity()}; its first array is allocated
   * by the first offer. The queue must be published to other threads safely (a final field, a
   * volatile, a concurrent collection), like any object.
   *
   * @param config the sizing policy, typically shared by all queues of one mailbox type
   * @throws NullPointerException if {@code config} is null
   */
  public CompactElasticMpscQueue(QueueConfig config) {
    this(config, 0L, SAMPLE_INTERVAL, SHRINK_STREAK);
  }

  /**
   * Test seam: starts both indexes at {@code initialIndex} (to exercise large index values) and
   * sets the shrink cadence (so small model-checking scenarios reach a shrink).
   */
  CompactElasticMpscQueue(
      QueueConfig config, long initialIndex, int sampleInterval, int shrinkStreak) {
    super(config, initialIndex, sampleInterval, shrinkStreak);
    setConsumerIndexRelease(initialIndex);
    setCapacityRelease(config.initialCapacity());
    setProducerIndexWordRelease(initialIndex << 1); // no buffer yet: the first offer links one
    setOpsToSamplePlain(initialIndex, sampleInterval);
  }

  @Override
  long producerIndexWordAcquire() {
    return (long) PRODUCER_INDEX_WORD.getAcquire(this);
  }

  @Override
  void setProducerIndexWordRelease(long word) {
    PRODUCER_INDEX_WORD.setRelease(this, word);
  }

  @Override
  boolean casProducerIndexWord(long expect, long update) {
    return PRODUCER_INDEX_WORD.compareAndSet(this, expect, update);
  }

  @Override
  Object[] producerBufferAcquire() {
    return (Object[]) PRODUCER_BUFFER.getAcquire(this);
  }

  @Override
  void setProducerBufferRelease(Object[] buffer) {
    PRODUCER_BUFFER.setRelease(this, buffer);
  }

  @Override
  int capacityAcquire() {
    return (int) CAPACITY.getAcquire(this);
  }

  @Override
  void setCapacityRelease(int capacity) {
    CAPACITY.setRelease(this, capacity);
  }

  /**
   * No separate cache here: the consumer index itself, read opaque (atomic and never older than a
   * value this thread saw before; the index only grows, so it is a lower bound as the cache is).
   * The padded layout keeps a producers' copy so that they need not read the consumer's cache line;
   * in this layout the index lies next to the producer index word, in the line producers CAS
   * anyway, and the copy would cost every queue 8 bytes (idle footprint: 72 -> 64 bytes).
   */
  @Override
  long consumerIndexCachePlain() {
    return (long) CONSUMER_INDEX.getOpaque(this);
  }

  /** Nothing to refresh: {@link #consumerIndexCachePlain} reads the index itself. */
  @Override
  void setConsumerIndexCachePlain(long consumerIndex) {}

  @Override
  long consumerIndexAcquire() {
    return (long) CONSUMER_INDEX.getAcquire(this);
  }

  @Override
  long consumerIndexPlain() {
    return (long) CONSUMER_INDEX.get(this);
  }

  @Override
  void setConsumerIndexRelease(long index) {
    CONSUMER_INDEX.setRelease(this, index);
  }

  @Override
  Object[] consumerBufferAcquire() {
    return (Object[]) CONSUMER_BUFFER.getAcquire(this);
  }

  @Override
  void setConsumerBufferRelease(Object[] buffer) {
    CONSUMER_BUFFER.setRelease(this, buffer);
  }

  @Override
  int opsToSamplePlain(long consumerIndex) {
    return (short) (nextSampleIndex - (int) consumerIndex); // |distance| <= MAX_OPS_PER_SAMPLE
  }

  @Override
  void setOpsToSamplePlain(long consumerIndex, int ops) {
    nextSampleIndex = (short) ((int) consumerIndex + ops);
  }

  @Override
  int lowStreakPlain() {
    return lowStreakAndWarm & Short.MAX_VALUE;
  }

  @Override
  void setLowStreakPlain(int streak) {
    int capped = Math.min(streak, Short.MAX_VALUE); // grows past the streak while blocked
    lowStreakAndWarm = (short) ((lowStreakAndWarm & WARM_BIT) | capped);
  }

  @Override
  boolean pollWarmPlain() {
    return lowStreakAndWarm < 0;
  }

  @Override
  void setPollWarmPlain(boolean warm) {
    int streak = lowStreakAndWarm & Short.MAX_VALUE;
    lowStreakAndWarm = (short) (warm ? streak | WARM_BIT : streak);
  }

  @Override
  int sampledProducerIndexPlain() {
    return sampledProducerIndex;
  }

  @Override
  void setSampledProducerIndexPlain(int lowBits) {
    sampledProducerIndex = lowBits;
  }

  /** The sign bit of {@link #lowStreakAndWarm}. */
  private static final int WARM_BIT = 0x8000;
}
