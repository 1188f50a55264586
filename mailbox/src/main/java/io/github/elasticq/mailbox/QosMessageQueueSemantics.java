package io.github.elasticq.mailbox;

import org.apache.pekko.dispatch.MessageQueue;

/**
 * Semantics of the message queue produced by {@link QosMailbox}: one consumer, many producers,
 * Pekko {@code ControlMessage}s first, then user messages by quality-of-service level under the
 * configured fairness policy, FIFO within a level. Marker only.
 */
public interface QosMessageQueueSemantics extends MessageQueue {}
