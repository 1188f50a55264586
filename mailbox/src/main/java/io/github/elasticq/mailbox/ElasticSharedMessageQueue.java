package io.github.elasticq.mailbox;

import io.github.elasticq.queue.ElasticBuffer;
import io.github.elasticq.queue.QueueConfig;
import org.apache.pekko.actor.ActorRef;
import org.apache.pekko.dispatch.Envelope;

/**
 * The message queue of {@link ElasticSharedMailbox}: an {@link ElasticBuffer} of envelopes, safe
 * for many producers and many consumers (the actors of a balancing dispatcher dequeue from it
 * concurrently). Never blocks: enqueue uses the non-blocking {@code offer}. The buffer's lock gives
 * the happens-before edge from a sender's {@code tell} to the processing of that message.
 */
final class ElasticSharedMessageQueue extends SingleQueueMessageQueue<ElasticBuffer<Envelope>>
    implements ElasticSharedMessageQueueSemantics {

  ElasticSharedMessageQueue(QueueFamily family, QueueConfig config, ActorRef owner) {
    super(family, new ElasticBuffer<>(config));
    register(owner);
  }
}
