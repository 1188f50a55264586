package io.github.elasticq.mailbox;

import org.apache.pekko.dispatch.MessageQueue;
import org.apache.pekko.dispatch.UnboundedMessageQueueSemantics;

/**
 * Semantics of the message queue produced by {@link ElasticMailbox}: one consumer (the owning
 * actor), many producers, elastic capacity bounded by {@code max-capacity}, overflow to dead
 * letters without blocking the sender.
 *
 * <p>Actors that need exactly this mailbox declare {@code RequiresMessageQueue<
 * ElasticMessageQueueSemantics>} and map this interface to a mailbox section under {@code
 * pekko.actor.mailbox.requirements}. Marker only; all methods are those of {@link MessageQueue}.
 *
 * <p>It extends Pekko's {@link UnboundedMessageQueueSemantics}: the queue never blocks a sender and
 * its bound ({@code max-capacity}, 1,048,576 by default) is a safety valve rather than a
 * back-pressure mechanism, so Pekko accepts it wherever an unbounded queue is required, including
 * as {@code pekko.actor.default-mailbox} (the guardians require unbounded semantics).
 */
public interface ElasticMessageQueueSemantics
    extends MessageQueue, UnboundedMessageQueueSemantics {}
