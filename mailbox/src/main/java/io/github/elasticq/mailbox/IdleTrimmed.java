package io.github.elasticq.mailbox;

/**
 * A message queue with {@code burst-memory = on}, whose idle trim the {@link MailboxRegistry}'s
 * timer drives: {@link BurstMemoryMessageQueue} ({@link ElasticMailbox}) and {@link
 * BurstMemoryQosMessageQueue} ({@link QosMailbox}).
 */
interface IdleTrimmed {

  /** {@code idle-shrink-after} in nanoseconds; the registry checks about twice as often. */
  long idleNanos();

  /**
   * The registry's idle check, on its timer thread (one at a time), at time {@code nowNanos}: marks
   * what should be trimmed and schedules the owner's mailbox, whose run does the trim.
   *
   * @return true if a trim was requested
   */
  boolean checkIdle(long nowNanos);
}
