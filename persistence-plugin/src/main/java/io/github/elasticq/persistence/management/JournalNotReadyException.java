package io.github.elasticq.persistence.management;

import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;

/**
 * The failure of {@link JournalStartupCheck} and {@link JournalReadinessCheck}: its message names
 * each journal that is not ready and why; Pekko Management returns it in the {@code 500} body.
 */
public final class JournalNotReadyException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  JournalNotReadyException(String message) {
    super(message, null, false, false);
  }

  /**
   * A check's answer from {@code problem} (null: ready): {@code true}, or failed with this
   * exception naming the problem, or with the exception reading the problem threw.
   */
  static CompletableFuture<Boolean> answer(Supplier<String> problem) {
    try {
      String found = problem.get();
      return found == null
          ? CompletableFuture.completedFuture(Boolean.TRUE)
          : CompletableFuture.failedFuture(new JournalNotReadyException(found));
    } catch (RuntimeException e) {
      return CompletableFuture.failedFuture(e);
    }
  }
}
