package io.github.elasticq.mailbox;

import io.github.elasticq.queue.CompactElasticMpscQueue;
import io.github.elasticq.queue.QueueConfig;
import org.apache.pekko.actor.ActorRef;

/**
 * The message queue of {@link ElasticMailbox}: a {@link CompactElasticMpscQueue} of envelopes (the
 * unpadded layout of {@code ElasticMpscQueue}: one queue per actor, most of them idle, so the
 * padding would cost more than the false sharing it prevents; no array until the first message).
 * Enqueue from any thread (lock-free); dequeue from the owning actor only. The happens-before edge
 * from a sender's {@code tell} to the actor's processing of that message is the queue's (offer
 * happens-before the poll that returns the element).
 */
final class ElasticMessageQueue extends SingleQueueMessageQueue
    implements ElasticMessageQueueSemantics {

  ElasticMessageQueue(QueueFamily family, QueueConfig config, ActorRef owner) {
    super(family, new CompactElasticMpscQueue<>(config), owner);
    register();
  }
}
