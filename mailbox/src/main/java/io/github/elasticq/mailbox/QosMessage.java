package io.github.elasticq.mailbox;

/**
 * A message that carries its own quality-of-service level, used by {@link QosMailbox} when no
 * {@link QosClassifier} is configured. Messages that do not implement it go to the mailbox's {@code
 * default-level}.
 *
 * <p>{@link #qosLevel()} is called on the sending thread; a result outside {@code [0, levels-1]} is
 * clamped to the nearest level and counted; if it throws, the message is queued at {@code
 * default-level} (see {@link QosClassifier}).
 */
public interface QosMessage {

  /** This message's level; higher is more urgent. Must be cheap and side-effect free. */
  int qosLevel();
}
