package io.github.elasticq.mailbox;

import io.github.elasticq.queue.ElasticQueue;
import io.github.elasticq.queue.QueueStats;
import java.util.List;
import org.apache.pekko.dispatch.Envelope;

/**
 * A message queue over one {@link ElasticQueue} of envelopes: {@link ElasticMessageQueue} (a
 * compact MPSC queue, one consumer) and {@link ElasticSharedMessageQueue} (an elastic buffer, many
 * consumers) differ only in the queue they hold and the semantics they declare. Enqueue from any
 * thread; dequeue as the held queue allows. The happens-before edge from a sender's {@code tell} to
 * the processing of that message is the held queue's (offer happens-before the poll that returns
 * the element).
 *
 * @param <Q> the type of the held queue
 */
abstract class SingleQueueMessageQueue<Q extends ElasticQueue<Envelope>>
    extends AbstractElasticMessageQueue {

  /** The held queue, typed for the subclass (no second field: every byte counts per actor). */
  final Q queue;

  SingleQueueMessageQueue(QueueFamily family, Q queue) {
    super(family);
    this.queue = queue;
  }

  @Override
  final boolean offer(Envelope handle) {
    return queue.offer(handle);
  }

  /** The exact {@code poll}; {@link ElasticMessageQueue} overrides it with the relaxed poll. */
  @Override
  public Envelope dequeue() {
    return delivered(queue.poll());
  }

  @Override
  final Envelope exactDequeue() {
    return delivered(queue.poll());
  }

  @Override
  public final int numberOfMessages() {
    return queue.size();
  }

  @Override
  public boolean hasMessages() {
    return !queue.isEmpty();
  }

  @Override
  final QueueStats stats() {
    return queue.stats();
  }

  @Override
  final List<QueueStats> levelStats() {
    return List.of(queue.stats());
  }

  @Override
  final int maxCapacity() {
    return queue.config().maxCapacity();
  }

  @Override
  final int[] takePeakWindows() {
    return new int[] {queue.takePeakWindow()};
  }
}
