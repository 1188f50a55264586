package io.github.elasticq.mailbox;

import io.github.elasticq.queue.ElasticBuffer;
import io.github.elasticq.queue.QueueConfig;
import io.github.elasticq.queue.QueueStats;
import java.util.List;
import org.apache.pekko.actor.ActorRef;
import org.apache.pekko.actor.ActorSystem;
import org.apache.pekko.dispatch.Envelope;

/**
 * The message queue of {@link ElasticSharedMailbox}: an {@link ElasticBuffer} of envelopes, safe
 * for many producers and many consumers (the actors of a balancing dispatcher dequeue from it
 * concurrently). Never blocks: enqueue uses the non-blocking {@code offer}. The buffer's lock gives
 * the happens-before edge from a sender's {@code tell} to the processing of that message.
 */
final class ElasticSharedMessageQueue extends AbstractElasticMessageQueue
    implements ElasticSharedMessageQueueSemantics {

  private final ElasticBuffer<Envelope> queue;
  private final int maxCapacity;

  ElasticSharedMessageQueue(
      String id, QueueConfig config, ActorRef owner, ActorSystem system, MailboxRegistry registry) {
    super(id, ElasticSharedMailbox.class.getName(), owner, system);
    this.maxCapacity = config.maxCapacity();
    this.queue = new ElasticBuffer<>(config);
    register(registry);
  }

  @Override
  boolean offer(Envelope handle) {
    return queue.offer(handle);
  }

  @Override
  public Envelope dequeue() {
    return delivered(queue.poll());
  }

  @Override
  public int numberOfMessages() {
    return queue.size();
  }

  @Override
  public boolean hasMessages() {
    return queue.size() > 0;
  }

  @Override
  QueueStats stats() {
    return queue.stats();
  }

  @Override
  List<QueueStats> levelStats() {
    return List.of(queue.stats());
  }

  @Override
  int maxCapacity() {
    return maxCapacity;
  }

  @Override
  int[] takePeakWindows() {
    return new int[] {queue.takePeakWindow()};
  }
}
