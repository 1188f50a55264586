package io.github.elasticq.mailbox;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import io.github.elasticq.queue.QueueStats;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.lang.ref.ReferenceQueue;
import java.lang.ref.WeakReference;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;
import org.apache.pekko.actor.AbstractExtensionId;
import org.apache.pekko.actor.ActorPath;
import org.apache.pekko.actor.ActorRef;
import org.apache.pekko.actor.ActorSystem;
import org.apache.pekko.actor.Cancellable;
import org.apache.pekko.actor.ClassicActorSystemProvider;
import org.apache.pekko.actor.ExtendedActorSystem;
import org.apache.pekko.actor.Extension;
import org.apache.pekko.actor.ExtensionId;
import org.apache.pekko.actor.ExtensionIdProvider;

/**
 * Every live ElasticQ mailbox of one actor system: its id (config path), owner path, mailbox type
 * and current counters. Metrics and management integrations read it; mailboxes write it only when
 * they are created and cleaned up, never per message.
 *
 * <pre>
 * MailboxRegistry registry = MailboxRegistry.get(system); // classic or typed ActorSystem
 * for (MailboxInfo m : registry.mailboxes()) { ... }
 * </pre>
 *
 * <p>Lifecycle: a mailbox registers when Pekko creates its queue and deregisters in {@code cleanUp}
 * when its actor stops, so stopped actors disappear. Entries refer to their queue weakly, so even a
 * queue that is never cleaned up (one Pekko discards, or the shared queue of a balancing dispatcher
 * that goes away) is not kept reachable; such entries are dropped the next time the registry is
 * written or read.
 *
 * <p>All methods may be called from any thread. Listing is weakly consistent: a mailbox registered
 * or removed concurrently may or may not appear. The counters of each entry are read when the
 * listing is made.
 *
 * <p>For metrics (read by {@code io.github.elasticq.mailbox.kamon}): {@link #takeSnapshot()} reads,
 * consistently, the mailboxes with peaks since the previous take ({@link #takeMailboxes()}) and the
 * final counters of stopped mailboxes per id ({@link #stoppedTotals()}), so that totals never lose
 * what a stopped actor received and never count it twice; {@link #setTimeInMailboxListener}
 * receives the sampled times in mailbox.
 */
public final class MailboxRegistry implements Extension {

  /** The extension id; prefer {@link #get(ClassicActorSystemProvider)}. */
  public static final Id ID = new Id();

  private static final VarHandle HEAD;

  static {
    try {
      HEAD =
          MethodHandles.lookup().findVarHandle(MailboxRegistry.class, "head", Registration.class);
    } catch (ReflectiveOperationException e) {
      throw new ExceptionInInitializerError(e);
    }
  }

  /** Fewest removed entries worth a sweep (below it, walking the list costs more than it frees). */
  static final int SWEEP_MIN = 64;

  private final ActorSystem system;

  /**
   * The entries, newest first: an intrusive singly linked list (each entry is one weak reference
   * with a link, the whole per-mailbox cost of the registry). Registering pushes with a CAS on the
   * head; an entry is removed logically by clearing its reference (deregistration) or by the
   * garbage collector, and unlinked later by {@link #sweep}, which never unlinks the head, so
   * pushes and sweeps never write the same field. Readers walk without a lock and skip cleared
   * entries; an unlinked entry keeps its link, so a reader standing on it still reaches the rest.
   */
  @SuppressWarnings("unused") // reached through HEAD
  private volatile Registration head;

  /** Entries not deregistered and not reported collected: {@link #size()}. */
  private final AtomicInteger liveCount = new AtomicInteger();

  /** How many times the time-in-mailbox listener threw (see {@link #setTimeInMailboxListener}). */
  private final AtomicLong listenerFailures = new AtomicLong();

  /** The last {@link MailboxInfo#sharedQueueSerial()} given to an entry without an owner. */
  private final AtomicLong sharedQueueSerials = new AtomicLong();

  /** Removed entries (about) still linked; a sweep runs when they outnumber the live ones. */
  private final AtomicInteger removedCount = new AtomicInteger();

  /** Held by the one thread sweeping at a time. */
  private final ReentrantLock sweepLock = new ReentrantLock();

  private final ReferenceQueue<AbstractElasticMessageQueue> cleared = new ReferenceQueue<>();
  private final int sampleEvery;
  private final Map<String, StoppedTotals> stopped = new LinkedHashMap<>(); // guarded by itself
  private volatile TimeInMailboxListener timeListener;

  /**
   * The idle checks of {@code burst-memory} queues ({@link IdleTrimmed}): started by the first such
   * queue to register, at half the shortest {@code idle-shrink-after} registered. Guarded by this.
   */
  private Cancellable idleChecks;

  private long idleCheckNanos = Long.MAX_VALUE; // guarded by this

  /** Held by the one idle check running at a time. */
  private final ReentrantLock idleCheckLock = new ReentrantLock();

  /**
   * The entries of the {@code burst-memory} queues only, so that an idle check walks those and not
   * every mailbox of the system; an entry is dropped by the first check that finds it cleared
   * (deregistered or collected).
   */
  private final ConcurrentLinkedQueue<Registration> idleChecked = new ConcurrentLinkedQueue<>();

  private MailboxRegistry(ActorSystem system) {
    this.system = system;
    this.sampleEvery = sampleEvery(system.settings().config());
  }

  /**
   * {@code elasticq.kamon.time-in-mailbox.sample-every} when {@code elasticq.kamon.enabled = on},
   * else 0. Lenient: the Kamon extension validates the section and fails the start on bad values.
   */
  private static int sampleEvery(Config config) {
    try {
      if (!config.getBoolean("elasticq.kamon.enabled")) {
        return 0;
      }
      return Math.max(0, config.getInt("elasticq.kamon.time-in-mailbox.sample-every"));
    } catch (ConfigException e) {
      return 0;
    }
  }

  /**
   * About one envelope in this many is timestamped for the time-in-mailbox metric; 0 when sampling
   * is off. Read from the configuration once, when the registry is created. Any thread.
   */
  public int sampleEvery() {
    return sampleEvery;
  }

  /**
   * Receives every sampled time in mailbox, on the consumer thread of the mailbox (keep it short
   * and non-blocking); null stops the reports. A listener that throws does not disturb the mailbox:
   * the message is delivered all the same, and the first failure is logged as a warning. Any
   * thread.
   */
  public void setTimeInMailboxListener(TimeInMailboxListener listener) {
    this.timeListener = listener;
  }

  /**
   * As {@link #mailboxes()}, except that every {@code peakSize} (of {@code stats} and of each
   * level) is the largest size since the previous call of this method, which is meant for one
   * metrics poller. For a QoS mailbox, {@code stats.peakSize} is the sum of the level and control
   * peaks (an upper bound of the true peak). Any thread; O(mailboxes).
   */
  public List<MailboxInfo> takeMailboxes() {
    expunge();
    List<MailboxInfo> out = new ArrayList<>(Math.max(0, liveCount.get()));
    for (Registration r = headAcquire(); r != null; r = r.next) {
      MailboxInfo info = r.takeInfo();
      if (info != null) {
        out.add(info);
      }
    }
    return Collections.unmodifiableList(out);
  }

  /**
   * {@link #takeMailboxes()} and {@link #stoppedTotals()} read together so that no mailbox is in
   * both: a mailbox listed live has not been added to the stopped totals of the same snapshot. A
   * mailbox stopping meanwhile may be in neither; its counters are in the stopped totals of a later
   * snapshot (sums of live and stopped figures may dip for one snapshot, never exceed the truth).
   * Reading the two separately can count a mailbox twice: listed live, then stopped and added to
   * the totals before they are read. Any thread; O(mailboxes + ids).
   */
  public Snapshot takeSnapshot() {
    // Totals first. A clean-up clears its entry before it adds its counters under the totals' lock
    // (deregister, then retire), so every entry retired into the totals read here is already
    // cleared
    // for the walk that follows (lock release/acquire orders the clear before the walk's read).
    List<MailboxInfo> stoppedNow = stoppedTotals();
    return new Snapshot(takeMailboxes(), stoppedNow);
  }

  /**
   * For each mailbox id and type, the counters of every stopped mailbox added together ({@code
   * ownerPath} empty; {@code size}, {@code capacity}, {@code peakSize} and {@code allocatedSlots}
   * zero), with {@code cleanedUp}: what their clean-ups sent to dead letters. Totals only grow. Any
   * thread; O(ids).
   */
  public List<MailboxInfo> stoppedTotals() {
    synchronized (stopped) {
      List<MailboxInfo> out = new ArrayList<>(stopped.size());
      for (StoppedTotals t : stopped.values()) {
        out.add(t.info());
      }
      return Collections.unmodifiableList(out);
    }
  }

  /**
   * Adds the final counters of a cleaned-up queue to the totals of its id and type; called by the
   * queue's cleanUp after {@link #deregister} of its entry, which {@link #takeSnapshot()} relies
   * on.
   */
  void retire(
      String id,
      String mailboxType,
      QueueStats stats,
      List<QueueStats> levels,
      long clamped,
      long cleanedUp,
      long[] levelCleanedUp,
      int maxCapacity,
      long[] levelShed) {
    synchronized (stopped) {
      stopped
          .computeIfAbsent(
              id + '\u0000' + mailboxType,
              k -> new StoppedTotals(id, mailboxType, levels.size(), maxCapacity))
          .add(stats, levels, clamped, cleanedUp, levelCleanedUp, levelShed);
    }
  }

  /**
   * The registry of {@code system}; a typed {@code ActorSystem} is a {@link
   * ClassicActorSystemProvider} too. Any thread.
   */
  public static MailboxRegistry get(ClassicActorSystemProvider system) {
    return ID.get(system);
  }

  /** The registry of a classic {@code system}. Any thread. */
  public static MailboxRegistry get(ActorSystem system) {
    return ID.get(system);
  }

  boolean belongsTo(ActorSystem other) {
    return system == other;
  }

  /** Number of live ElasticQ mailboxes. Any thread; O(1) after dropping collected entries. */
  public int size() {
    expunge();
    return Math.max(0, liveCount.get());
  }

  /** A snapshot of every live mailbox with its current counters. Any thread; O(mailboxes). */
  public List<MailboxInfo> mailboxes() {
    expunge();
    List<MailboxInfo> out = new ArrayList<>(Math.max(0, liveCount.get()));
    for (Registration r = headAcquire(); r != null; r = r.next) {
      MailboxInfo info = r.info();
      if (info != null) {
        out.add(info);
      }
    }
    return Collections.unmodifiableList(out);
  }

  /**
   * The mailbox owned by {@code actor}, if it is a live ElasticQ mailbox: that incarnation's, so a
   * reference to a stopped actor whose name was taken again finds nothing. Any thread;
   * O(mailboxes).
   */
  public Optional<MailboxInfo> find(ActorRef actor) {
    return find(actor.path(), actor.path().uid());
  }

  /**
   * The mailbox owned by the actor at {@code path} (whichever incarnation lives there now, unless
   * the path carries a uid). Any thread; O(mailboxes).
   */
  public Optional<MailboxInfo> find(ActorPath path) {
    return find(path, path.uid());
  }

  private Optional<MailboxInfo> find(ActorPath path, int uid) {
    expunge();
    for (Registration r = headAcquire(); r != null; r = r.next) {
      // ActorPath.equals ignores the uid: 0 (undefined) matches any incarnation
      if (path.equals(r.owner) && (uid == 0 || r.owner.uid() == uid)) {
        MailboxInfo info = r.info(); // null once the queue is cleaned up or collected
        if (info != null) {
          return Optional.of(info);
        }
      }
    }
    return Optional.empty();
  }

  /**
   * Adds an entry for {@code queue}, which must be fully built, owned by the actor at {@code owner}
   * (null for a shared queue). Any thread; lock-free.
   */
  Registration register(AbstractElasticMessageQueue queue, ActorPath owner) {
    expunge();
    Registration r =
        owner != null
            ? new Registration(queue, cleared, owner)
            : new SharedRegistration(queue, cleared, sharedQueueSerials.incrementAndGet());
    liveCount.incrementAndGet();
    Registration h;
    do {
      h = headAcquire();
      r.next = h; // published by the CAS
    } while (!HEAD.compareAndSet(this, h, r));
    if (queue instanceof IdleTrimmed q) {
      idleChecked.add(r);
      startIdleChecks(q.idleNanos() / 2);
    }
    return r;
  }

  /**
   * The longest wait between two idle checks: an {@code idle-shrink-after} of months (a user's
   * "practically never") is checked hourly rather than at half of it, which Pekko's scheduler
   * refuses beyond about 248 days (the actor then failed to start, and its messages were lost).
   */
  static final long MAX_IDLE_CHECK_NANOS = TimeUnit.HOURS.toNanos(1);

  /** Runs {@link #checkIdle} every {@code nanos} from now on, unless it already runs as often. */
  private synchronized void startIdleChecks(long nanos) {
    long every = Math.min(Math.max(nanos, 1_000_000L), MAX_IDLE_CHECK_NANOS);
    if (every >= idleCheckNanos) {
      return;
    }
    Duration d = Duration.ofNanos(every);
    Cancellable next =
        system.scheduler().scheduleWithFixedDelay(d, d, this::checkIdle, system.dispatcher());
    if (idleChecks != null) {
      idleChecks.cancel();
    }
    idleChecks = next;
    idleCheckNanos = every; // only once scheduled: a refused schedule leaves the old one in force
  }

  /**
   * One round of idle checks over the registered {@code burst-memory} queues (see {@link
   * IdleTrimmed#checkIdle}); the timer's task, one round at a time.
   *
   * @return the number of queues whose trim was requested in this round
   */
  int checkIdle() {
    if (!idleCheckLock.tryLock()) {
      return 0;
    }
    try {
      int requested = 0;
      long now = System.nanoTime();
      for (Iterator<Registration> it = idleChecked.iterator(); it.hasNext(); ) {
        if (!(it.next().get() instanceof IdleTrimmed q)) {
          it.remove(); // cleared: the queue was cleaned up or collected
        } else if (q.checkIdle(now)) {
          requested++;
        }
      }
      return requested;
    } finally {
      idleCheckLock.unlock();
    }
  }

  /**
   * The owners of the entries the idle checks walk (null for an unowned queue), cleared ones
   * included until the next check drops them. Any thread; for tests.
   */
  List<ActorPath> idleCheckedOwners() {
    List<ActorPath> out = new ArrayList<>();
    for (Registration r : idleChecked) {
      out.add(r.owner);
    }
    return out;
  }

  /** Removes the entry of a queue being cleaned up (once per entry). Any thread. */
  void deregister(Registration r) {
    r.clear(); // readers skip it from now on; a collected-entry report can no longer come
    liveCount.decrementAndGet();
    removed(1);
  }

  /** Counts entries removed by the garbage collector. */
  private void expunge() {
    int n = 0;
    for (Object ref = cleared.poll(); ref != null; ref = cleared.poll()) {
      n++;
    }
    if (n > 0) {
      liveCount.addAndGet(-n);
      removed(n);
    }
  }

  /** Notes {@code n} more removed entries; sweeps when they outnumber the live ones. */
  private void removed(int n) {
    int dead = removedCount.addAndGet(n);
    if (dead >= SWEEP_MIN && dead > liveCount.get()) {
      sweep();
    }
  }

  /**
   * Unlinks every cleared entry except the head (a concurrent push may be replacing it). One
   * sweeper at a time (others skip: the sweep in progress will do); amortized O(1) per removal,
   * since a sweep runs only when removed entries outnumber live ones.
   */
  private void sweep() {
    if (!sweepLock.tryLock()) {
      return;
    }
    try {
      int unlinked = 0;
      Registration prev = headAcquire();
      if (prev == null) {
        return;
      }
      for (Registration r = prev.next; r != null; r = r.next) {
        if (r.get() == null) {
          prev.next = r.next; // r keeps its own link for a reader standing on it
          unlinked++;
        } else {
          prev = r;
        }
      }
      removedCount.addAndGet(-unlinked);
    } finally {
      sweepLock.unlock();
    }
  }

  /** Entries still linked, live or removed; for tests (O(entries)). */
  int linkedEntries() {
    int n = 0;
    for (Registration r = headAcquire(); r != null; r = r.next) {
      n++;
    }
    return n;
  }

  private Registration headAcquire() {
    return (Registration) HEAD.getAcquire(this);
  }

  /** Hands a sampled time in mailbox of {@code q} (entry {@code r}) to the listener. Consumer. */
  void timeInMailbox(Registration r, AbstractElasticMessageQueue q, String level, long nanos) {
    TimeInMailboxListener l = timeListener;
    if (l != null) {
      String path = r.ownerString;
      if (path == null) {
        ActorPath owner = r.owner;
        path = owner == null ? "" : owner.toString();
        r.ownerString = path; // benign race: every thread computes the same string
      }
      try {
        l.timeInMailbox(q.id(), q.mailboxType(), path, level, nanos);
      } catch (RuntimeException | Error e) {
        // the message is already out of the queue: a failing listener must not lose it
        if (listenerFailures.getAndIncrement() == 0) {
          system
              .log()
              .warning(
                  "time-in-mailbox listener {} threw {}; the message is delivered, later failures"
                      + " are counted, not logged",
                  l,
                  e);
        }
      }
    }
  }

  /** Logs a warning through the registry's actor system (up to four arguments). Any thread. */
  void warning(String template, Object a1, Object a2, Object a3, Object a4) {
    system.log().warning(template, a1, a2, a3, a4);
  }

  /** How many times the time-in-mailbox listener threw; for tests. */
  long listenerFailures() {
    return listenerFailures.get();
  }

  @Override
  public String toString() {
    return "MailboxRegistry{system=" + system.name() + ", mailboxes=" + size() + '}';
  }

  /**
   * One entry: a weak reference to its queue (which holds, in its family, the id and type the
   * listing reads), the owner's path and the link of the registry's list. Identity equality. It
   * fills the 40 bytes a weak reference with two more fields takes anyway, so the owner costs the
   * entry nothing and the queue (one per actor) 4 bytes less. An entry without an owner is a {@link
   * SharedRegistration}, which adds the serial that tells its queue apart.
   */
  static sealed class Registration extends WeakReference<AbstractElasticMessageQueue>
      permits SharedRegistration {
    /** The next older entry; written before the push's CAS, then only by the sweeper. */
    volatile Registration next;

    /** The owning actor's path; null for a shared queue (and in the pending marker). */
    final ActorPath owner;

    /** The owner's path as a string, made on the first sample (not per actor creation). */
    private String ownerString;

    private Registration(
        AbstractElasticMessageQueue queue,
        ReferenceQueue<AbstractElasticMessageQueue> cleared,
        ActorPath owner) {
      super(queue, cleared);
      this.owner = owner;
    }

    /** An entry of no registry and no queue: the queues' "not registered yet" marker. */
    static Registration pending() {
      return new Registration(null, null, null);
    }

    /** See {@link MailboxInfo#sharedQueueSerial()}: 0 for an owned queue. */
    long sharedQueueSerial() {
      return 0L;
    }

    MailboxInfo info() {
      AbstractElasticMessageQueue q = get();
      if (q == null) {
        return null;
      }
      List<QueueStats> levels = q.levelStats();
      return info(q, q.stats(levels), levels); // one read of each level: totals add up
    }

    private MailboxInfo info(
        AbstractElasticMessageQueue q, QueueStats stats, List<QueueStats> levels) {
      return new MailboxInfo(
          q.id(),
          owner == null ? "" : owner.toString(),
          q.mailboxType(),
          stats,
          levels,
          q.clampedLevels(),
          q.maxCapacity(),
          0L,
          Collections.nCopies(levels.size(), 0L),
          shedList(q.levelShed(), levels.size()),
          owner == null ? 0 : owner.uid(),
          sharedQueueSerial());
    }

    /** As {@link #info()} with window peaks (see {@link MailboxRegistry#takeMailboxes()}). */
    MailboxInfo takeInfo() {
      AbstractElasticMessageQueue q = get();
      if (q == null) {
        return null;
      }
      int[] peaks = q.takePeakWindows();
      List<QueueStats> levels = q.levelStats();
      QueueStats whole = q.stats(levels); // one read of each level, so the control share is exact
      List<QueueStats> windowed = new ArrayList<>(levels.size());
      long sum = 0;
      for (int i = 0; i < levels.size(); i++) {
        windowed.add(withPeak(levels.get(i), peaks[i]));
        sum += peaks[i];
      }
      for (int i = levels.size(); i < peaks.length; i++) {
        sum += peaks[i];
      }
      QueueStats all = withPeak(whole, (int) Math.min(Integer.MAX_VALUE, sum));
      return info(q, all, windowed);
    }

    private static QueueStats withPeak(QueueStats s, int peak) {
      return new QueueStats(
          s.capacity(),
          s.size(),
          s.enqueued(),
          s.dequeued(),
          s.rejected(),
          s.grows(),
          s.shrinks(),
          peak,
          s.allocatedSlots());
    }
  }

  /**
   * The entry of a queue without an owner (the shared queue of a balancing dispatcher): several
   * such queues can have the same id, and a new one must not be taken for an older one, so each
   * gets a serial of its registry. A subclass, so that the per-actor entries do not pay for it.
   */
  static final class SharedRegistration extends Registration {
    private final long serial;

    private SharedRegistration(
        AbstractElasticMessageQueue queue,
        ReferenceQueue<AbstractElasticMessageQueue> cleared,
        long serial) {
      super(queue, cleared, null);
      this.serial = serial;
    }

    @Override
    long sharedQueueSerial() {
      return serial;
    }
  }

  private static List<Long> shedList(long[] shed, int levels) {
    List<Long> out = new ArrayList<>(levels);
    for (int i = 0; i < levels; i++) {
      out.add(shed == null || i >= shed.length ? 0L : shed[i]);
    }
    return out;
  }

  /**
   * One read of the registry for a metrics poller; see {@link #takeSnapshot()}.
   *
   * @param live the live mailboxes, as {@link #takeMailboxes()} lists them
   * @param stopped the totals of the stopped mailboxes per id and type, as {@link #stoppedTotals()}
   *     lists them, none of them also in {@code live}
   */
  public record Snapshot(List<MailboxInfo> live, List<MailboxInfo> stopped) {}

  /** Receives sampled times in mailbox; see {@link #setTimeInMailboxListener}. */
  @FunctionalInterface
  public interface TimeInMailboxListener {
    /**
     * One sampled envelope spent {@code nanos} between its enqueue and its dequeue. Called on the
     * mailbox's consumer thread.
     *
     * @param id the mailbox id (config path)
     * @param mailboxType fully qualified class name of the mailbox type
     * @param ownerPath the owning actor's path, or empty for a shared queue
     * @param nanos time in the mailbox, in nanoseconds
     */
    void timeInMailbox(String id, String mailboxType, String ownerPath, long nanos);

    /**
     * As {@link #timeInMailbox(String, String, String, long)}, with the QoS level the envelope was
     * queued at; the registry calls this one. By default it drops the level.
     *
     * @param level {@code "0"} (lowest) up to {@code levels - 1}, or {@code "control"} for Pekko's
     *     control messages, in a {@link QosMailbox}; null in every other mailbox
     */
    default void timeInMailbox(
        String id, String mailboxType, String ownerPath, String level, long nanos) {
      timeInMailbox(id, mailboxType, ownerPath, nanos);
    }
  }

  /** The counters of the stopped mailboxes of one id and type. Guarded by the registry's map. */
  private static final class StoppedTotals {
    private final String id;
    private final String mailboxType;
    private final int maxCapacity;
    private final long[][] levels; // enqueued, dequeued, rejected, grows, shrinks per level
    private final long[] all = new long[5];
    private final long[] levelCleanedUp;
    private final long[] levelShed;
    private long clamped;
    private long cleanedUp;

    StoppedTotals(String id, String mailboxType, int levelCount, int maxCapacity) {
      this.id = id;
      this.mailboxType = mailboxType;
      this.maxCapacity = maxCapacity;
      this.levels = new long[levelCount][5];
      this.levelCleanedUp = new long[levelCount];
      this.levelShed = new long[levelCount];
    }

    void add(
        QueueStats stats,
        List<QueueStats> levelStats,
        long clampedLevels,
        long cleaned,
        long[] levelCleaned,
        long[] shed) {
      addTo(all, stats);
      for (int i = 0; i < levels.length && i < levelStats.size(); i++) {
        addTo(levels[i], levelStats.get(i));
        levelCleanedUp[i] += levelCleaned[i];
        levelShed[i] += shed == null || i >= shed.length ? 0 : shed[i];
      }
      clamped += clampedLevels;
      cleanedUp += cleaned;
    }

    private static void addTo(long[] t, QueueStats s) {
      t[0] += s.enqueued();
      t[1] += s.dequeued();
      t[2] += s.rejected();
      t[3] += s.grows();
      t[4] += s.shrinks();
    }

    private static QueueStats stats(long[] t) {
      return new QueueStats(0, 0, t[0], t[1], t[2], t[3], t[4], 0, 0);
    }

    MailboxInfo info() {
      List<QueueStats> ls = new ArrayList<>(levels.length);
      List<Long> lc = new ArrayList<>(levels.length);
      for (int i = 0; i < levels.length; i++) {
        ls.add(stats(levels[i]));
        lc.add(levelCleanedUp[i]);
      }
      return new MailboxInfo(
          id,
          "",
          mailboxType,
          stats(all),
          ls,
          clamped,
          maxCapacity,
          cleanedUp,
          lc,
          shedList(levelShed, levels.length),
          0);
    }
  }

  /** Classic extension id of {@link MailboxRegistry}. */
  public static final class Id extends AbstractExtensionId<MailboxRegistry>
      implements ExtensionIdProvider {

    private Id() {}

    @Override
    public MailboxRegistry createExtension(ExtendedActorSystem system) {
      return new MailboxRegistry(system);
    }

    @Override
    public ExtensionId<? extends Extension> lookup() {
      return ID;
    }
  }
}
