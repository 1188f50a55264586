package io.github.elasticq.mailbox.kamon;

import io.github.elasticq.mailbox.MailboxInfo;
import io.github.elasticq.mailbox.MailboxRegistry;
import io.github.elasticq.queue.QueueStats;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import kamon.Kamon;
import kamon.metric.Counter;
import kamon.metric.Gauge;
import kamon.metric.Timer;
import kamon.tag.TagSet;

/**
 * INTERNAL API: the poller behind {@link ElasticqKamon}. Each poll reads {@link
 * MailboxRegistry#takeSnapshot()} (live mailboxes and stopped totals, no mailbox in both), sums it
 * per series and sets the gauges and advances the counters.
 *
 * <p>Series: one per (mailbox id, type), and per QoS level (tag {@code level}: {@code 0..levels-1}
 * and {@code control} for Pekko control messages), summing every actor of the id; an actor whose
 * path matches {@code per-actor.includes} gets its own series (tag {@code actor}) and is left out
 * of the id's series while it lives. Counters are exported as deltas of exact totals (live
 * mailboxes plus the totals the registry keeps for stopped ones), never from send-side bookkeeping:
 * {@code enqueued = dequeued + dropped{cleanup} + size} and {@code sent = enqueued +
 * dropped{overflow} + dropped{shed}} hold, once the mailboxes are quiet, for the sum of the series
 * of an id (and level) with and without {@code actor} tags, and for every series of an id without
 * per-actor series (shed: QoS levels with overload shedding; that series appears with the first
 * shed message). When a per-actor actor stops, its series is removed and what it exported becomes
 * part of the id series' exported baseline ({@link #handOverStoppedActors}), so that the id's
 * series exports only the rest of that actor's counters: a sum over every series of an id counts
 * each message once. An actor stopped and started again under its name between two polls keeps its
 * series, which hands over the same way and counts the new incarnation from zero. A total may dip
 * for one poll while a stopping mailbox moves from the live list to the stopped totals; counters
 * never go backwards, they wait for the total to catch up. Gauges of a series without live
 * mailboxes are removed, reporting 0 on their way out ({@link #removeGauge}); the counters of an id
 * series stay.
 *
 * <p>Thread-safety: {@link #poll()} is synchronized (the scheduler and {@link
 * ElasticqKamon#pollNow()}); {@link #timeInMailbox} runs on mailbox consumer threads and only reads
 * concurrent maps.
 */
final class MailboxMetrics implements AutoCloseable, MailboxRegistry.TimeInMailboxListener {

  static final String SIZE = "elasticq.mailbox.size";
  static final String PEAK_SIZE = "elasticq.mailbox.peak-size";
  static final String CAPACITY = "elasticq.mailbox.capacity";
  static final String MAX_CAPACITY = "elasticq.mailbox.max-capacity";
  static final String ENQUEUED = "elasticq.mailbox.enqueued";
  static final String DEQUEUED = "elasticq.mailbox.dequeued";
  static final String DROPPED = "elasticq.mailbox.dropped";
  static final String RESIZES = "elasticq.mailbox.resizes";
  static final String TIME_IN_MAILBOX = "elasticq.mailbox.time-in-mailbox";
  static final String COUNT = "elasticq.mailbox.count";

  // Indexes into the counter arrays.
  private static final int ENQ = 0;
  private static final int DEQ = 1;
  private static final int OVERFLOW = 2;
  private static final int CLEANUP = 3;
  private static final int GROW = 4;
  private static final int SHRINK = 5;
  private static final int SHED = 6;
  private static final int COUNTERS = 7;

  /**
   * The {@code system} tag: the actor system's name, or {@code name#n} (see {@link SystemTags}).
   */
  private final String system;

  private final SystemTags.Lease systemTag;
  private final KamonSettings settings;
  private final MailboxRegistry registry;
  private final ScheduledExecutorService scheduler;

  /** Poller state; guarded by {@code this}. */
  private final Map<SeriesKey, Series> series = new HashMap<>();

  private final Map<SeriesKey, Gauge> counts = new HashMap<>();

  /** Time-in-mailbox timers of the id series, by mailbox id; read by consumer threads. */
  private final ConcurrentHashMap<String, Timer> idTimers = new ConcurrentHashMap<>();

  /** Time-in-mailbox timers of the QoS id series, one per id and level; read by consumers. */
  private final ConcurrentHashMap<LevelTimerKey, Timer> levelTimers = new ConcurrentHashMap<>();

  /**
   * Time-in-mailbox timers of per-actor series, by mailbox id, owner path and level (null outside
   * QoS): the id too, since an actor of another mailbox may take the path of a stopped one between
   * two polls. Written by the poller, which removes a timer with its series.
   */
  private final ConcurrentHashMap<ActorTimerKey, Timer> actorTimers = new ConcurrentHashMap<>();

  /** Set by {@link #close()}; volatile: {@link #timeInMailbox} reads it on consumer threads. */
  private volatile boolean closed;

  MailboxMetrics(String systemName, KamonSettings settings, MailboxRegistry registry) {
    this.systemTag = SystemTags.acquire(systemName);
    this.system = systemTag.tag();
    if (systemTag.shared()) {
      System.getLogger(MailboxMetrics.class.getName())
          .log(
              System.Logger.Level.WARNING,
              "elasticq.kamon: another live actor system in this JVM is named ["
                  + systemName
                  + "] and exports ElasticQ mailbox metrics; this one's series are tagged system=["
                  + system
                  + "]");
    }
    this.settings = settings;
    this.registry = registry;
    if (settings.sampleEvery() > 0) {
      registry.setTimeInMailboxListener(this);
    }
    this.scheduler =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread t = new Thread(r, "elasticq-kamon-" + system);
              t.setDaemon(true);
              return t;
            });
    long ms = settings.pollInterval().toMillis();
    scheduler.scheduleWithFixedDelay(this::pollQuietly, ms, Math.max(1, ms), TimeUnit.MILLISECONDS);
  }

  private void pollQuietly() {
    try {
      poll();
    } catch (RuntimeException | LinkageError | AssertionError e) {
      // A failing poll must not end the schedule (an uncaught throwable would, silently); the next
      // one retries. LinkageError: a Kamon version without a method this module calls.
      System.getLogger(MailboxMetrics.class.getName())
          .log(System.Logger.Level.WARNING, "elasticq.kamon poll failed", e);
    }
  }

  /** Reads the registry and exports. Poller thread or {@link ElasticqKamon#pollNow()}. */
  synchronized void poll() {
    if (closed) {
      return;
    }
    for (Series s : series.values()) {
      s.reset();
    }
    Map<SeriesKey, Integer> live = new HashMap<>();
    MailboxRegistry.Snapshot snapshot = registry.takeSnapshot();
    for (MailboxInfo m : snapshot.live()) {
      String type = simpleName(m.mailboxType());
      live.merge(new SeriesKey(m.id(), type, null, null), 1, Integer::sum);
      String actor = settings.perActor(m.ownerPath()) ? m.ownerPath() : null;
      add(m, type, actor, true);
    }
    for (MailboxInfo m : snapshot.stopped()) {
      add(m, simpleName(m.mailboxType()), null, false);
    }
    handOverStoppedActors();
    for (Iterator<Series> it = series.values().iterator(); it.hasNext(); ) {
      Series s = it.next();
      if (!s.export()) {
        it.remove();
      }
    }
    exportCounts(live);
  }

  /**
   * Adds what the series of each stopped per-actor actor exported to the exported baseline of its
   * id's series, whose stopped totals hold (or soon will) that actor's counters: the id's series
   * then exports only what the actor's series had not, so a sum over every series of an id counts
   * each message once.
   */
  private void handOverStoppedActors() {
    List<Series> stopped = new ArrayList<>();
    for (Series s : series.values()) {
      if (s.key.actor != null && !s.alive) {
        stopped.add(s);
      }
    }
    for (Series s : stopped) {
      handOver(s);
    }
  }

  /**
   * Moves what the per-actor series {@code from} exported into the exported baseline of its id's
   * series (see {@link #handOverStoppedActors}); {@code from} starts again from zero.
   */
  private void handOver(Series from) {
    Series id = series(from.key.id, from.key.type, from.key.level, null);
    for (int i = 0; i < COUNTERS; i++) {
      id.exported[i] += from.exported[i];
      from.exported[i] = 0;
    }
  }

  /**
   * The series of {@code m} (of one level); for a per-actor series, first hands over what the
   * previous incarnation of the actor exported if another one lives at its path now (the actor was
   * stopped and started again under its name between two polls).
   */
  private Series series(MailboxInfo m, String type, String level, String actor) {
    Series s = series(m.id(), type, level, actor);
    if (actor != null && s.ownerUid != m.ownerUid()) {
      if (s.ownerUid != 0) {
        handOver(s);
      }
      s.ownerUid = m.ownerUid();
    }
    return s;
  }

  private void add(MailboxInfo m, String type, String actor, boolean alive) {
    boolean qos = m.isQos();
    if (!qos) {
      series(m, type, null, actor).add(m.stats(), m.maxCapacity(), m.cleanedUp(), alive);
      return;
    }
    List<QueueStats> levels = m.levelStats();
    long[] rest = {
      m.stats().capacity(),
      m.stats().size(),
      m.stats().enqueued(),
      m.stats().dequeued(),
      m.stats().rejected(),
      m.stats().grows(),
      m.stats().shrinks(),
      m.stats().peakSize()
    };
    long restCleaned = m.cleanedUp();
    for (int level = 0; level < levels.size(); level++) {
      QueueStats s = levels.get(level);
      long cleaned = m.levelCleanedUp().get(level);
      series(m, type, Integer.toString(level), actor)
          .add(s, m.maxCapacity(), cleaned, alive)
          .shed(m.levelShed().get(level));
      rest[0] -= s.capacity();
      rest[1] -= s.size();
      rest[2] -= s.enqueued();
      rest[3] -= s.dequeued();
      rest[4] -= s.rejected();
      rest[5] -= s.grows();
      rest[6] -= s.shrinks();
      rest[7] -= s.peakSize();
      restCleaned -= cleaned;
    }
    QueueStats control =
        new QueueStats(
            (int) Math.max(0, rest[0]),
            (int) Math.max(0, rest[1]),
            rest[2],
            rest[3],
            rest[4],
            rest[5],
            rest[6],
            (int) Math.max(0, rest[7]),
            0);
    series(m, type, "control", actor).add(control, m.maxCapacity(), restCleaned, alive);
  }

  private Series series(String id, String type, String level, String actor) {
    return series.computeIfAbsent(new SeriesKey(id, type, level, actor), Series::new);
  }

  private void exportCounts(Map<SeriesKey, Integer> live) {
    for (Map.Entry<SeriesKey, Integer> e : live.entrySet()) {
      counts
          .computeIfAbsent(e.getKey(), k -> Kamon.gauge(COUNT).withTags(tags(k)))
          .update(e.getValue());
    }
    for (Iterator<Map.Entry<SeriesKey, Gauge>> it = counts.entrySet().iterator(); it.hasNext(); ) {
      Map.Entry<SeriesKey, Gauge> e = it.next();
      if (!live.containsKey(e.getKey())) {
        removeGauge(e.getValue());
        it.remove();
      }
    }
  }

  /**
   * Removes a gauge whose mailboxes are gone, reporting 0 on its way out: Kamon reports a removed
   * instrument once more, at its next tick, with the value it holds then, and kamon-prometheus's
   * reporter keeps every series it has seen, with that last value, for five years (Kamon #566,
   * #777). Removed holding its figure, the gauge of a stopped actor (its size, its mailbox count)
   * would be scraped at that figure for ever.
   */
  private static void removeGauge(Gauge g) {
    g.update(0);
    g.remove();
  }

  @Override
  public void timeInMailbox(String id, String mailboxType, String ownerPath, long nanos) {
    timeInMailbox(id, mailboxType, ownerPath, null, nanos);
  }

  /**
   * Records on the actor's timer if it has a per-actor series, else on its id's (and, in a QoS
   * mailbox, level's) timer, which the first sample creates.
   */
  @Override
  public void timeInMailbox(
      String id, String mailboxType, String ownerPath, String level, long nanos) {
    if (closed) {
      return; // a consumer that read the listener just before close() took it away
    }
    Timer t = null;
    if (!actorTimers.isEmpty() && !ownerPath.isEmpty()) {
      t = actorTimers.get(new ActorTimerKey(id, ownerPath, level));
    }
    if (t == null) {
      t = level == null ? idTimers.get(id) : levelTimers.get(new LevelTimerKey(id, level));
      if (t == null) {
        // an id (config path) always names one mailbox type
        Timer created =
            Kamon.timer(TIME_IN_MAILBOX)
                .withTags(tags(new SeriesKey(id, simpleName(mailboxType), level, null)));
        t =
            level == null
                ? idTimers.computeIfAbsent(id, k -> created)
                : levelTimers.computeIfAbsent(new LevelTimerKey(id, level), k -> created);
        if (closed) {
          // close() ran between the check above and this creation, and removed what it found:
          // this timer would stay in Kamon (and in the scrape) for a system that is gone
          created.remove();
          idTimers.clear();
          levelTimers.clear();
          return;
        }
      }
    }
    t.record(nanos);
  }

  private TagSet tags(SeriesKey k) {
    TagSet.Builder b =
        TagSet.builder().add("system", system).add("mailbox", k.id).add("type", k.type);
    if (k.level != null) {
      b.add("level", k.level);
    }
    if (k.actor != null) {
      b.add("actor", k.actor);
    }
    return b.build();
  }

  static String simpleName(String fqcn) {
    return fqcn.substring(fqcn.lastIndexOf('.') + 1);
  }

  /** Stops polling and removes every series this poller created. */
  @Override
  public synchronized void close() {
    if (closed) {
      return;
    }
    closed = true;
    scheduler.shutdownNow();
    registry.setTimeInMailboxListener(null);
    for (Series s : series.values()) {
      s.removeAll();
    }
    series.clear();
    for (Gauge g : counts.values()) {
      removeGauge(g);
    }
    counts.clear();
    for (Timer t : idTimers.values()) {
      t.remove();
    }
    idTimers.clear();
    for (Timer t : levelTimers.values()) {
      t.remove();
    }
    levelTimers.clear();
    for (Timer t : actorTimers.values()) {
      t.remove();
    }
    actorTimers.clear();
    systemTag.release();
  }

  /** The value of the {@code system} tag of this poller's series. */
  String systemTag() {
    return system;
  }

  private record SeriesKey(String id, String type, String level, String actor) {}

  /** A time-in-mailbox timer's key: a mailbox id and a QoS level. */
  private record LevelTimerKey(String name, String level) {}

  /** A per-actor time-in-mailbox timer's key: mailbox id, owner path, QoS level or null. */
  private record ActorTimerKey(String id, String actor, String level) {}

  /** One series: its instruments, this poll's sums and the totals already exported. */
  private final class Series {
    private final SeriesKey key;
    private final TagSet tags;
    private final long[] exported = new long[COUNTERS];
    private final long[] totals = new long[COUNTERS];
    private final Counter[] counters = new Counter[COUNTERS];
    private Gauge size;
    private Gauge peak;
    private Gauge capacity;
    private Gauge maxCapacity;
    private long sizeSum;
    private long peakSum;
    private long capacitySum;
    private long maxSum;
    private boolean alive;
    private boolean touched;

    /** Per-actor series: the uid of the actor incarnation last seen; 0 before. */
    private int ownerUid;

    Series(SeriesKey key) {
      this.key = key;
      this.tags = tags(key);
    }

    void reset() {
      java.util.Arrays.fill(totals, 0);
      sizeSum = 0;
      peakSum = 0;
      capacitySum = 0;
      maxSum = 0;
      alive = false;
      touched = false;
    }

    /** Adds messages refused by overload shedding (QoS levels). */
    Series shed(long shed) {
      totals[SHED] += shed;
      return this;
    }

    Series add(QueueStats s, int max, long cleanedUp, boolean live) {
      touched = true;
      totals[ENQ] += s.enqueued();
      totals[DEQ] += s.dequeued() - cleanedUp;
      totals[OVERFLOW] += s.rejected();
      totals[CLEANUP] += cleanedUp;
      totals[GROW] += s.grows();
      totals[SHRINK] += s.shrinks();
      if (live) {
        alive = true;
        sizeSum += s.size();
        peakSum += s.peakSize();
        capacitySum += s.capacity();
        maxSum += max;
      }
      return this;
    }

    /** Exports this poll; false if the series is gone and must be forgotten. */
    boolean export() {
      if (key.actor != null && !alive) {
        removeAll();
        return false;
      }
      if (!touched) {
        // An id whose mailboxes all stopped but have not all retired into the stopped totals yet:
        // its counters resume from what was exported (or handed over) once the totals hold them.
        removeGauges();
        return true;
      }
      if (alive) {
        if (size == null) {
          size = Kamon.gauge(SIZE).withTags(tags);
          peak = Kamon.gauge(PEAK_SIZE).withTags(tags);
          capacity = Kamon.gauge(CAPACITY).withTags(tags);
          maxCapacity = Kamon.gauge(MAX_CAPACITY).withTags(tags);
          if (key.actor != null && settings.sampleEvery() > 0) {
            actorTimers.computeIfAbsent(
                new ActorTimerKey(key.id, key.actor, key.level),
                k ->
                    Kamon.timer(TIME_IN_MAILBOX)
                        .withTags(tags(new SeriesKey(key.id, key.type, key.level, key.actor))));
          }
        }
        size.update(sizeSum);
        peak.update(peakSum);
        capacity.update(capacitySum);
        maxCapacity.update(maxSum);
      } else {
        removeGauges();
      }
      for (int i = 0; i < COUNTERS; i++) {
        if (i == SHED && counters[i] == null && totals[i] == 0) {
          continue; // the shed series appears with the first shed message
        }
        long delta = totals[i] - exported[i];
        if (delta > 0 || counters[i] == null) {
          counter(i).increment(Math.max(0, delta));
          exported[i] = Math.max(exported[i], totals[i]);
        }
      }
      return true;
    }

    private Counter counter(int i) {
      Counter c = counters[i];
      if (c == null) {
        c =
            switch (i) {
              case ENQ -> Kamon.counter(ENQUEUED).withTags(tags);
              case DEQ -> Kamon.counter(DEQUEUED).withTags(tags);
              case OVERFLOW -> Kamon.counter(DROPPED).withTags(tags.withTag("reason", "overflow"));
              case CLEANUP -> Kamon.counter(DROPPED).withTags(tags.withTag("reason", "cleanup"));
              case SHED -> Kamon.counter(DROPPED).withTags(tags.withTag("reason", "shed"));
              case GROW -> Kamon.counter(RESIZES).withTags(tags.withTag("direction", "grow"));
              default -> Kamon.counter(RESIZES).withTags(tags.withTag("direction", "shrink"));
            };
        counters[i] = c;
      }
      return c;
    }

    private void removeGauges() {
      if (size != null) {
        removeGauge(size);
        removeGauge(peak);
        removeGauge(capacity);
        removeGauge(maxCapacity);
        size = null;
      }
    }

    void removeAll() {
      removeGauges();
      if (key.actor != null) {
        Timer t = actorTimers.remove(new ActorTimerKey(key.id, key.actor, key.level));
        if (t != null) {
          t.remove();
        }
      }
      for (int i = 0; i < COUNTERS; i++) {
        if (counters[i] != null) {
          counters[i].remove();
          counters[i] = null;
        }
      }
    }
  }

  @Override
  public String toString() {
    return "MailboxMetrics{system=" + system + ", series=" + new ArrayList<>(series.keySet()) + '}';
  }
}
