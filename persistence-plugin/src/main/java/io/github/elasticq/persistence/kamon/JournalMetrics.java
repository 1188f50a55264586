package io.github.elasticq.persistence.kamon;

import io.github.elasticq.persistence.journal.WalRegistry;
import io.github.elasticq.persistence.wal.WalListener;
import io.github.elasticq.persistence.wal.WalStats;
import io.github.elasticq.persistence.wal.WriteAheadLog;
import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.BiConsumer;
import kamon.Kamon;
import kamon.metric.Counter;
import kamon.metric.Gauge;
import kamon.metric.Histogram;
import kamon.metric.MeasurementUnit;
import kamon.metric.Timer;
import kamon.tag.TagSet;
import org.apache.pekko.actor.ExtendedActorSystem;

/**
 * INTERNAL API: the poller behind {@link JournalKamon}. Per open log (tags {@code system}, {@code
 * journal}): {@code bytes-written} and {@code compactions} advance by the deltas of the log's
 * counters (which start at zero when the log opens), {@code segments} is set, and a {@link
 * WalListener} records {@code write-latency} (from the append call to its completion), {@code
 * fsync-latency}, {@code events-per-fsync} and {@code replayed-events}. The series of a log, and
 * its listener, are installed as {@link WalRegistry} opens the log, before the journal replays or
 * writes anything through it (so the recovery replays right after a start are counted), or by the
 * first poll for a log already open when this poller started. A closed log's series are removed.
 * {@link #poll()} and {@link #opened} are synchronized; the listener runs on the log's threads.
 */
final class JournalMetrics implements AutoCloseable {

  static final String WRITE_LATENCY = "elasticq.journal.write-latency";
  static final String FSYNC_LATENCY = "elasticq.journal.fsync-latency";
  static final String EVENTS_PER_FSYNC = "elasticq.journal.events-per-fsync";
  static final String BYTES_WRITTEN = "elasticq.journal.bytes-written";
  static final String SEGMENTS = "elasticq.journal.segments";
  static final String REPLAYED_EVENTS = "elasticq.journal.replayed-events";
  static final String COMPACTIONS = "elasticq.journal.compactions";

  private final ExtendedActorSystem system;

  /**
   * The {@code system} tag: the actor system's name, or {@code name#n} (see {@link SystemTags}).
   */
  private final SystemTags.Lease systemTag;

  private final WalRegistry registry;
  private final BiConsumer<String, WriteAheadLog> openListener = this::opened;
  private final ScheduledExecutorService scheduler;
  private final Map<String, Series> series = new HashMap<>(); // guarded by this
  private boolean closed;

  JournalMetrics(ExtendedActorSystem system, JournalKamonSettings settings) {
    this.system = system;
    this.systemTag = SystemTags.acquire(system.name());
    if (systemTag.shared()) {
      System.getLogger(JournalMetrics.class.getName())
          .log(
              System.Logger.Level.WARNING,
              "elasticq.kamon: another live actor system in this JVM is named ["
                  + system.name()
                  + "] and exports ElasticQ journal metrics; this one's series are tagged system=["
                  + systemTag.tag()
                  + "]");
    }
    this.registry = WalRegistry.get(system);
    registry.addOpenListener(openListener);
    this.scheduler =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread t = new Thread(r, "elasticq-kamon-journal-" + system.name());
              t.setDaemon(true);
              return t;
            });
    long ms = Math.max(1, settings.pollInterval().toMillis());
    scheduler.scheduleWithFixedDelay(this::pollQuietly, 0, ms, TimeUnit.MILLISECONDS);
  }

  private void pollQuietly() {
    try {
      poll();
    } catch (RuntimeException | LinkageError | AssertionError e) {
      // A failing poll must not end the schedule (an uncaught throwable would, silently); the next
      // one retries. LinkageError: a Kamon version without a method this module calls.
      System.getLogger(JournalMetrics.class.getName())
          .log(System.Logger.Level.WARNING, "elasticq.kamon journal poll failed", e);
    }
  }

  synchronized void poll() {
    if (closed) {
      return;
    }
    Map<String, WriteAheadLog> open = registry.openLogs();
    for (Iterator<Map.Entry<String, Series>> it = series.entrySet().iterator(); it.hasNext(); ) {
      Map.Entry<String, Series> e = it.next();
      WriteAheadLog wal = e.getValue().wal;
      WriteAheadLog current = open.get(e.getKey());
      // A log that opened() just installed may not be listed yet (its opening is finishing).
      if (wal.isClosed() || (current != null && current != wal)) {
        e.getValue().remove();
        it.remove();
      }
    }
    for (Map.Entry<String, WriteAheadLog> e : open.entrySet()) {
      series.computeIfAbsent(e.getKey(), id -> new Series(id, e.getValue())).export();
    }
  }

  /**
   * Installs the series of a log {@link WalRegistry} has just opened, before anyone uses it. Called
   * on the opening thread, inside the registry's opening of {@code pluginId}.
   */
  private synchronized void opened(String pluginId, WriteAheadLog wal) {
    if (closed) {
      return;
    }
    Series old = series.get(pluginId);
    if (old != null && old.wal == wal) {
      return;
    }
    if (old != null) {
      old.remove();
    }
    series.put(pluginId, new Series(pluginId, wal));
  }

  @Override
  public synchronized void close() {
    if (closed) {
      return;
    }
    closed = true;
    registry.removeOpenListener(openListener);
    scheduler.shutdownNow();
    for (Series s : series.values()) {
      s.segments.update(0); // see Series.remove: the system is gone, and so is its log
      s.remove();
    }
    series.clear();
    systemTag.release();
  }

  /** The value of the {@code system} tag of this poller's series. */
  String systemTag() {
    return systemTag.tag();
  }

  /** The series of one open log, and its listener. */
  private final class Series implements WalListener {
    final WriteAheadLog wal;
    private final Timer writeLatency;
    private final Timer fsyncLatency;
    private final Histogram eventsPerFsync;
    private final Counter bytesWritten;
    private final Gauge segments;
    private final Counter replayed;
    private final Counter compactions;
    private long exportedBytes;
    private long exportedCompactions;

    Series(String pluginId, WriteAheadLog wal) {
      this.wal = wal;
      TagSet tags =
          TagSet.builder().add("system", systemTag.tag()).add("journal", pluginId).build();
      writeLatency = Kamon.timer(WRITE_LATENCY).withTags(tags);
      fsyncLatency = Kamon.timer(FSYNC_LATENCY).withTags(tags);
      eventsPerFsync = Kamon.histogram(EVENTS_PER_FSYNC).withTags(tags);
      bytesWritten =
          Kamon.counter(BYTES_WRITTEN, MeasurementUnit.information().bytes()).withTags(tags);
      segments = Kamon.gauge(SEGMENTS).withTags(tags);
      replayed = Kamon.counter(REPLAYED_EVENTS).withTags(tags);
      compactions = Kamon.counter(COMPACTIONS).withTags(tags);
      replayed.increment(0);
      wal.setListener(this);
    }

    void export() {
      WalStats s = wal.stats();
      long bytes = s.bytesWritten() - exportedBytes;
      if (bytes > 0) {
        exportedBytes = s.bytesWritten();
      }
      bytesWritten.increment(Math.max(0, bytes));
      long comp = s.compactedSegments() - exportedCompactions;
      if (comp > 0) {
        exportedCompactions = s.compactedSegments();
      }
      compactions.increment(Math.max(0, comp));
      segments.update(s.segments());
    }

    /**
     * Removes the series from Kamon. Kamon reports a removed gauge once more, with the value it
     * holds, and kamon-prometheus's reporter keeps every series it has reported, with its last
     * value, for five years (Kamon #566, #777): so {@link #close()}, when the actor system is gone,
     * sets the segments gauge to 0 first (as the mailbox gauges go); a log replaced by a new one of
     * the same plugin id keeps its figure, which the new series, of the same tags, takes over.
     */
    void remove() {
      wal.setListener(null);
      writeLatency.remove();
      fsyncLatency.remove();
      eventsPerFsync.remove();
      bytesWritten.remove();
      segments.remove();
      replayed.remove();
      compactions.remove();
    }

    @Override
    public void fsyncCompleted(long nanos) {
      fsyncLatency.record(nanos);
    }

    @Override
    public void recordsSynced(long records) {
      eventsPerFsync.record(records);
    }

    @Override
    public void appendCompleted(long nanos) {
      writeLatency.record(nanos);
    }

    @Override
    public void replayed(long events) {
      replayed.increment(events);
    }
  }
}
