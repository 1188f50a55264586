package io.github.elasticq.mailbox;

import org.apache.pekko.dispatch.MessageQueue;
import org.apache.pekko.dispatch.MultipleConsumerSemantics;

/**
 * Semantics of the message queue produced by {@link ElasticSharedMailbox}: many producers and many
 * consumers, so one queue can be shared by the routees of a {@code BalancingPool} or the actors of
 * a {@code BalancingDispatcher}; elastic capacity bounded by {@code max-capacity}, overflow to dead
 * letters without blocking the sender.
 *
 * <p>Extends Pekko's {@link MultipleConsumerSemantics}, the requirement balancing dispatchers
 * check. Marker only.
 */
public interface ElasticSharedMessageQueueSemantics
    extends MessageQueue, MultipleConsumerSemantics {}
