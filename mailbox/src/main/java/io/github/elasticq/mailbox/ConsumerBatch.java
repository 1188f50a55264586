package io.github.elasticq.mailbox;

import io.github.elasticq.queue.AbstractElasticMpscQueue;

/**
 * The messages an {@link ElasticMessageQueue} has taken from its queue with {@link
 * AbstractElasticMpscQueue#takeUnreleased} (or a {@link QosMessageQueue} from its levels with
 * {@link io.github.elasticq.queue.QosQueue#takeUnreleased}) and hands to its actor one {@code
 * dequeue} at a time, before it releases them. Exists only while the queue is above {@code
 * min-capacity} (a burst): the message queue's one field then holds this instead of the queue
 * ({@link SingleQueueMessageQueue#queueOrBatch()}; {@code QosMessageQueue} has a field of its own,
 * null while no level is in a burst), so an idle actor pays no byte for it.
 *
 * <p>Senders read {@link #queue} on every {@code tell} (the elastic mailbox's case); the consumer
 * writes {@link #taken} and {@link #delivered} on every message. The padding keeps those on
 * different cache lines, which is the point of the batch (bench/results/2026-12-05/round27).
 * Consumer-only apart from {@code queue}.
 *
 * @param <Q> the queue the messages were taken from
 */
final class ConsumerBatch<Q> extends ConsumerBatchFields<Q> {
  /** Keeps the consumer's fields off the cache line of whatever is allocated next. */
  long p20, p21, p22, p23, p24, p25, p26, p27;

  long p28, p29, p2a, p2b, p2c, p2d, p2e, p2f;

  ConsumerBatch(Q queue, int size) {
    super(queue, size);
  }
}

/** What the senders read: the queue, never written after construction. */
abstract class ConsumerBatchQueue<Q> {
  final Q queue;

  ConsumerBatchQueue(Q queue) {
    this.queue = queue;
  }
}

/** Two cache lines between the senders' field and the consumer's. */
abstract class ConsumerBatchPad<Q> extends ConsumerBatchQueue<Q> {
  long p00, p01, p02, p03, p04, p05, p06, p07;
  long p08, p09, p0a, p0b, p0c, p0d, p0e, p0f;

  ConsumerBatchPad(Q queue) {
    super(queue);
  }
}

/** The consumer's fields. */
abstract class ConsumerBatchFields<Q> extends ConsumerBatchPad<Q> {
  /** The taken messages; {@code items[delivered, taken)} not handed out yet, the rest null. */
  final Object[] items;

  /** How many the last {@code takeUnreleased} took; 0 when none are held (all released). */
  int taken;

  /** How many of them were handed out; always less than {@code taken} while any are held. */
  int delivered;

  ConsumerBatchFields(Q queue, int size) {
    super(queue);
    this.items = new Object[size];
  }

  /**
   * The next held message, cleared from {@link #items}. After the last one no message is held
   * ({@link #taken} is 0 again) and the caller releases the batch from its queue.
   */
  final Object handOut() {
    int i = delivered;
    Object e = items[i];
    items[i] = null;
    if (++i == taken) {
      taken = 0;
      delivered = 0;
    } else {
      delivered = i;
    }
    return e;
  }
}
