package io.github.elasticq.testkit;

import io.github.elasticq.mailbox.MailboxInfo;
import io.github.elasticq.mailbox.MailboxRegistry;
import io.github.elasticq.queue.QueueStats;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Predicate;
import org.apache.pekko.actor.ActorPath;
import org.apache.pekko.actor.ClassicActorSystemProvider;
import org.apache.pekko.actor.testkit.typed.TestKitSettings;
import org.apache.pekko.actor.typed.ActorRef;

/**
 * Assertions on the live ElasticQ mailboxes of one actor system, read from {@link MailboxRegistry}
 * (nothing is instrumented: the figures are the queues' own counters). Find a mailbox by actor
 * ({@link #mailboxOf}) or by configuration id ({@link #mailboxes(String)}); wait for a size or for
 * the capacity to come back down after a burst; check that nothing was dropped since {@link
 * #mark()}; read QoS levels. Every failure is an {@link AssertionError} whose message names the
 * mailbox and shows all its figures.
 *
 * <pre>
 * MailboxProbe mailboxes = MailboxProbe.create(testKit.system());
 * mailboxes.awaitSize(actor, 0);            // drained
 * mailboxes.awaitCapacity(actor, 16);       // shrunk back to min-capacity
 * mailboxes.assertNoDrops();                // no overflow to dead letters since mark()
 * </pre>
 *
 * <p>Waits poll every 10 ms up to the probe's timeout (default: as for Pekko's own test probes,
 * {@code pekko.actor.testkit.typed.single-expect-default}, 3 s in Pekko's reference, dilated by
 * {@code pekko.actor.testkit.typed.timefactor}). Any thread; the probe holds only the drop
 * baseline, so call {@link #mark()} while no drop assertion runs.
 */
public final class MailboxProbe {

  private static final long POLL_MILLIS = 10;

  /** The longest timeout in nanoseconds a long holds; longer ones wait as long as this. */
  private static final Duration MAX_NANOS = Duration.ofNanos(Long.MAX_VALUE);

  private final MailboxRegistry registry;
  private final Duration timeout;
  private final Map<String, Long> droppedAtMark;

  private MailboxProbe(
      MailboxRegistry registry, Duration timeout, Map<String, Long> droppedAtMark) {
    this.registry = registry;
    this.timeout = timeout;
    this.droppedAtMark = droppedAtMark;
  }

  /**
   * A probe of {@code system} (typed or classic), with its drop baseline taken now.
   *
   * @param system the actor system whose mailboxes to read
   * @return the probe
   */
  public static MailboxProbe create(ClassicActorSystemProvider system) {
    // Pekko's own probes' default: single-expect-default dilated by the timefactor
    TestKitSettings settings =
        TestKitSettings.create(
            system.classicSystem().settings().config().getConfig("pekko.actor.testkit.typed"));
    Duration timeout = Duration.ofNanos(settings.SingleExpectDefaultTimeout().toNanos());
    MailboxProbe probe =
        new MailboxProbe(MailboxRegistry.get(system), timeout, new ConcurrentHashMap<>());
    probe.mark();
    return probe;
  }

  /**
   * This probe with another wait timeout (sharing the drop baseline).
   *
   * @param timeout how long the {@code await...} methods wait; must be positive
   * @return a probe waiting up to {@code timeout}
   */
  public MailboxProbe withTimeout(Duration timeout) {
    Objects.requireNonNull(timeout, "timeout");
    if (timeout.isNegative() || timeout.isZero()) {
      throw new IllegalArgumentException("timeout must be positive, was " + timeout);
    }
    return new MailboxProbe(registry, timeout, droppedAtMark);
  }

  /**
   * A probe of the same system, with the same timeout and a drop baseline of its own, taken now:
   * its {@link #mark()} and assertions neither affect nor see another probe's. The JUnit extension
   * gives each test one, so that tests run in parallel do not reset each other's baseline.
   */
  public MailboxProbe withOwnBaseline() {
    MailboxProbe probe = new MailboxProbe(registry, timeout, new ConcurrentHashMap<>());
    probe.mark();
    return probe;
  }

  /** How long the {@code await...} methods wait. */
  public Duration timeout() {
    return timeout;
  }

  // ------------------------------------------------------------------------------------------
  // Finding mailboxes

  /**
   * The mailbox of {@code actor}, waiting up to the timeout for it to register.
   *
   * @throws AssertionError if the actor has no live ElasticQ mailbox
   */
  public MailboxInfo mailboxOf(ActorRef<?> actor) {
    return mailboxOf(actor.path());
  }

  /**
   * The mailbox of a classic {@code actor}, waiting up to the timeout for it to register.
   *
   * @throws AssertionError if the actor has no live ElasticQ mailbox
   */
  public MailboxInfo mailboxOf(org.apache.pekko.actor.ActorRef actor) {
    return mailboxOf(actor.path());
  }

  private MailboxInfo mailboxOf(ActorPath path) {
    return mailboxOf(path, deadline());
  }

  /**
   * The nanoTime at which a wait starting now gives up. A timeout beyond what a long holds in
   * nanoseconds (some 292 years, e.g. {@code ChronoUnit.FOREVER}) waits that long: {@code
   * toNanos()} would throw ArithmeticException, and the sum wraps harmlessly, as the waits compare
   * {@code nanoTime() - deadline}.
   */
  private long deadline() {
    long nanos = timeout.compareTo(MAX_NANOS) >= 0 ? Long.MAX_VALUE : timeout.toNanos();
    return System.nanoTime() + nanos;
  }

  /** The mailbox of {@code path}, waiting until {@code deadline} (nanoTime) for it to register. */
  private MailboxInfo mailboxOf(ActorPath path, long deadline) {
    while (true) {
      Optional<MailboxInfo> info = registry.find(path);
      if (info.isPresent()) {
        return info.get();
      }
      if (System.nanoTime() - deadline >= 0) {
        throw new AssertionError(
            "actor ["
                + path
                + "] has no live ElasticQ mailbox after "
                + timeout.toMillis()
                + " ms (is it stopped, or spawned without an ElasticQ mailbox, e.g."
                + " MailboxSelector.fromConfig(\"elasticq.mailbox\")?); live ElasticQ mailboxes: "
                + summary(registry.mailboxes()));
      }
      sleep();
    }
  }

  /**
   * The live mailboxes created from configuration path {@code id} (one per actor; the shared queue
   * of a balancing dispatcher has an empty owner), possibly none. Does not wait.
   */
  public List<MailboxInfo> mailboxes(String id) {
    List<MailboxInfo> out = new ArrayList<>();
    for (MailboxInfo m : registry.mailboxes()) {
      if (m.id().equals(id)) {
        out.add(m);
      }
    }
    return out;
  }

  /** Every live ElasticQ mailbox of the system. Does not wait. */
  public List<MailboxInfo> mailboxes() {
    return registry.mailboxes();
  }

  // ------------------------------------------------------------------------------------------
  // Waiting for figures

  /**
   * Waits until {@code actor}'s mailbox holds exactly {@code size} messages.
   *
   * @return the mailbox as last read
   * @throws AssertionError on timeout, showing the mailbox's figures
   */
  public MailboxInfo awaitSize(ActorRef<?> actor, int size) {
    return await(actor, "size " + size, m -> m.stats().size() == size);
  }

  /**
   * Waits until {@code actor}'s mailbox has a capacity of at most {@code capacity}: after a burst,
   * pass {@code min-capacity} to see it shrink back (the queue shrinks on the actor's own dequeues,
   * one step after a few polls that find it empty; an actor that goes idle right after a burst
   * keeps its capacity, so keep some messages flowing while waiting).
   *
   * @return the mailbox as last read
   * @throws AssertionError on timeout, showing the mailbox's figures
   */
  public MailboxInfo awaitCapacity(ActorRef<?> actor, int capacity) {
    return await(actor, "capacity <= " + capacity, m -> m.stats().capacity() <= capacity);
  }

  /**
   * Waits until the levels of {@code actor}'s QoS mailbox hold exactly {@code sizes}, lowest level
   * first.
   *
   * @return the mailbox as last read
   * @throws AssertionError on timeout, or if the number of levels differs
   */
  public MailboxInfo awaitLevelSizes(ActorRef<?> actor, int... sizes) {
    int[] expected = sizes.clone();
    return await(
        actor,
        "level sizes " + Arrays.toString(expected),
        m -> Arrays.equals(levelSizes(m), expected));
  }

  /**
   * Waits until {@code condition} holds for {@code actor}'s mailbox.
   *
   * @param description what the condition means, for the failure message
   * @return the mailbox as last read
   * @throws AssertionError on timeout, showing the mailbox's figures
   */
  public MailboxInfo await(
      ActorRef<?> actor, String description, Predicate<? super MailboxInfo> condition) {
    // one deadline for the whole wait: finding the mailbox (also again, if the actor's mailbox is
    // replaced) is part of it, so a wait never lasts longer than the timeout
    long deadline = deadline();
    MailboxInfo m = mailboxOf(actor.path(), deadline);
    while (!condition.test(m)) {
      if (System.nanoTime() - deadline >= 0) {
        throw new AssertionError(
            "expected "
                + description
                + " within "
                + timeout.toMillis()
                + " ms, but "
                + describe(m));
      }
      sleep();
      m = mailboxOf(actor.path(), deadline);
    }
    return m;
  }

  // ------------------------------------------------------------------------------------------
  // Drops

  /**
   * Takes the drop baseline: {@link #assertNoDrops()} counts only messages dropped after this call.
   * The JUnit extension calls it before each test. Any thread.
   */
  public void mark() {
    droppedAtMark.clear();
    for (MailboxInfo m : registry.mailboxes()) {
      droppedAtMark.put(key(m), dropped(m));
    }
  }

  /**
   * Asserts that no live ElasticQ mailbox dropped a message since {@link #mark()}: rejected it at
   * {@code max-capacity} or, for a {@code QosMailbox}, shed it under overload ({@code
   * shedding.threshold}); either sends it to dead letters. A mailbox created since counts from
   * zero, also that of an actor started again under the name of one that stopped and a shared queue
   * of a balancing pool started on the same mailbox section as another. Mailboxes of actors that
   * have stopped are no longer listed, so assert before stopping them.
   *
   * @throws AssertionError naming every mailbox that dropped, with its figures
   */
  public void assertNoDrops() {
    List<String> dropped = new ArrayList<>();
    for (MailboxInfo m : registry.mailboxes()) {
      long drops = dropsSinceMark(m);
      if (drops > 0) {
        dropped.add(drops + " dropped by " + describe(m));
      }
    }
    if (!dropped.isEmpty()) {
      throw new AssertionError(
          "expected no ElasticQ mailbox to drop messages since mark(), but "
              + String.join("; ", dropped));
    }
  }

  /**
   * Asserts that {@code actor}'s mailbox dropped (rejected or shed) no message since {@link
   * #mark()}.
   *
   * @throws AssertionError with the mailbox's figures if it did
   */
  public void assertNoDrops(ActorRef<?> actor) {
    MailboxInfo m = mailboxOf(actor);
    long drops = dropsSinceMark(m);
    if (drops > 0) {
      throw new AssertionError(
          "expected no drops since mark(), but " + drops + " dropped by " + describe(m));
    }
  }

  /** Messages {@code actor}'s mailbox dropped (rejected or shed) since {@link #mark()}. */
  public long dropsSinceMark(ActorRef<?> actor) {
    return dropsSinceMark(mailboxOf(actor));
  }

  private long dropsSinceMark(MailboxInfo m) {
    // the baseline is this queue's own (see key), and its counters only grow
    return dropped(m) - droppedAtMark.getOrDefault(key(m), 0L);
  }

  /** Messages {@code m} sent to dead letters instead of queueing: overflow and QoS shedding. */
  private static long dropped(MailboxInfo m) {
    return m.stats().rejected() + m.shed();
  }

  // ------------------------------------------------------------------------------------------
  // QoS levels

  /** Current size of each level of {@code actor}'s mailbox, lowest first (one for non-QoS). */
  public int[] levelSizes(ActorRef<?> actor) {
    return levelSizes(mailboxOf(actor));
  }

  /**
   * Messages accepted by each level of {@code actor}'s mailbox since it was created, lowest first.
   */
  public long[] levelEnqueued(ActorRef<?> actor) {
    return mailboxOf(actor).levelStats().stream().mapToLong(QueueStats::enqueued).toArray();
  }

  /** Messages taken from each level of {@code actor}'s mailbox, lowest first. */
  public long[] levelDequeued(ActorRef<?> actor) {
    return mailboxOf(actor).levelStats().stream().mapToLong(QueueStats::dequeued).toArray();
  }

  private static int[] levelSizes(MailboxInfo m) {
    return m.levelStats().stream().mapToInt(QueueStats::size).toArray();
  }

  // ------------------------------------------------------------------------------------------
  // Messages

  /**
   * One line with every figure of {@code m}: {@code mailbox [id] of [owner] (Type): size=..,
   * capacity=.., max=.., peak=.., enqueued=.., dequeued=.., rejected=.., grows=.., shrinks=..},
   * {@code shed=..} per level when a QoS mailbox shed messages, and, for QoS, the figures per
   * level.
   */
  public static String describe(MailboxInfo m) {
    StringBuilder sb = new StringBuilder("mailbox [").append(m.id()).append(']');
    if (!m.ownerPath().isEmpty()) {
      sb.append(" of [").append(m.ownerPath()).append(']');
    }
    String type = m.mailboxType();
    sb.append(" (").append(type.substring(type.lastIndexOf('.') + 1)).append("): ");
    figures(sb, m.stats());
    sb.append(", max=").append(m.maxCapacity());
    if (m.shed() > 0) {
      sb.append(", shed=").append(m.shed()).append(' ').append(m.levelShed());
    }
    if (m.levelStats().size() > 1) {
      sb.append(", levels=[");
      for (int i = 0; i < m.levelStats().size(); i++) {
        sb.append(i == 0 ? "" : ", ").append(i).append(": ");
        figures(sb, m.levelStats().get(i));
      }
      sb.append(']');
      if (m.clampedLevels() > 0) {
        sb.append(", clampedLevels=").append(m.clampedLevels());
      }
    }
    return sb.toString();
  }

  private static void figures(StringBuilder sb, QueueStats s) {
    sb.append("size=")
        .append(s.size())
        .append(", capacity=")
        .append(s.capacity())
        .append(", peak=")
        .append(s.peakSize())
        .append(", enqueued=")
        .append(s.enqueued())
        .append(", dequeued=")
        .append(s.dequeued())
        .append(", rejected=")
        .append(s.rejected())
        .append(", grows=")
        .append(s.grows())
        .append(", shrinks=")
        .append(s.shrinks());
  }

  private static String summary(List<MailboxInfo> mailboxes) {
    if (mailboxes.isEmpty()) {
      return "none";
    }
    List<String> names = new ArrayList<>();
    for (MailboxInfo m : mailboxes.subList(0, Math.min(10, mailboxes.size()))) {
      names.add(m.id() + (m.ownerPath().isEmpty() ? "" : " of " + m.ownerPath()));
    }
    return mailboxes.size() + " " + names + (mailboxes.size() > 10 ? "..." : "");
  }

  /**
   * A mailbox's baseline key: its id and which queue it is, its owner's incarnation (path and uid)
   * or, for a shared queue (no owner), its registry serial. So an actor started again under the
   * same name after {@link #mark()}, or another shared queue of the same id (a second balancing
   * pool on the mailbox section), counts from zero instead of inheriting the baseline of another
   * queue.
   */
  private static String key(MailboxInfo m) {
    return m.id() + '\u0000' + m.ownerPath() + '#' + m.ownerUid() + '#' + m.sharedQueueSerial();
  }

  private static void sleep() {
    try {
      Thread.sleep(POLL_MILLIS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError("interrupted while waiting for a mailbox", e);
    }
  }
}
