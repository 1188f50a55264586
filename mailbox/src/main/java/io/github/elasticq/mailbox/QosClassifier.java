package io.github.elasticq.mailbox;

/**
 * Assigns a quality-of-service level to each message entering a {@link QosMailbox}.
 *
 * <p>Named by its fully qualified class name in the mailbox's {@code classifier} key and
 * instantiated once per mailbox type (that is, once per mailbox configuration section per actor
 * system) through a public constructor taking a {@code com.typesafe.config.Config} (the mailbox
 * section) or, failing that, a public no-argument constructor.
 *
 * <p>{@link #levelOf(Object)} runs on the sending thread, concurrently from many threads, inside
 * {@code tell}: it must be thread-safe, fast and must not block. If it throws, the message is
 * queued at {@code default-level} and the failure counted ({@link
 * QosMailbox#classificationFailures()}; the first one is logged as a warning): Pekko's {@code tell}
 * never hands such an exception to the sender. A result outside {@code [0, levels-1]} is clamped to
 * the nearest level and counted ({@link MailboxInfo#clampedLevels()}).
 */
@FunctionalInterface
public interface QosClassifier {

  /** The level of {@code message}; higher is more urgent. Called from any sending thread. */
  int levelOf(Object message);
}
