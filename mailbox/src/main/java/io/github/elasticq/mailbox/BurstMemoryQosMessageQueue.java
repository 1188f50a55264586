package io.github.elasticq.mailbox;

import io.github.elasticq.queue.QueueStats;
import java.util.List;
import java.util.concurrent.atomic.AtomicLongFieldUpdater;
import org.apache.pekko.actor.ActorRef;
import org.apache.pekko.dispatch.Envelope;

/**
 * The message queue of a {@link QosMailbox} with {@code burst-memory = on}: each level's queue is
 * built with {@link io.github.elasticq.queue.QueueConfig#burstMemory()}, so that recurring bursts
 * into a level find the capacity they need, and the registry's idle check returns each level that
 * stays empty and idle to {@code min-capacity}, as {@link BurstMemoryMessageQueue} does for the
 * single queue of an {@link ElasticMailbox}.
 *
 * <p>Per level: the check marks every level that is empty above min and from which the actor took
 * at most {@code shrink-threshold x capacity} messages since the previous check, at least {@code
 * idle-shrink-after} ago, so a level that went quiet is trimmed while a busy level of the same
 * actor keeps its capacity. The marks are one bit per level ({@value
 * io.github.elasticq.queue.QosQueue#MAX_LEVELS} levels at most); the actor's next run takes them
 * all and trims each marked level that is still empty (the queue's only consumer, as always). The
 * control-message queue has no burst memory.
 *
 * <p>Footprint: the owner, the marks, the timer's bookkeeping and one counter per level cost this
 * variant about {@code 56 + 8 x levels} bytes per actor; mailboxes without burst memory are
 * unchanged.
 */
final class BurstMemoryQosMessageQueue extends QosMessageQueue implements IdleTrimmed {

  private static final AtomicLongFieldUpdater<BurstMemoryQosMessageQueue> TRIM =
      AtomicLongFieldUpdater.newUpdater(BurstMemoryQosMessageQueue.class, "trimLevels");

  /** The owning actor, whose mailbox the registry schedules for a trim; null for a bare queue. */
  private final ActorRef owner;

  private final long idleNanos;

  /** One bit per level marked for a trim; set by the timer, taken by the consumer. */
  private volatile long trimLevels;

  /** Timer thread only: each level's dequeued count at the previous check, and its time. */
  private final long[] checkedDequeued;

  private long checkedNanos;

  BurstMemoryQosMessageQueue(
      QueueFamily family, QosMailbox type, ActorRef owner, long idleNanos, long nowNanos) {
    super(family, type);
    this.owner = owner;
    this.idleNanos = idleNanos;
    this.checkedDequeued = new long[type.levels()];
    this.checkedNanos = nowNanos;
    register(owner);
  }

  @Override
  public Envelope dequeue() {
    if (trimLevels != 0 && !holdsBatch()) { // a held batch is released first (a later call)
      long marked = TRIM.getAndSet(this, 0L); // before the trims: a later mark schedules a run
      for (int level = 0; marked != 0; level++, marked >>>= 1) {
        if ((marked & 1L) != 0) {
          queue.trimIfEmpty(level);
        }
      }
    }
    return super.dequeue();
  }

  /** True also while a trim is pending, so that the dispatcher runs the mailbox to do it. */
  @Override
  public boolean hasMessages() {
    return trimLevels != 0 || super.hasMessages();
  }

  @Override
  public long idleNanos() {
    return idleNanos;
  }

  /**
   * Marks each level that is empty above min and from which the actor took few messages since the
   * previous check, at least {@code idle-shrink-after} ago, and schedules the mailbox if any.
   *
   * @return true if a level was marked for a trim
   */
  @Override
  public boolean checkIdle(long nowNanos) {
    if (nowNanos - checkedNanos < idleNanos) {
      return false;
    }
    checkedNanos = nowNanos;
    List<QueueStats> levels = queue.levelStats();
    long marks = 0;
    for (int level = 0; level < levels.size(); level++) {
      QueueStats s = levels.get(level);
      long taken = s.dequeued() - checkedDequeued[level];
      checkedDequeued[level] = s.dequeued();
      if (s.enqueued() != 0 && BurstMemoryMessageQueue.idleAboveMin(s, taken, type.queueConfig())) {
        marks |= 1L << level;
      }
    }
    if (marks == 0) {
      return false;
    }
    TRIM.getAndAccumulate(this, marks, (a, b) -> a | b);
    BurstMemoryMessageQueue.schedule(owner);
    return true;
  }
}
