package io.github.elasticq.persistence.management;

/**
 * The failure of {@link JournalStartupCheck} and {@link JournalReadinessCheck}: its message names
 * each journal that is not ready and why; Pekko Management returns it in the {@code 500} body.
 */
public final class JournalNotReadyException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  JournalNotReadyException(String message) {
    super(message, null, false, false);
  }
}
