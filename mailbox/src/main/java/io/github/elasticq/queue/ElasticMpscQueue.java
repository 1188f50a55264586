package io.github.elasticq.queue;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/*
 * Layout notes (the algorithm and its implementation notes are in AbstractElasticMpscQueue)
 *
 * The hot fields sit in holder classes separated by 64 bytes of padding, in the JCTools manner
 * (superclass fields are laid out first, so the class chain fixes the order):
 *
 *   AbstractElasticMpscQueue         cold: config, counters (producers read the window peak)
 *   ElasticMpscQueuePad0             64 B
 *   ElasticMpscQueueProducerFields   producer index word, producer buffer, capacity, cache of the
 *                                    consumer index: CAS'd by every offer
 *   ElasticMpscQueuePad1             64 B
 *   ElasticMpscQueueConsumerFields   consumer index, consumer buffer, shrink counters: written by
 *                                    every poll
 *   ElasticMpscQueuePad2             64 B (nothing allocated after the object shares its line)
 *   ElasticMpscQueue                 constructors only
 *
 * What the padding buys: the consumer's release of its index on every poll does not invalidate
 * the line producers CAS the producer index word on, and neither shares a line with a
 * neighbouring object. It costs 192 bytes per queue; CompactElasticMpscQueue is the same
 * algorithm without it, for the mailboxes. Each accessor below is a final method of the class
 * declaring its field.
 */

abstract class ElasticMpscQueuePad0<E> extends AbstractElasticMpscQueue<E> {
  byte b000, b001, b002, b003, b004, b005, b006, b007;
  byte b010, b011, b012, b013, b014, b015, b016, b017;
  byte b020, b021, b022, b023, b024, b025, b026, b027;
  byte b030, b031, b032, b033, b034, b035, b036, b037;
  byte b040, b041, b042, b043, b044, b045, b046, b047;
  byte b050, b051, b052, b053, b054, b055, b056, b057;
  byte b060, b061, b062, b063, b064, b065, b066, b067;
  byte b070, b071, b072, b073, b074, b075, b076, b077;

  ElasticMpscQueuePad0(
      QueueConfig config, long initialIndex, int sampleInterval, int shrinkStreak) {
    super(config, initialIndex, sampleInterval, shrinkStreak);
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
              Object[].class);
      CAPACITY =
          lookup.findVarHandle(
              ElasticMpscQueueProducerFields.class, "capacityDoNotTouch", int.class);
    } catch (ReflectiveOperationException e) {
      throw new ExceptionInInitializerError(e);
    }
  }

  /** 2 x (next index to claim) + resize bit; reached only through the VarHandle. */
  private volatile long producerIndexWordDoNotTouch;
  /** The open buffer that receives new indexes, null until the first offer; VarHandle only. */
  private volatile Object[] producerBufferDoNotTouch;
  /** Logical capacity; reached only through the VarHandle. */
  private volatile int capacityDoNotTouch;
  /**
   * Producers' shared cache of the consumer index: a lower bound, written racily (any recent
   * value is correct because the consumer index only grows).
   */
  private long consumerIndexCache;

  ElasticMpscQueueProducerFields(
      QueueConfig config, long initialIndex, int sampleInterval, int shrinkStreak) {
    super(config, initialIndex, sampleInterval, shrinkStreak);
    consumerIndexCache = initialIndex;
    setCapacityRelease(config.initialCapacity());
    setProducerIndexWordRelease(initialIndex << 1); // no buffer yet: the first offer links one
  }

  @Override
  final long producerIndexWordAcquire() {
    return (long) PRODUCER_INDEX_WORD.getAcquire(this);
  }

  @Override
  final void setProducerIndexWordRelease(long word) {
    PRODUCER_INDEX_WORD.setRelease(this, word);
  }

  @Override
  final boolean casProducerIndexWord(long expect, long update) {
    return PRODUCER_INDEX_WORD.compareAndSet(this, expect, update);
  }

  @Override
  final Object[] producerBufferAcquire() {
    return (Object[]) PRODUCER_BUFFER.getAcquire(this);
  }

  @Override
  final void setProducerBufferRelease(Object[] buffer) {
    PRODUCER_BUFFER.setRelease(this, buffer);
  }

  @Override
  final int capacityAcquire() {
    return (int) CAPACITY.getAcquire(this);
  }

  @Override
  final void setCapacityRelease(int capacity) {
    CAPACITY.setRelease(this, capacity);
  }

  @Override
  final long consumerIndexCachePlain() {
    return consumerIndexCache;
  }

  @Override
  final void setConsumerIndexCachePlain(long consumerIndex) {
    consumerIndexCache = consumerIndex;
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

  ElasticMpscQueuePad1(
      QueueConfig config, long initialIndex, int sampleInterval, int shrinkStreak) {
    super(config, initialIndex, sampleInterval, shrinkStreak);
  }
}

/** Consumer-side fields: written by the consumer thread (and once by the first offer). */
abstract class ElasticMpscQueueConsumerFields<E> extends ElasticMpscQueuePad1<E> {
  private static final VarHandle CONSUMER_INDEX;
  private static final VarHandle CONSUMER_BUFFER;

  static {
    try {
      MethodHandles.Lookup lookup = MethodHandles.lookup();
      CONSUMER_INDEX =
          lookup.findVarHandle(
              ElasticMpscQueueConsumerFields.class, "consumerIndexDoNotTouch", long.class);
      CONSUMER_BUFFER =
          lookup.findVarHandle(
              ElasticMpscQueueConsumerFields.class,
              "consumerBufferDoNotTouch",
              Object[].class);
    } catch (ReflectiveOperationException e) {
      throw new ExceptionInInitializerError(e);
    }
  }

  /** Next index to consume; reached only through the VarHandle. */
  private volatile long consumerIndexDoNotTouch;
  /** The buffer holding the consumer index, null until the first offer; VarHandle only. */
  private Object[] consumerBufferDoNotTouch;
  /** Low 32 bits of the consumer index at which the next occupancy sample is due; consumer-private. */
  private int nextSampleIndex;
  /** Consecutive low-occupancy samples; consumer-private. */
  private int lowStreak;
  /** The previous poll took an element; consumer-private. */
  private boolean pollWarm;
  /** Low 32 bits of the producer index the previous sample read; consumer-private. */
  private int sampledProducerIndex;

  ElasticMpscQueueConsumerFields(
      QueueConfig config, long initialIndex, int sampleInterval, int shrinkStreak) {
    super(config, initialIndex, sampleInterval, shrinkStreak);
    setConsumerIndexRelease(initialIndex);
    setOpsToSamplePlain(initialIndex, sampleInterval);
  }

  @Override
  final long consumerIndexAcquire() {
    return (long) CONSUMER_INDEX.getAcquire(this);
  }

  @Override
  final long consumerIndexPlain() {
    return (long) CONSUMER_INDEX.get(this);
  }

  @Override
  final void setConsumerIndexRelease(long index) {
    CONSUMER_INDEX.setRelease(this, index);
  }

  @Override
  final Object[] consumerBufferAcquire() {
    return (Object[]) CONSUMER_BUFFER.getAcquire(this);
  }

  @Override
  final void setConsumerBufferRelease(Object[] buffer) {
    CONSUMER_BUFFER.setRelease(this, buffer);
  }

  @Override
  final int opsToSamplePlain(long consumerIndex) {
    return nextSampleIndex - (int) consumerIndex; // the distance is far below 2^31
  }

  @Override
  final void setOpsToSamplePlain(long consumerIndex, int ops) {
    nextSampleIndex = (int) consumerIndex + ops;
  }

  @Override
  final int lowStreakPlain() {
    return lowStreak;
  }

  @Override
  final void setLowStreakPlain(int streak) {
    lowStreak = streak;
  }

  @Override
  final boolean pollWarmPlain() {
    return pollWarm;
  }

  @Override
  final void setPollWarmPlain(boolean warm) {
    pollWarm = warm;
  }

  @Override
  final int sampledProducerIndexPlain() {
    return sampledProducerIndex;
  }

  @Override
  final void setSampledProducerIndexPlain(int lowBits) {
    sampledProducerIndex = lowBits;
  }
}

/** The complete padded layout; {@link ElasticMpscQueue} only adds the constructors. */
abstract class ElasticMpscQueuePad2<E> extends ElasticMpscQueueConsumerFields<E> {
  byte b200, b201, b202, b203, b204, b205, b206, b207;
  byte b210, b211, b212, b213, b214, b215, b216, b217;
  byte b220, b221, b222, b223, b224, b225, b226, b227;
  byte b230, b231, b232, b233, b234, b235, b236, b237;
  byte b240, b241, b242, b243, b244, b245, b246, b247;
  byte b250, b251, b252, b253, b254, b255, b256, b257;
  byte b260, b261, b262, b263, b264, b265, b266, b267;
  byte b270, b271, b272, b273, b274, b275, b276, b277;

  ElasticMpscQueuePad2(
      QueueConfig config, long initialIndex, int sampleInterval, int shrinkStreak) {
    super(config, initialIndex, sampleInterval, shrinkStreak);
  }
}

/**
 * An elastic, lock-free, multi-producer single-consumer queue, padded against false sharing: the
 * general-purpose variant, for queues with busy producers and a busy consumer on different cores.
 * Per-actor mailboxes, where most queues are idle, use {@link CompactElasticMpscQueue}: the same
 * algorithm without the 192 bytes of padding.
 *
 * <p>It grows when a producer finds it full below {@link QueueConfig#maxCapacity()} and shrinks
 * back, driven by the consumer, when occupancy stays low; it never holds more than {@code
 * maxCapacity} elements, and holds no element array until its first offer. Threads,
 * happens-before and progress are those of {@link AbstractElasticMpscQueue}: {@code offer},
 * {@code size}, {@code isEmpty}, {@code capacity} and {@code stats} from any thread; {@code poll},
 * {@code peek}, {@code drain}, {@code remove}, {@code element} and {@code clear} from one consumer
 * thread at a time; everything a producer did before {@code offer} happens-before the return of
 * the {@code poll} that removes the element.
 *
 * <p>Not final only so that this package's fault-injection tests can override the package-private
 * seams ({@code takePublished}, {@code lookupBuffer}, {@code notePeak}); every public method is
 * final in {@link AbstractElasticMpscQueue} and every field accessor is package-private, so a
 * subclass elsewhere cannot change the algorithm.
 *
 * @param <E> element type; null elements are rejected
 */
public class ElasticMpscQueue<E> extends ElasticMpscQueuePad2<E> {

  /**
   * Creates an empty queue with {@link QueueConfig#initialCapacity()}; its first array is
   * allocated by the first offer. The queue must be published to other threads safely (a final
   * field, a volatile, a concurrent collection), like any object.
   *
   * @param config the sizing policy
   * @throws NullPointerException if {@code config} is null
   */
  public ElasticMpscQueue(QueueConfig config) {
    this(config, 0L, SAMPLE_INTERVAL, SHRINK_STREAK);
  }

  /**
   * Test seam: starts both indexes at {@code initialIndex} (to exercise large index values) and
   * sets the shrink cadence (so small model-checking scenarios reach a shrink).
   */
  ElasticMpscQueue(QueueConfig config, long initialIndex, int sampleInterval, int shrinkStreak) {
    super(config, initialIndex, sampleInterval, shrinkStreak);
  }
}
