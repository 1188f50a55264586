package io.github.elasticq.mailbox;

import io.github.elasticq.queue.QueueStats;
import java.util.List;

/**
 * A point-in-time description of one live ElasticQ mailbox, as listed by {@link MailboxRegistry}.
 * Immutable; the counters are read without locks (see {@link QueueStats}).
 *
 * @param id the mailbox's configuration path (for example {@code my-mailbox} or a dispatcher id)
 * @param ownerPath the owning actor's path, or the empty string for a queue shared by the actors of
 *     a balancing dispatcher
 * @param mailboxType fully qualified class name of the mailbox type
 * @param stats counters of the whole mailbox (for {@link QosMailbox}: every level and the control
 *     queue); {@code rejected} counts the messages sent to dead letters because the queue was at
 *     {@code max-capacity}
 * @param levelStats counters per level, lowest first; a single element for single-level mailboxes
 * @param clampedLevels classification results that were out of range and clamped (QoS only)
 * @param maxCapacity {@code max-capacity} of the mailbox's queue (of each level for QoS), at most
 *     2^30 (a larger one counts as that limit, the most a queue holds); 0 when unknown
 * @param cleanedUp messages sent to dead letters by the clean-up of a stopped actor (counted in
 *     {@code stats.dequeued}); always 0 for a live mailbox, see {@link
 *     MailboxRegistry#stoppedTotals()}
 * @param levelCleanedUp {@code cleanedUp} per level, lowest first (the QoS control queue's share is
 *     {@code cleanedUp} minus their sum); all zero for a live mailbox
 * @param levelShed messages refused per level, lowest first, by a {@link QosMailbox}'s overload
 *     shedding ({@code shedding.threshold}); sent to dead letters like an overflow but not counted
 *     in {@code rejected}; all zero for other mailboxes
 * @param ownerUid the owning actor's uid ({@code ActorPath.uid()}), which tells its incarnation
 *     apart from an actor started later under the same {@code ownerPath}; 0 for a shared queue or
 *     stopped totals
 * @param sharedQueueSerial for a queue without an owner ({@code ownerPath} empty: the shared queue
 *     of a balancing dispatcher), the number its registry gave it when it registered, unique within
 *     the actor system and never reused, which tells it apart from another shared queue of the same
 *     {@code id} (two balancing pools on one mailbox section); 0 for a mailbox with an owner (its
 *     {@code ownerUid} tells incarnations apart) and for stopped totals
 */
public record MailboxInfo(
    String id,
    String ownerPath,
    String mailboxType,
    QueueStats stats,
    List<QueueStats> levelStats,
    long clampedLevels,
    int maxCapacity,
    long cleanedUp,
    List<Long> levelCleanedUp,
    List<Long> levelShed,
    int ownerUid,
    long sharedQueueSerial) {

  /** Copies the lists so the record stays immutable. */
  public MailboxInfo {
    levelStats = List.copyOf(levelStats);
    levelCleanedUp = List.copyOf(levelCleanedUp);
    levelShed = List.copyOf(levelShed);
  }

  /**
   * A description without a shared queue's serial (zero): the form before {@code sharedQueueSerial}
   * was added.
   */
  public MailboxInfo(
      String id,
      String ownerPath,
      String mailboxType,
      QueueStats stats,
      List<QueueStats> levelStats,
      long clampedLevels,
      int maxCapacity,
      long cleanedUp,
      List<Long> levelCleanedUp,
      List<Long> levelShed,
      int ownerUid) {
    this(
        id,
        ownerPath,
        mailboxType,
        stats,
        levelStats,
        clampedLevels,
        maxCapacity,
        cleanedUp,
        levelCleanedUp,
        levelShed,
        ownerUid,
        0L);
  }

  /** A description without the owner's uid (zero): the form before {@code ownerUid} was added. */
  public MailboxInfo(
      String id,
      String ownerPath,
      String mailboxType,
      QueueStats stats,
      List<QueueStats> levelStats,
      long clampedLevels,
      int maxCapacity,
      long cleanedUp,
      List<Long> levelCleanedUp,
      List<Long> levelShed) {
    this(
        id,
        ownerPath,
        mailboxType,
        stats,
        levelStats,
        clampedLevels,
        maxCapacity,
        cleanedUp,
        levelCleanedUp,
        levelShed,
        0);
  }

  /** A description without shed counts and owner uid (zero). */
  public MailboxInfo(
      String id,
      String ownerPath,
      String mailboxType,
      QueueStats stats,
      List<QueueStats> levelStats,
      long clampedLevels,
      int maxCapacity,
      long cleanedUp,
      List<Long> levelCleanedUp) {
    this(
        id,
        ownerPath,
        mailboxType,
        stats,
        levelStats,
        clampedLevels,
        maxCapacity,
        cleanedUp,
        levelCleanedUp,
        java.util.Collections.nCopies(levelStats.size(), 0L));
  }

  /**
   * Whether this is a {@link QosMailbox}, told by its type: one with {@code levels = 1} has a
   * single level and is one all the same.
   */
  public boolean isQos() {
    return QosMailbox.class.getName().equals(mailboxType);
  }

  /** Messages refused by overload shedding, all levels. */
  public long shed() {
    long sum = 0;
    for (long n : levelShed) {
      sum += n;
    }
    return sum;
  }

  /** A live mailbox's description without the sizing and clean-up fields (zero). */
  public MailboxInfo(
      String id,
      String ownerPath,
      String mailboxType,
      QueueStats stats,
      List<QueueStats> levelStats,
      long clampedLevels) {
    this(
        id,
        ownerPath,
        mailboxType,
        stats,
        levelStats,
        clampedLevels,
        0,
        0L,
        java.util.Collections.nCopies(levelStats.size(), 0L));
  }
}
