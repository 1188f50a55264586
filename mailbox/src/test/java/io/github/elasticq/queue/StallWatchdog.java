package io.github.elasticq.queue;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

/**
 * Runs a test's consumer loop on a thread of its own and fails the test fast, naming what it saw,
 * when the loop stops making progress.
 *
 * <p>Why: a queue bug that loses the publication of a claimed slot (a producer writing into a
 * retired buffer, say) makes the consumer spin inside {@code poll} waiting for an element that will
 * never come. JUnit's {@code @Timeout} cannot interrupt a spinning thread, so such a bug would hang
 * the build until CI's limit. Here the calling thread watches a progress counter; when it stands
 * still for {@code stallLimit} the watchdog raises {@code abort} (producers that check it give up),
 * records where the consumer was, stops the consumer thread (test code only, see {@link #stop}) and
 * throws an {@link AssertionError} with the counter, the caller's description of the queue state
 * and the consumer's stack.
 */
final class StallWatchdog {
  /** A consumer loop; may throw (assertion failures are rethrown on the calling thread). */
  interface Body {
    void run() throws Exception;
  }

  private StallWatchdog() {}

  static void run(
      String what,
      Duration stallLimit,
      AtomicBoolean abort,
      LongSupplier progress,
      Supplier<String> state,
      Body consumer)
      throws Exception {
    AtomicReference<Throwable> failure = new AtomicReference<>();
    Thread t =
        new Thread(
            () -> {
              try {
                consumer.run();
              } catch (Throwable e) {
                failure.set(e);
              }
            },
            what + "-consumer");
    t.setDaemon(true);
    t.start();
    long last = progress.getAsLong();
    long lastChange = System.nanoTime();
    while (t.isAlive()) {
      t.join(100);
      long now = progress.getAsLong();
      if (now != last) {
        last = now;
        lastChange = System.nanoTime();
      } else if (t.isAlive() && System.nanoTime() - lastChange > stallLimit.toNanos()) {
        abort.set(true);
        StringBuilder stack = new StringBuilder();
        for (StackTraceElement e : t.getStackTrace()) {
          stack.append("\n    at ").append(e);
        }
        String description = state.get();
        stop(t);
        throw new AssertionError(
            what
                + " made no progress for "
                + stallLimit.toSeconds()
                + " s (stuck after "
                + now
                + " elements; "
                + description
                + "); the consumer was at:"
                + stack);
      }
    }
    Throwable f = failure.get();
    if (f instanceof Exception) {
      throw (Exception) f;
    }
    if (f instanceof Error) {
      throw (Error) f;
    }
  }

  /**
   * Stops a thread that spins without checking interrupts. {@code Thread.stop} is deprecated (and
   * gone after Java 19), but on the Java 17 this project targets it still ends the spin; it is only
   * ever used here, on a test thread that is already known to be stuck, so the rest of the test JVM
   * does not lose a core to it.
   */
  @SuppressWarnings({"removal", "deprecation"})
  private static void stop(Thread t) {
    try {
      t.stop();
    } catch (UnsupportedOperationException ignored) {
      // Java 20+: the daemon thread spins on until the test JVM exits
    }
  }
}
