package io.github.elasticq.mailbox;

import io.github.elasticq.queue.CompactElasticMpscQueue;
import io.github.elasticq.queue.QueueConfig;
import io.github.elasticq.queue.QueueStats;
import java.util.List;
import org.apache.pekko.actor.ActorRef;
import org.apache.pekko.actor.ActorSystem;
import org.apache.pekko.dispatch.Envelope;

/**
 * The message queue of {@link ElasticMailbox}: a {@link CompactElasticMpscQueue} of envelopes (the
 * unpadded layout of {@code ElasticMpscQueue}: one queue per actor, most of them idle, so the
 * padding would cost more than the false sharing it prevents; no array until the first message).
 * Enqueue from any thread (lock-free); dequeue from the owning actor only. The happens-before edge
 * from a sender's {@code tell} to the actor's processing of that message is the queue's (offer
 * happens-before the poll that returns the element).
 */
final class ElasticMessageQueue extends AbstractElasticMessageQueue
    implements ElasticMessageQueueSemantics {

  private final CompactElasticMpscQueue<Envelope> queue;
  private final int maxCapacity;

  ElasticMessageQueue(
      String id, QueueConfig config, ActorRef owner, ActorSystem system, MailboxRegistry registry) {
    super(id, ElasticMailbox.class.getName(), owner, system);
    this.maxCapacity = config.maxCapacity();
    this.queue = new CompactElasticMpscQueue<>(config);
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
    return !queue.isEmpty();
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
