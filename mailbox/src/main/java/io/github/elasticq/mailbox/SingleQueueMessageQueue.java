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

  /**
   * The held queue, or, while {@link ElasticMessageQueue} takes messages in batches, the {@link
   * ConsumerBatch} that holds it: one field, since every byte counts per actor. Written only by the
   * consumer (the holder in, the queue back); either value leads a reader to the same queue (the
   * holder's is a final field), so a racy read on a sender's thread is harmless.
   */
  private Object queueOrBatch;

  SingleQueueMessageQueue(QueueFamily family, Q queue) {
    super(family);
    this.queueOrBatch = queue;
  }

  /** The held queue. Any thread. */
  @SuppressWarnings("unchecked")
  final Q queue() {
    Object o = queueOrBatch;
    return (Q) (o instanceof ConsumerBatch ? ((ConsumerBatch<?>) o).queue : o);
  }

  /** The queue or its {@link ConsumerBatch}; for the consumer. */
  final Object queueOrBatch() {
    return queueOrBatch;
  }

  /** Consumer only: a {@link ConsumerBatch} of the held queue, or the queue itself again. */
  final void setQueueOrBatch(Object queueOrBatch) {
    this.queueOrBatch = queueOrBatch;
  }

  @Override
  final boolean offer(Envelope handle) {
    return queue().offer(handle);
  }

  /** The exact {@code poll}; {@link ElasticMessageQueue} overrides it with the relaxed poll. */
  @Override
  public Envelope dequeue() {
    return delivered(queue().poll());
  }

  @Override
  Envelope exactDequeue() {
    return delivered(queue().poll());
  }

  @Override
  public int numberOfMessages() {
    return queue().size();
  }

  @Override
  public boolean hasMessages() {
    return !queue().isEmpty();
  }

  @Override
  final QueueStats stats() {
    return queue().stats();
  }

  @Override
  final List<QueueStats> levelStats() {
    return List.of(queue().stats());
  }

  @Override
  final int maxCapacity() {
    return queue().config().heldAtMost();
  }

  @Override
  final int[] takePeakWindows() {
    return new int[] {queue().takePeakWindow()};
  }
}
