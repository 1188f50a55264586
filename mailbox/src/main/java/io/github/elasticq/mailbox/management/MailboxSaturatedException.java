package io.github.elasticq.mailbox.management;

/**
 * The failure of {@link MailboxReadinessCheck}: its message names every saturated mailbox with its
 * figures, and Pekko Management returns it in the body of the {@code 500} response.
 */
public final class MailboxSaturatedException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  MailboxSaturatedException(String message) {
    super(message, null, false, false);
  }
}
