package io.github.elasticq.mailbox;

import io.github.elasticq.queue.AbstractElasticMpscQueue;
import io.github.elasticq.queue.QueueConfig;
import io.github.elasticq.queue.QueueStats;
import org.apache.pekko.actor.ActorCell;
import org.apache.pekko.actor.ActorRef;
import org.apache.pekko.actor.ActorRefWithCell;
import org.apache.pekko.actor.Cell;
import org.apache.pekko.dispatch.Envelope;

/**
 * The message queue of an {@link ElasticMailbox} with {@code burst-memory = on}: the same queue and
 * relaxed dequeue as {@link ElasticMessageQueue}, over a queue built with {@link
 * QueueConfig#burstMemory()}, so that recurring bursts find the capacity they need instead of
 * regrowing it (allocating) every time, plus the way back to {@code min-capacity} for an actor that
 * has gone idle.
 *
 * <p>Why the registry: with burst memory a shrink step waits for about {@code capacity} consumer
 * operations at low occupancy, and a Pekko mailbox polls only while it has messages, so an actor
 * that goes idle after a burst would keep its large array. The {@link MailboxRegistry} therefore
 * looks at every such queue about every {@code idle-shrink-after} ({@link #checkIdle}, on its
 * timer): a queue found empty above {@code min-capacity} after an interval in which its actor took
 * at most {@code shrink-threshold x capacity} messages is marked, and its mailbox is scheduled. The
 * marked queue reports {@link #hasMessages} true, so the dispatcher runs the mailbox; the actor's
 * own run (the queue's one consumer, as always) calls {@link AbstractElasticMpscQueue#trimIfEmpty}
 * in its next {@link #dequeue} and clears the mark. A message that arrived in between simply makes
 * the trim a no-op. No thread other than the actor's ever shrinks the queue.
 *
 * <p>Footprint: the owner reference, the mark and the timer's bookkeeping cost this variant 32
 * bytes per actor; mailboxes without burst memory are unchanged.
 */
final class BurstMemoryMessageQueue extends ElasticMessageQueue implements IdleTrimmed {

  /** The owning actor, whose mailbox the registry schedules for a trim; null for a bare queue. */
  private final ActorRef owner;

  /** {@code idle-shrink-after} in nanoseconds. */
  private final long idleNanos;

  /** Set by the registry's timer, cleared by the consumer when it trims. */
  private volatile boolean trimRequested;

  /** Timer thread only: the dequeued count and time of this queue's previous idle check. */
  private long checkedDequeued;

  private long checkedNanos;

  BurstMemoryMessageQueue(
      QueueFamily family,
      AbstractElasticMpscQueue<Envelope> queue,
      ActorRef owner,
      long idleNanos,
      long nowNanos) {
    super(family, queue);
    this.owner = owner;
    this.idleNanos = idleNanos;
    this.checkedNanos = nowNanos;
    register(owner);
  }

  @Override
  public Envelope dequeue() {
    if (trimRequested) {
      trimRequested = false; // before the trim: a later mark schedules another run
      queue().trimIfEmpty();
    }
    return super.dequeue();
  }

  /** True also while a trim is pending, so that the dispatcher runs the mailbox to do it. */
  @Override
  public boolean hasMessages() {
    return trimRequested || super.hasMessages();
  }

  @Override
  public long idleNanos() {
    return idleNanos;
  }

  /**
   * Marks the queue and schedules its mailbox when the queue is empty above min and its actor took
   * few messages since the previous check, at least {@code idle-shrink-after} ago.
   *
   * @return true if the queue was marked for a trim
   */
  @Override
  public boolean checkIdle(long nowNanos) {
    if (nowNanos - checkedNanos < idleNanos) {
      return false;
    }
    QueueStats s = queue().stats();
    long taken = s.dequeued() - checkedDequeued;
    checkedDequeued = s.dequeued();
    checkedNanos = nowNanos;
    if (!idleAboveMin(s, taken, queue().config())) {
      return false;
    }
    trimRequested = true;
    schedule(owner);
    return true;
  }

  /**
   * Whether a queue (or a QoS level) with counters {@code s}, from whose consumer {@code taken}
   * elements were taken since the previous check, is due for a trim: empty, above min, and few
   * taken (at most {@code shrink-threshold x capacity}).
   */
  static boolean idleAboveMin(QueueStats s, long taken, QueueConfig config) {
    return s.size() == 0
        && s.capacity() > config.minCapacity()
        && taken <= (long) (s.capacity() * config.shrinkThreshold());
  }

  /**
   * Asks the owner's dispatcher to run its mailbox (it runs only if it has work: the mark). Without
   * a started owner the mark stays, and the mailbox's next run trims.
   */
  static void schedule(ActorRef owner) {
    if (owner instanceof ActorRefWithCell) {
      Cell cell = ((ActorRefWithCell) owner).underlying();
      if (cell instanceof ActorCell) {
        ActorCell actor = (ActorCell) cell;
        actor.dispatcher().registerForExecution(actor.mailbox(), false, false);
      }
    }
  }
}
