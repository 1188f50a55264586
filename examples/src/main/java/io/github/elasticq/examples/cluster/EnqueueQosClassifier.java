package io.github.elasticq.examples.cluster;

import io.github.elasticq.mailbox.QosClassifier;
import io.github.elasticq.mailbox.QosMessage;
import io.github.elasticq.persistence.durable.DurableMailbox.Enqueue;

/**
 * Classifies the messages of a sharded {@code DurableMailbox} entity for its {@code QosMailbox}: an
 * {@link Enqueue} takes the level of the {@link QosMessage} it carries, a plain {@link QosMessage}
 * its own level, anything else (Pekko's persistence replies among them) level 0. Stateless; called
 * from any sending thread.
 */
public final class EnqueueQosClassifier implements QosClassifier {
  /** Used by the QoS mailbox through its {@code classifier} key. */
  public EnqueueQosClassifier() {}

  @Override
  public int levelOf(Object message) {
    Object inner = message instanceof Enqueue<?> e ? e.message() : message;
    return inner instanceof QosMessage q ? q.qosLevel() : 0;
  }
}
