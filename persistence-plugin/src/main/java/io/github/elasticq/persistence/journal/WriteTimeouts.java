package io.github.elasticq.persistence.journal;

import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeoutException;
import scala.concurrent.Promise;

/**
 * The journal's write timeout: a write whose promise is not completed within {@code timeoutNanos}
 * is failed with a {@link TimeoutException}, as Pekko's circuit-breaker {@code call-timeout} would
 * fail it (the write may still be stored later). Pekko's breaker pays one scheduler timer per write
 * (schedule and cancel); this pays one queue entry per write and one periodic {@link #sweep} per
 * journal.
 *
 * <p>The log completes writes in the order they were appended, so the entries are kept in that
 * order and a sweep only looks at the head: it drops completed entries and fails the expired ones,
 * stopping at the first that is neither.
 *
 * <p>{@link #track} from the journal actor, {@link #sweep} from one scheduled task; thread-safe.
 */
final class WriteTimeouts {
  private record Entry(long deadlineNanos, Promise<?> promise) {}

  private final ConcurrentLinkedQueue<Entry> entries = new ConcurrentLinkedQueue<>();
  private final long timeoutNanos;

  /** The journal plugin's id (its config path), named in the timeout's message. */
  private final String pluginId;

  /** {@code timeoutNanos} <= 0: no timeout, {@link #track} keeps nothing. */
  WriteTimeouts(long timeoutNanos, String pluginId) {
    this.timeoutNanos = timeoutNanos;
    this.pluginId = pluginId;
  }

  boolean enabled() {
    return timeoutNanos > 0;
  }

  /** Watches {@code promise}, started at {@code nowNanos} ({@link System#nanoTime()}). */
  void track(Promise<?> promise, long nowNanos) {
    if (timeoutNanos > 0) {
      entries.add(new Entry(nowNanos + timeoutNanos, promise));
    }
  }

  /**
   * Forgets completed writes and fails those past their deadline at {@code nowNanos}.
   *
   * @return how many writes this sweep failed
   */
  int sweep(long nowNanos) {
    int failed = 0;
    Entry e;
    while ((e = entries.peek()) != null) {
      if (!e.promise.isCompleted() && nowNanos - e.deadlineNanos < 0) {
        break;
      }
      entries.poll();
      if (!e.promise.isCompleted()
          && e.promise.tryFailure(
              new TimeoutException(
                  pluginId
                      + ": write not completed within "
                      + timeoutNanos / 1_000_000
                      + " ms (write-timeout); it may still be stored"))) {
        failed++;
      }
    }
    return failed;
  }

  /** Writes watched and not yet swept. */
  int size() {
    return entries.size();
  }
}
