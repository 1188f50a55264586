package io.github.elasticq.streams.javadsl;

import io.github.elasticq.queue.QueueStats;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.Done;
import org.apache.pekko.stream.QueueOfferResult;

/**
 * The materialized value of {@link QosSource#queue}: like {@link ElasticSourceQueue}, with a
 * priority level on every offer. The stream emits by the {@link io.github.elasticq.queue.QosQueue}
 * rules: {@code STRICT} always takes the highest non-empty level, {@code WEIGHTED} runs a weighted
 * round robin in which no level starves. Each level has its own elastic capacity. Same threading,
 * wake-up, completion and undelivered-element rules as {@link ElasticSourceQueue}.
 *
 * @param <T> element type; null is rejected
 */
public final class QosSourceQueue<T> {

  private final SourceQueueCore<T> core;
  private final int levels;

  QosSourceQueue(SourceQueueCore<T> core, int levels) {
    this.core = core;
    this.levels = levels;
  }

  /**
   * Inserts {@code element} at {@code level} without waiting; lock-free, any thread.
   *
   * @return enqueued, dropped (that level holds {@code maxCapacity} elements, or offers to that
   *     level wait for space: they go first), closed, or {@code Failure(cause)} after {@link #fail}
   * @throws NullPointerException if {@code element} is null
   * @throws IllegalArgumentException if {@code level} is not in {@code [0, levels)}
   */
  public QueueOfferResult offer(T element, int level) {
    return core.offer(element, checkLevel(level));
  }

  /**
   * Inserts {@code element} at {@code level}, waiting for space; always completes (see {@link
   * ElasticSourceQueue#offerAsync}). Each level admits its waiting offers in FIFO order as it gets
   * room, independently of the other levels: an offer waits only behind offers to its own level.
   *
   * @throws NullPointerException if {@code element} is null
   * @throws IllegalArgumentException if {@code level} is not in {@code [0, levels)}
   */
  public CompletionStage<QueueOfferResult> offerAsync(T element, int level) {
    return core.offerAsync(element, checkLevel(level));
  }

  /**
   * Stops accepting elements; the stream emits what is queued, then completes (without waiting for
   * demand once nothing is left). Any thread.
   */
  public void complete() {
    core.complete();
  }

  /**
   * Fails the stream at once; queued elements go to the undelivered handler. Any thread.
   *
   * @throws NullPointerException if {@code cause} is null
   */
  public void fail(Throwable cause) {
    core.fail(cause);
  }

  /** Completes when the stream completed or was cancelled; fails with the stream's failure. */
  public CompletionStage<Done> watchCompletion() {
    return core.watchCompletion();
  }

  /** Number of levels. */
  public int levels() {
    return levels;
  }

  /** Elements queued over all levels; any thread. */
  public int size() {
    return core.buffer().size();
  }

  /**
   * Counters summed over the levels ({@code rejected}: offers dropped, at max or while offers to
   * their level wait); any thread.
   */
  public QueueStats stats() {
    return core.stats();
  }

  /** Elements accepted but never emitted because the stream stopped first; any thread. */
  public long undeliveredCount() {
    return core.undeliveredCount();
  }

  /** Whether the queue refuses new offers; any thread. */
  public boolean isClosed() {
    return core.isClosed();
  }

  private int checkLevel(int level) {
    if (level < 0 || level >= levels) {
      throw new IllegalArgumentException("level must be in [0, " + levels + "), was " + level);
    }
    return level;
  }

  @Override
  public String toString() {
    return "QosSourceQueue{levels=" + levels + ", size=" + size() + "}";
  }
}
