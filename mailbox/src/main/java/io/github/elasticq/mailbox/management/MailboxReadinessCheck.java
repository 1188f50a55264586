package io.github.elasticq.mailbox.management;

import io.github.elasticq.mailbox.MailboxInfo;
import io.github.elasticq.mailbox.MailboxRegistry;
import io.github.elasticq.queue.QueueStats;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import org.apache.pekko.actor.ActorSystem;

/**
 * A Pekko Management readiness check: not ready while an ElasticQ mailbox (every one, or those
 * whose id matches {@code elasticq.management.mailboxes}) holds at least {@code
 * saturation-threshold} of its {@code max-capacity} for {@code saturation-duration}. For a {@code
 * QosMailbox} each level is judged against its own bound. A check can only surface a reason by
 * failing, so a saturated node fails the returned stage with a message naming each saturated
 * mailbox (id, owner, level) and its figures; Management answers {@code 500} with that message.
 *
 * <p>Registered in the module's {@code reference.conf} under {@code
 * pekko.management.health-checks.readiness-checks.elasticq-mailboxes}; remove it with {@code
 * elasticq-mailboxes = ""} there.
 *
 * <p>Sampling: the figures are read from {@link MailboxRegistry} when Management asks (each probe),
 * so "for saturation-duration" means: saturated at every probe since one at least that long ago. A
 * mailbox is one actor's incarnation: an actor started again at the same path starts afresh, and so
 * does a shared queue (balancing pool) of the same id as another. Nothing runs between probes. Each
 * call walks the registry once on the calling thread, so it answers well inside Management's {@code
 * check-timeout}.
 *
 * <p>Management constructs one instance per actor system and may call {@link #get} from several
 * threads at once. Probes walk the registry concurrently and hold a lock only to merge what they
 * saw into the saturation starts. A probe that started its walk before the last one merged saw an
 * older listing: it judges by the starts as they are and changes none, so it never drops a start
 * that a later probe recorded.
 */
public final class MailboxReadinessCheck implements Supplier<CompletionStage<Boolean>> {

  /** Saturated mailboxes named in one message; the rest are counted. */
  private static final int MAX_NAMED = 5;

  private final Supplier<List<MailboxInfo>> mailboxes;
  private final ManagementSettings settings;
  private final long durationNanos;

  /**
   * When each currently saturated (mailbox incarnation, level) was first seen saturated, by key.
   * Guarded by this.
   */
  private final Map<String, Long> saturatedSince = new HashMap<>();

  /** Probes whose listing is complete, in order: a probe's number, taken after its listing. */
  private final AtomicLong walks = new AtomicLong();

  /** The number of the newest probe that merged its walk into {@link #saturatedSince}. */
  private long mergedWalk; // guarded by this

  /**
   * Called by Pekko Management with the classic actor system.
   *
   * @throws org.apache.pekko.ConfigurationException if {@code elasticq.management} is invalid; the
   *     message names the key
   */
  public MailboxReadinessCheck(ActorSystem system) {
    this(ManagementSettings.of(system.settings().config()), MailboxRegistry.get(system)::mailboxes);
  }

  /** A check over the listings of {@code mailboxes}; for tests. */
  MailboxReadinessCheck(ManagementSettings settings, Supplier<List<MailboxInfo>> mailboxes) {
    this.settings = settings;
    this.durationNanos = settings.saturationDuration().toNanos();
    this.mailboxes = mailboxes;
  }

  /**
   * Completes with {@code true} when no watched mailbox has been saturated for the configured
   * duration, and fails with a {@link MailboxSaturatedException} naming them otherwise. Any thread;
   * waits only for a concurrent probe's merge (never for its walk).
   */
  @Override
  public CompletionStage<Boolean> get() {
    try {
      String reason = evaluate(System.nanoTime());
      return reason == null
          ? CompletableFuture.completedFuture(Boolean.TRUE)
          : CompletableFuture.failedFuture(new MailboxSaturatedException(reason));
    } catch (RuntimeException e) {
      return CompletableFuture.failedFuture(e);
    }
  }

  /** One (mailbox incarnation, level) a probe's walk found saturated. */
  private record Saturated(String key, MailboxInfo mailbox, int level) {}

  /**
   * The failure message, or null when ready, for a probe at {@code now} ({@link System#nanoTime}).
   * The registry walk runs without the lock; only the merge into {@link #saturatedSince} holds it.
   * Probes are numbered as their listings are complete: a probe whose listing completed before the
   * last merged one's changes nothing (its listing may lack a key a newer probe recorded, and
   * dropping that start would restart the saturation clock; or show a mailbox saturated that the
   * newer one read below). Numbering at the start of the walk instead let a stalled listing, read
   * after a newer probe's, lose its readings. Two overlapping listings may still read one mailbox
   * in the other order; the clock then errs by at most one listing's duration.
   */
  String evaluate(long now) {
    List<MailboxInfo> listing = mailboxes.get();
    long walk = walks.incrementAndGet(); // after the listing: a later number, a later listing
    double threshold = settings.saturationThreshold();
    List<Saturated> saturated = new ArrayList<>();
    for (MailboxInfo m : listing) {
      if (!settings.watches(m.id())) {
        continue;
      }
      List<QueueStats> levels = m.levelStats();
      for (int level = 0; level < levels.size(); level++) {
        // the fraction held, not size >= threshold * max: 0.55 * 100 is 55.00000000000001 in
        // doubles, and a mailbox at exactly the threshold was never saturated
        if ((double) levels.get(level).size() / m.maxCapacity() >= threshold) {
          String key = key(m, level);
          saturated.add(new Saturated(key, m, level));
        }
      }
    }
    long[] held = new long[saturated.size()];
    synchronized (this) {
      if (walk > mergedWalk) {
        mergedWalk = walk;
        Set<String> current = new HashSet<>();
        for (Saturated s : saturated) {
          current.add(s.key());
          saturatedSince.putIfAbsent(s.key(), now);
        }
        saturatedSince.keySet().retainAll(current);
      }
      for (int i = 0; i < held.length; i++) {
        Long since = saturatedSince.get(saturated.get(i).key());
        held[i] = since == null ? -1 : now - since; // null: a newer walk saw it below
      }
    }
    List<String> overdue = new ArrayList<>();
    int overdueCount = 0;
    for (int i = 0; i < held.length; i++) {
      if (held[i] >= durationNanos && ++overdueCount <= MAX_NAMED) {
        Saturated s = saturated.get(i);
        List<QueueStats> levels = s.mailbox().levelStats();
        overdue.add(
            describe(
                s.mailbox(), s.mailbox().isQos() ? s.level() : -1, levels.get(s.level()), held[i]));
      }
    }
    if (overdueCount == 0) {
      return null;
    }
    StringBuilder sb = new StringBuilder();
    sb.append("ElasticQ mailbox saturation: ")
        .append(overdueCount)
        .append(overdueCount == 1 ? " mailbox holds" : " mailboxes hold")
        .append(" >= ")
        .append(threshold)
        .append(" of max-capacity for >= ")
        .append(settings.saturationDuration().toMillis())
        .append(" ms: ")
        .append(String.join("; ", overdue));
    if (overdueCount > MAX_NAMED) {
      sb.append("; and ").append(overdueCount - MAX_NAMED).append(" more");
    }
    return sb.toString();
  }

  /**
   * A saturation clock's key: the mailbox's id and which queue it is (its owner's path and
   * incarnation, or a shared queue's serial, since several shared queues can have one id), and the
   * level.
   */
  private static String key(MailboxInfo m, int level) {
    return m.id()
        + '\u0000'
        + m.ownerPath()
        + '\u0000'
        + m.ownerUid()
        + '\u0000'
        + m.sharedQueueSerial()
        + '\u0000'
        + level;
  }

  private static String describe(MailboxInfo m, int level, QueueStats s, long heldNanos) {
    StringBuilder sb = new StringBuilder();
    sb.append("mailbox [").append(m.id()).append(']');
    if (!m.ownerPath().isEmpty()) {
      sb.append(" of [").append(m.ownerPath()).append(']');
    }
    if (level >= 0) {
      sb.append(" level ").append(level);
    }
    return sb.append(": size ")
        .append(s.size())
        .append(" of max ")
        .append(m.maxCapacity())
        .append(" (capacity ")
        .append(s.capacity())
        .append(", peak ")
        .append(s.peakSize())
        .append(", rejected ")
        .append(s.rejected())
        .append(") for ")
        .append(heldNanos / 1_000_000)
        .append(" ms")
        .toString();
  }

  @Override
  public String toString() {
    return "MailboxReadinessCheck{threshold="
        + settings.saturationThreshold()
        + ", duration="
        + settings.saturationDuration()
        + ", mailboxes="
        + settings.patterns()
        + '}';
  }
}
