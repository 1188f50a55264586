package io.github.elasticq.mailbox;

import io.github.elasticq.queue.AbstractElasticMpscQueue;
import org.apache.pekko.dispatch.Envelope;

/**
 * The messages an {@link ElasticMessageQueue} has taken from its queue with {@link
 * AbstractElasticMpscQueue#takeUnreleased} and hands to its actor one {@code dequeue} at a time,
 * before it releases them. Exists only while the queue is above {@code min-capacity} (a burst): the
 * message queue's one field then holds this instead of the queue ({@link
 * SingleQueueMessageQueue#queueOrBatch()}), so an idle actor pays no byte for it.
 *
 * <p>Senders read {@link #queue} on every {@code tell}; the consumer writes {@link #taken} and
 * {@link #delivered} on every message. The padding keeps those on different cache lines, which is
 * the point of the batch (bench/results/2026-12-05/round27). Consumer-only apart from {@code
 * queue}.
 */
final class ConsumerBatch extends ConsumerBatchFields {
  /** Keeps the consumer's fields off the cache line of whatever is allocated next. */
  long p20, p21, p22, p23, p24, p25, p26, p27;

  long p28, p29, p2a, p2b, p2c, p2d, p2e, p2f;

  ConsumerBatch(AbstractElasticMpscQueue<Envelope> queue, int size) {
    super(queue, size);
  }
}

/** What the senders read: the queue, never written after construction. */
abstract class ConsumerBatchQueue {
  final AbstractElasticMpscQueue<Envelope> queue;

  ConsumerBatchQueue(AbstractElasticMpscQueue<Envelope> queue) {
    this.queue = queue;
  }
}

/** Two cache lines between the senders' field and the consumer's. */
abstract class ConsumerBatchPad extends ConsumerBatchQueue {
  long p00, p01, p02, p03, p04, p05, p06, p07;
  long p08, p09, p0a, p0b, p0c, p0d, p0e, p0f;

  ConsumerBatchPad(AbstractElasticMpscQueue<Envelope> queue) {
    super(queue);
  }
}

/** The consumer's fields. */
abstract class ConsumerBatchFields extends ConsumerBatchPad {
  /** The taken messages; {@code items[delivered, taken)} not handed out yet, the rest null. */
  final Object[] items;

  /** How many the last {@code takeUnreleased} took; 0 when none are held (all released). */
  int taken;

  /** How many of them were handed out; always less than {@code taken} while any are held. */
  int delivered;

  ConsumerBatchFields(AbstractElasticMpscQueue<Envelope> queue, int size) {
    super(queue);
    this.items = new Object[size];
  }
}
