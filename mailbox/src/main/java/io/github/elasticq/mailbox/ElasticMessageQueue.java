package io.github.elasticq.mailbox;

import io.github.elasticq.queue.AbstractElasticMpscQueue;
import io.github.elasticq.queue.CompactElasticMpscQueue;
import org.apache.pekko.actor.ActorRef;
import org.apache.pekko.dispatch.Envelope;

/**
 * The message queue of {@link ElasticMailbox}: by default a {@link CompactElasticMpscQueue} of
 * envelopes (the unpadded layout of {@code ElasticMpscQueue}: one queue per actor, most of them
 * idle, so the padding would cost more than the false sharing it prevents; no array until the first
 * message), or with {@code layout = padded} the padded {@code ElasticMpscQueue}, for hot actors
 * whose consumer would otherwise invalidate the senders' line on every message. Enqueue from any
 * thread (lock-free); dequeue from the owning actor only. The happens-before edge from a sender's
 * {@code tell} to the actor's processing of that message is the queue's (offer happens-before the
 * poll that returns the element). {@link BurstMemoryMessageQueue} adds the idle trim of {@code
 * burst-memory = on}.
 *
 * <p>In the compact layout, while the queue is above {@code min-capacity} (a burst), dequeue takes
 * up to {@link #BATCH} messages at a time ({@link AbstractElasticMpscQueue#takeUnreleased}) into a
 * {@link ConsumerBatch} and hands them out one per call, releasing them from the queue with the
 * last one; see {@link #BATCH} for why and {@link #numberOfMessages} for what a batch in progress
 * changes.
 */
class ElasticMessageQueue extends SingleQueueMessageQueue<AbstractElasticMpscQueue<Envelope>>
    implements ElasticMessageQueueSemantics {

  /**
   * @param queue a new {@link CompactElasticMpscQueue} ({@code layout = compact}) or {@link
   *     io.github.elasticq.queue.ElasticMpscQueue} ({@code layout = padded})
   */
  ElasticMessageQueue(
      QueueFamily family, AbstractElasticMpscQueue<Envelope> queue, ActorRef owner) {
    super(family, queue);
    register(owner);
  }

  /** For a subclass, which registers as the last statement of its own constructor. */
  ElasticMessageQueue(QueueFamily family, AbstractElasticMpscQueue<Envelope> queue) {
    super(family, queue);
  }

  /**
   * The relaxed poll with a short wait ({@link #CLAIMED_SPINS}): null when the next message is
   * claimed by a sender that has not stored it within the wait, instead of waiting for it as long
   * as the sender is off its core, as an exact {@code poll} would (holding the dispatcher thread).
   *
   * <p>Why no message is stranded (Pekko 1.x {@code org.apache.pekko.dispatch.Mailbox}): {@code
   * processMailbox} stops at the first null {@code dequeue()}; {@code run} then, in its {@code
   * finally}, clears the Scheduled bit ({@code setAsIdle}, a volatile CAS of the status) and calls
   * {@code dispatcher.registerForExecution(this, false, false)}, whose {@code
   * canBeScheduledForExecution} asks {@code hasMessages} — here {@code !queue.isEmpty()}, exact by
   * index: it counts a claimed index whether or not the element is stored yet. A sender, after its
   * {@code offer} (claim, then store), calls {@code registerForExecution(mbox, true, false)}, whose
   * {@code setAsScheduled} CASes the status. Either the sender's status CAS comes after the run's
   * {@code setAsIdle}: it finds the mailbox idle and schedules it; or it comes before: then the
   * sender's claim (a CAS of the word, earlier in its program order) precedes the run's {@code
   * setAsIdle}, which precedes the run's read of the word in {@code hasMessages}, so that read sees
   * the claim and the run reschedules the mailbox. Either way the message is processed by a later
   * run. This is the same store-then-check pair that an exact {@code poll} already relies on (an
   * exact poll that reads the word just before a claim also ends the run with a message on its
   * way); the relaxed poll only widens the window from "before the claim" to "before the store". If
   * the actor is suspended or closed, run and hasMessages behave as they do for every mailbox.
   */
  @Override
  public Envelope dequeue() {
    Object o = queueOrBatch();
    if (o instanceof ConsumerBatch) {
      return fromBatch(asBatch(o));
    }
    @SuppressWarnings("unchecked")
    AbstractElasticMpscQueue<Envelope> q = (AbstractElasticMpscQueue<Envelope>) o;
    Envelope e = q.relaxedPoll(CLAIMED_SPINS);
    if (e != null
        && q instanceof CompactElasticMpscQueue
        && q.capacity() > q.config().minCapacity()) {
      setQueueOrBatch(new ConsumerBatch<>(q, BATCH)); // a burst: take the rest in batches
    }
    return delivered(e);
  }

  /**
   * How many messages a dequeue takes from a compact queue at once while the queue is above {@code
   * min-capacity}, with {@link AbstractElasticMpscQueue#takeUnreleased}: the actor is handed them
   * one per {@code dequeue}, and the queue's fields, on the line every sender CASes in the compact
   * layout, are touched once per batch instead of once per message. Batches of 4 to 32 measured
   * alike (bench/results/2026-12-05/round27); small, because a message handed to the actor keeps
   * its place in the queue's count until the rest of its batch is handed out (see {@link
   * #numberOfMessages}). The padded layout does not batch: its consumer has its own cache line
   * already, and in the same rounds batching it gained 7 % on the fan-in and lost on the burst.
   */
  static final int BATCH = 8;

  /**
   * The next held message; when none is held, takes the next batch, and when none is visible, falls
   * back to the relaxed poll of a mailbox without batches (which waits for a claimed message,
   * samples an empty queue and hops buffers) and drops the batch once the queue is empty and back
   * at {@code min-capacity}. The batch is released when its last message is handed out, so no
   * released message is ever held and {@code hasMessages} (the queue's {@code isEmpty}, by index)
   * stays exact: it counts the held messages until then.
   */
  private Envelope fromBatch(ConsumerBatch<AbstractElasticMpscQueue<Envelope>> b) {
    AbstractElasticMpscQueue<Envelope> q = b.queue;
    int taken = b.taken;
    if (taken == 0) {
      taken = q.takeUnreleased(b.items, b.items.length);
      if (taken == 0) {
        Envelope e = q.relaxedPoll(CLAIMED_SPINS);
        if (e == null && q.capacity() <= q.config().minCapacity()) {
          setQueueOrBatch(q); // the burst is over: an idle actor keeps no batch
        }
        return delivered(e);
      }
      b.taken = taken;
    }
    Object e = b.handOut();
    if (b.taken == 0) {
      q.releaseTaken(taken); // the batch's last message
    }
    return delivered((Envelope) e);
  }

  /**
   * The held messages first (a run ended inside a batch), then the exact poll. {@code cleanUp}
   * calls this on the actor's thread once the actor has stopped.
   */
  @Override
  Envelope exactDequeue() {
    Object o = queueOrBatch();
    if (o instanceof ConsumerBatch && ((ConsumerBatch<?>) o).taken != 0) {
      return fromBatch(asBatch(o));
    }
    return delivered(queue().poll());
  }

  @Override
  boolean holdsHeldBatch() {
    Object o = queueOrBatch();
    return o instanceof ConsumerBatch && ((ConsumerBatch<?>) o).taken != 0;
  }

  @Override
  int handedOutOfHeldBatch() {
    Object o = queueOrBatch();
    return o instanceof ConsumerBatch && ((ConsumerBatch<?>) o).taken != 0
        ? ((ConsumerBatch<?>) o).delivered
        : 0;
  }

  /**
   * The queue's size less the messages of the current batch already handed to the actor (they stay
   * in the queue's count until the batch is released, so they also still count against {@code
   * max-capacity}: a send can be refused while up to {@link #BATCH} − 1 messages already handed out
   * are counted; the bound itself is never exceeded). Exact on the actor's thread; on another
   * thread the two reads race with the actor's run, so the figure may be off by up to {@link
   * #BATCH} − 1 while the actor is inside a batch.
   */
  @Override
  public int numberOfMessages() {
    Object o = queueOrBatch();
    if (o instanceof ConsumerBatch) {
      ConsumerBatch<AbstractElasticMpscQueue<Envelope>> b = asBatch(o);
      return Math.max(0, b.queue.size() - b.delivered);
    }
    return queue().size();
  }

  /** The field's batch: only this class installs one, always of its queue's type. */
  @SuppressWarnings("unchecked")
  private static ConsumerBatch<AbstractElasticMpscQueue<Envelope>> asBatch(Object o) {
    return (ConsumerBatch<AbstractElasticMpscQueue<Envelope>>) o;
  }
}
