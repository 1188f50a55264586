package io.github.elasticq.queue;

import java.util.Queue;

/**
 * What every single ElasticQ queue offers besides {@link Queue}: its sizing policy, its current
 * logical capacity, its counters and a peak window for metrics pollers. Implemented by {@link
 * ElasticMpscQueue}, {@link CompactElasticMpscQueue} and {@link ElasticBuffer}; the mailboxes and
 * the metrics read every queue through it.
 *
 * <p>Every method here may be called from any thread; which threads may call the {@link Queue}
 * methods is up to the implementation (one consumer for the MPSC queues).
 *
 * @param <E> the element type
 */
public interface ElasticQueue<E> extends Queue<E> {
  /** The sizing policy the queue was built with. */
  QueueConfig config();

  /** The current logical capacity, in {@code [minCapacity, maxCapacity]}. */
  int capacity();

  /** Counters and sizes; reading them does not slow the hot path. */
  QueueStats stats();

  /**
   * The largest size seen since the previous call (or since creation), then starts a new window at
   * the current size. Meant for one metrics poller: every call ends the window of every other
   * caller.
   */
  int takePeakWindow();
}
