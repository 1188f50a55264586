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
    return delivered(queue.relaxedPoll(CLAIMED_SPINS));
  }
}
