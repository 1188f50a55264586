package io.github.elasticq.queue;

import java.util.Locale;

/**
 * Immutable sizing policy shared by every elastic queue: where capacity starts, the bounds it moves
 * between, how fast it grows and when it shrinks.
 *
 * <p>Instances are built with {@link #builder()} and validated by {@link Builder#build()}; an
 * invalid combination throws {@link IllegalArgumentException} whose message names the field and the
 * offending value. Instances are safe to share between threads.
 */
public final class QueueConfig {

  /**
   * The largest initial and min capacity {@link Builder#build()} accepts, and the most elements any
   * elastic queue holds: 2<sup>30</sup>, the largest power of two an {@code int} holds (the
   * lock-free queues round their arrays up to a power of two, and no array may reach 2<sup>31</sup>
   * slots). A larger max capacity is accepted (e.g. {@code Integer.MAX_VALUE} for "no bound"); the
   * queues then grow no further than 2<sup>30</sup> ({@link #grownCapacity}) and are full there.
   */
  public static final int CAPACITY_LIMIT = 1 << 30;

  private static final QueueConfig DEFAULTS = builder().build();

  private final int initialCapacity;
  private final int minCapacity;
  private final int maxCapacity;
  private final double growthFactor;
  private final double shrinkThreshold;
  private final boolean burstMemory;

  /**
   * The lock-free queues' test seams (start index, shrink cadence), carried by the configuration so
   * that a queue holds one reference for both (the compact queue has no byte to spare); {@code
   * AbstractElasticMpscQueue.Tuning.DEFAULT} except in the copy a test-seam constructor makes. Not
   * part of the sizing policy: equals, hashCode, toString and toBuilder ignore it.
   */
  final AbstractElasticMpscQueue.Tuning tuning;

  private QueueConfig(Builder b, AbstractElasticMpscQueue.Tuning tuning) {
    this.initialCapacity = b.initialCapacity;
    this.minCapacity = b.minCapacity;
    this.maxCapacity = b.maxCapacity;
    this.growthFactor = b.growthFactor;
    this.shrinkThreshold = b.shrinkThreshold;
    this.burstMemory = b.burstMemory;
    this.tuning = tuning;
  }

  /** This policy with {@code tuning}: this instance if it already has it, else a copy. */
  QueueConfig withTuning(AbstractElasticMpscQueue.Tuning tuning) {
    return tuning == this.tuning ? this : new QueueConfig(toBuilder(), tuning);
  }

  /** The {@code elasticq} defaults: initial 1024, min 1024, max 65536, growth 2.0, shrink 0.25. */
  public static QueueConfig defaults() {
    return DEFAULTS;
  }

  /** A builder preloaded with {@link #defaults()}. */
  public static Builder builder() {
    return new Builder();
  }

  /** A builder preloaded with this configuration's values. */
  public Builder toBuilder() {
    return new Builder()
        .initialCapacity(initialCapacity)
        .minCapacity(minCapacity)
        .maxCapacity(maxCapacity)
        .growthFactor(growthFactor)
        .shrinkThreshold(shrinkThreshold)
        .burstMemory(burstMemory);
  }

  /** Capacity of a new queue. */
  public int initialCapacity() {
    return initialCapacity;
  }

  /** Capacity below which a queue never shrinks. */
  public int minCapacity() {
    return minCapacity;
  }

  /** Hard bound: a queue never holds more elements than this. */
  public int maxCapacity() {
    return maxCapacity;
  }

  /** Multiplier applied on growth (and divisor on shrink); strictly greater than 1. */
  public double growthFactor() {
    return growthFactor;
  }

  /** Occupancy fraction of capacity at or below which a queue considers shrinking. */
  public double shrinkThreshold() {
    return shrinkThreshold;
  }

  /**
   * Whether a shrink step waits for about {@code capacity} consumer operations at low occupancy
   * (see {@link Builder#burstMemory(boolean)}); false by default.
   */
  public boolean burstMemory() {
    return burstMemory;
  }

  /**
   * How many consecutive low-occupancy observations a queue at {@code capacity} needs before a
   * shrink step: {@code streak} (the queue's own short hysteresis) without burst memory; with it,
   * at least {@code capacity / operationsPerObservation} (about {@code capacity} consumer
   * operations), capped at {@link Short#MAX_VALUE} observations.
   */
  int shrinkStreak(int capacity, int streak, int operationsPerObservation) {
    if (!burstMemory) {
      return streak;
    }
    return Math.max(streak, Math.min(capacity / operationsPerObservation, Short.MAX_VALUE));
  }

  /**
   * The most elements a queue of this configuration holds: {@code maxCapacity}, or {@link
   * #CAPACITY_LIMIT} if that is smaller (a larger max capacity means "no bound" and counts as the
   * limit: no queue allocates an array beyond it). Management's saturation and the QoS shedding
   * threshold are fractions of this.
   */
  public int heldAtMost() {
    return Math.min(maxCapacity, CAPACITY_LIMIT);
  }

  /**
   * The capacity after one growth step from {@code capacity}: {@code min(bound, ceil(capacity ×
   * growthFactor))}, and always at least one more than {@code capacity} while below the bound,
   * which is {@code maxCapacity} or {@link #CAPACITY_LIMIT}, whichever is smaller (no queue
   * allocates an array beyond that limit: with a larger max capacity, growth stops there).
   */
  public int grownCapacity(int capacity) {
    int bound = heldAtMost();
    double grown = Math.ceil(capacity * growthFactor);
    long next = grown >= bound ? bound : Math.max((long) grown, capacity + 1L);
    return (int) Math.min(next, bound);
  }

  /**
   * The capacity after one shrink step from {@code capacity}: {@code ceil(capacity /
   * growthFactor)}, and always at least one less than {@code capacity} (with a growth factor below
   * 2 the division alone does not shrink a small capacity: {@code ceil(2 / 1.5) = 2}); never below
   * {@code minCapacity} nor below {@code size}. So repeated steps from any capacity reach {@code
   * max(minCapacity, size)}.
   */
  public int shrunkCapacity(int capacity, int size) {
    int next = (int) Math.min(Math.ceil(capacity / growthFactor), capacity - 1L);
    return Math.max(Math.max(next, minCapacity), size);
  }

  /**
   * Whether one shrink step from {@code capacity} would land at {@code size} or below, so that only
   * the size bound of {@link #shrunkCapacity} keeps it above: the queue is not underused relative
   * to one step, and the step would leave it full, for the next offer to grow it again. Possible
   * only with {@code shrinkThreshold × growthFactor >= 1} (or with the one-slot step of a growth
   * factor below 2 at a small capacity). The queues' consumers (and the streams' ring buffer) skip
   * such a step, so a steady size does not grow and shrink on every cycle; the size bound stays as
   * the safety net.
   *
   * @param capacity the capacity a step would start from
   * @param size the size (or recent peak) the step would have to hold
   * @return true if the step would be bounded by {@code size} (never for an empty queue)
   */
  public boolean shrinkStepBoundedBySize(int capacity, int size) {
    return size > 0 && shrunkCapacity(capacity, 0) <= size;
  }

  @Override
  public boolean equals(Object o) {
    if (this == o) {
      return true;
    }
    if (!(o instanceof QueueConfig)) {
      return false;
    }
    QueueConfig other = (QueueConfig) o;
    return initialCapacity == other.initialCapacity
        && minCapacity == other.minCapacity
        && maxCapacity == other.maxCapacity
        && Double.compare(growthFactor, other.growthFactor) == 0
        && Double.compare(shrinkThreshold, other.shrinkThreshold) == 0
        && burstMemory == other.burstMemory;
  }

  @Override
  public int hashCode() {
    int h = initialCapacity;
    h = 31 * h + minCapacity;
    h = 31 * h + maxCapacity;
    h = 31 * h + Double.hashCode(growthFactor);
    h = 31 * h + Double.hashCode(shrinkThreshold);
    return 31 * h + Boolean.hashCode(burstMemory);
  }

  @Override
  public String toString() {
    return String.format(
        Locale.ROOT,
        "QueueConfig{initialCapacity=%d, minCapacity=%d, maxCapacity=%d, growthFactor=%s,"
            + " shrinkThreshold=%s, burstMemory=%s}",
        initialCapacity,
        minCapacity,
        maxCapacity,
        growthFactor,
        shrinkThreshold,
        burstMemory);
  }

  /** Mutable builder; not thread-safe. Every setter returns {@code this}. */
  public static final class Builder {
    private int initialCapacity = 1024;
    private int minCapacity = 1024;
    private int maxCapacity = 65536;
    private double growthFactor = 2.0;
    private double shrinkThreshold = 0.25;
    private boolean burstMemory;

    private Builder() {}

    /** Capacity of a new queue; must satisfy min ≤ initial ≤ max. */
    public Builder initialCapacity(int initialCapacity) {
      this.initialCapacity = initialCapacity;
      return this;
    }

    /** Lower bound for shrinking; must be &gt; 0 and at most {@link QueueConfig#CAPACITY_LIMIT}. */
    public Builder minCapacity(int minCapacity) {
      this.minCapacity = minCapacity;
      return this;
    }

    /**
     * Upper bound on the number of elements held; must be &gt; 0 (the queues hold at most {@link
     * QueueConfig#CAPACITY_LIMIT} whatever it is).
     */
    public Builder maxCapacity(int maxCapacity) {
      this.maxCapacity = maxCapacity;
      return this;
    }

    /** Growth multiplier; must be a finite number &gt; 1.0. */
    public Builder growthFactor(double growthFactor) {
      this.growthFactor = growthFactor;
      return this;
    }

    /**
     * Shrink threshold; must lie strictly between 0 and 1. Keep {@code shrinkThreshold ×
     * growthFactor < 1} (the defaults give 0.5): then the occupancy right after a shrink stays
     * below the next grow, which is the hysteresis. With a product at or above 1 one shrink step
     * can reach the current size; the queues skip such a step (it would leave the queue full, and
     * the next offer would grow it again: a steady size would resize on every cycle), so the queue
     * shrinks only when the occupancy falls below one step. Taking that step is what let one
     * producer that read the capacity before the shrink claim one element beyond the new logical
     * capacity in the TLA+ model (never beyond {@code maxCapacity}; found by TLC,
     * tla/src/main/tla/ElasticMpscQueue-threshold-overshoot-SizeWithinCapacity.cfg). The streams'
     * {@code ElasticRingBuffer} (under {@code ElasticFlow.buffer}) skips such a step too.
     */
    public Builder shrinkThreshold(double shrinkThreshold) {
      this.shrinkThreshold = shrinkThreshold;
      return this;
    }

    /**
     * Remember recurring bursts (default false). Without it a queue shrinks after a short streak of
     * low-occupancy observations, so a queue that takes a burst of the same size every few thousand
     * operations allocates its big arrays again on every burst (and a smaller one on the way down).
     * With it, a shrink step from capacity C waits until occupancy has stayed at or below {@code
     * shrinkThreshold × C} for about C consumer operations (polls, drains, empty polls; every
     * operation that sees occupancy above the threshold starts the count again), so the capacity
     * that recurring bursts need is kept. No clock is used: a drained queue whose consumer keeps
     * polling still returns to {@code minCapacity}, after at most about {@code maxCapacity}
     * consumer operations for the MPSC queues (each empty poll counts, and an empty queue takes
     * every step at once) and {@code 2 × maxCapacity} for {@link ElasticBuffer} (one step per
     * streak). A Pekko mailbox calls poll only while it has messages (its run ends with one empty
     * poll), so an idle mailbox would keep its capacity: the mailbox types leave this off.
     */
    public Builder burstMemory(boolean burstMemory) {
      this.burstMemory = burstMemory;
      return this;
    }

    /**
     * Validates and builds.
     *
     * @throws IllegalArgumentException naming the first field that is out of range, and its value
     */
    public QueueConfig build() {
      capacity("initialCapacity", initialCapacity);
      capacity("minCapacity", minCapacity);
      if (maxCapacity <= 0) {
        throw new IllegalArgumentException("maxCapacity must be > 0, was " + maxCapacity);
      }
      if (minCapacity > maxCapacity) {
        throw new IllegalArgumentException(
            "minCapacity (" + minCapacity + ") must be <= maxCapacity (" + maxCapacity + ")");
      }
      if (initialCapacity < minCapacity) {
        throw new IllegalArgumentException(
            "initialCapacity ("
                + initialCapacity
                + ") must be >= minCapacity ("
                + minCapacity
                + ")");
      }
      if (initialCapacity > maxCapacity) {
        throw new IllegalArgumentException(
            "initialCapacity ("
                + initialCapacity
                + ") must be <= maxCapacity ("
                + maxCapacity
                + ")");
      }
      if (!(growthFactor > 1.0) || Double.isInfinite(growthFactor)) {
        throw new IllegalArgumentException(
            "growthFactor must be a finite number > 1.0, was " + growthFactor);
      }
      if (!(shrinkThreshold > 0.0 && shrinkThreshold < 1.0)) {
        throw new IllegalArgumentException(
            "shrinkThreshold must be > 0 and < 1, was " + shrinkThreshold);
      }
      return new QueueConfig(this, AbstractElasticMpscQueue.Tuning.DEFAULT);
    }

    private static void capacity(String field, int value) {
      if (value <= 0) {
        throw new IllegalArgumentException(field + " must be > 0, was " + value);
      }
      if (value > CAPACITY_LIMIT) {
        throw new IllegalArgumentException(
            field + " must be <= " + CAPACITY_LIMIT + " (2^30), was " + value);
      }
    }
  }
}
