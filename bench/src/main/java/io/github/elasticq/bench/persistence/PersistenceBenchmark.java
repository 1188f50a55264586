package io.github.elasticq.bench.persistence;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import io.github.elasticq.bench.persistence.BenchActors.AsyncBursts;
import io.github.elasticq.bench.persistence.BenchActors.Meter;
import io.github.elasticq.bench.persistence.BenchActors.Recovering;
import io.github.elasticq.bench.persistence.BenchActors.Sequential;
import io.github.elasticq.bench.report.CommandLine;
import io.github.elasticq.bench.report.Machine;
import io.github.elasticq.bench.report.Target;
import io.github.elasticq.examples.cluster.PostgresSchema;
import io.github.elasticq.persistence.internal.EventCodec;
import io.github.elasticq.persistence.journal.WalRegistry;
import io.github.elasticq.persistence.wal.SyncMode;
import io.github.elasticq.persistence.wal.WalEvent;
import io.github.elasticq.persistence.wal.WalStats;
import io.github.elasticq.persistence.wal.WalWrite;
import io.github.elasticq.persistence.wal.WriteAheadLog;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.HdrHistogram.Histogram;
import org.apache.pekko.actor.ActorSystem;
import org.apache.pekko.actor.Props;
import org.apache.pekko.persistence.jdbc.testkit.javadsl.SchemaUtils;

/**
 * The persistence benchmark harness: our journal ({@code elasticq.journal} in each sync mode)
 * against pekko-persistence-jdbc on H2 in file mode, Pekko's in-memory journal (the ceiling) and a
 * raw {@code FileChannel.force} loop (the disk's fsync limit), all in the same run, on the same
 * disk, with the same event payloads. Writes a markdown report with the machine, the figures, the
 * ratios and the targets.
 *
 * <p>Scenarios: {@code single} (one actor, persist then wait for the handler, then the next),
 * {@code concurrent} (100 such actors), {@code async} (persistAsync bursts), {@code replay}
 * (recovery of one persistent actor from 1,000,000 events, for {@code ELASTICQ_NO_SYNC} when any of
 * our journals is selected and for the selected of {@code JDBC_H2}, {@code IN_MEMORY}, {@code
 * REPLAY_CEILING}, {@code REPLAY_CEILING_DESERIALIZE}), {@code recovery} (open and replay a journal
 * of a given size, 1 GiB by default).
 *
 * <p>Run (after {@code ./mvnw -pl bench -am package -DskipTests}): {@code java -cp
 * bench/target/benchmarks.jar io.github.elasticq.bench.persistence.PersistenceBenchmark
 * [scenarios=single,concurrent,async,replay,recovery] [journals=ELASTICQ_EVERY_WRITE,...]
 * [seconds=5] [warmup=2] [payload=100] [actors=100] [burst=1000] [replay-events=1000000]
 * [jdbc-replay-events=200000] [inmem-replay-events=20000] [replay-rounds=3] [recovery-bytes=1g]
 * [recovery-ids=1000] [recovery-payload=1000] [recovery-reopens=3] [index-checkpoint=off|on]
 * [dir=target/persistence-bench] [out-dir=bench/results/<yyyy-MM-dd>]}: writes {@code
 * persistence.md} and PNG bar charts of the ratios ({@link ResultCharts}) into {@code out-dir};
 * {@code out=<file.md>} writes only the markdown file instead. Not thread-safe; a main program.
 */
public final class PersistenceBenchmark {
  private final CommandLine options;
  private final Path work;
  private final int payload;
  private final long warmupMillis;
  private final long measureMillis;
  private final List<Row> rows = new ArrayList<>();
  private final List<String> notes = new ArrayList<>();
  private final List<PostgresSchema> schemas = new ArrayList<>();

  /** Open (scan + index rebuild) time of the large journal; NaN until the recovery scenario ran. */
  private double openSeconds = Double.NaN;

  /** One line of the report. NaN marks a figure that does not apply. */
  record Row(
      String scenario,
      String journal,
      double eventsPerSecond,
      double eventsPerFsync,
      double p50Micros,
      double p99Micros,
      String detail) {}

  private PersistenceBenchmark(CommandLine options) {
    this.options = options;
    this.work = Path.of(options.get("dir", "target/persistence-bench")).toAbsolutePath();
    this.payload = options.intCount("payload", 100);
    this.warmupMillis = (long) (options.nonNegative("warmup", 2) * 1000);
    this.measureMillis = (long) (options.positive("seconds", 5) * 1000);
  }

  /**
   * Runs the selected scenarios and writes the report.
   *
   * @param args {@code key=value} options, see the class comment
   * @throws Exception if a journal fails; the report is not written then
   */
  public static void main(String[] args) throws Exception {
    new PersistenceBenchmark(options(args)).run();
    System.exit(0);
  }

  /** The options this harness reads as whole numbers from 1 to {@link Integer#MAX_VALUE}. */
  static final List<String> COUNTS =
      List.of(
          "payload",
          "actors",
          "burst",
          "replay-events",
          "jdbc-replay-events",
          "inmem-replay-events",
          "replay-rounds",
          "recovery-ids",
          "recovery-payload",
          "recovery-reopens");

  /** The options this harness reads (see the class comment). */
  static final List<String> OPTIONS =
      Stream.of(
              List.of("scenarios", "journals", "seconds", "warmup"),
              COUNTS,
              List.of("recovery-bytes", "index-checkpoint", "dir", "out-dir", "out"))
          .flatMap(List::stream)
          .toList();

  /**
   * This harness's command line, checked before anything starts: the keys, numbers and seconds as
   * {@link #options(String[], List, List)} checks them, the journals, {@code recovery-bytes} and
   * {@code index-checkpoint} (the scenarios are checked by {@code run} before it starts any).
   */
  static CommandLine options(String[] args) {
    CommandLine line = options(args, OPTIONS, COUNTS);
    journals(line);
    String checkpoint = line.get("index-checkpoint", "off");
    if (!checkpoint.equals("on") && !checkpoint.equals("off")) {
      throw new IllegalArgumentException("index-checkpoint=" + checkpoint + ": expected on or off");
    }
    String bytes = line.get("recovery-bytes");
    if (bytes != null) {
      try {
        if (parseBytes(bytes) < 1) {
          throw new NumberFormatException();
        }
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException(
            "recovery-bytes=" + bytes + " is not a size of at least 1 byte (such as 512m or 1g)",
            e);
      }
    }
    return line;
  }

  /** The journals option: the journals to measure, in order. */
  private static List<Journal> journals(CommandLine options) {
    List<Journal> out = new ArrayList<>();
    for (String name :
        options
            .get(
                "journals",
                "ELASTICQ_EVERY_WRITE,ELASTICQ_PERIODIC,ELASTICQ_NO_SYNC,JDBC_H2,IN_MEMORY")
            .split(",")) {
      try {
        out.add(Journal.valueOf(name.trim()));
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException(
            "unknown journal '"
                + name.trim()
                + "'; known: "
                + Arrays.stream(Journal.values()).map(Enum::name).collect(Collectors.joining(", ")),
            e);
      }
    }
    return out;
  }

  /**
   * The {@code key=value} arguments of a benchmark main, checked before anything starts: the keys
   * against {@code known}, {@code counts} as whole numbers from 1 to {@link Integer#MAX_VALUE},
   * {@code seconds} as a number above 0 and {@code warmup} as one of at least 0.
   *
   * @throws IllegalArgumentException naming an unknown key (with the known ones), an argument that
   *     is no {@code key=value}, or a value that is not a number of the kind its key takes
   */
  static CommandLine options(String[] args, List<String> known, List<String> counts) {
    CommandLine line = CommandLine.parseOptions(args, known);
    for (String k : counts) {
      line.intCount(k, 1);
    }
    line.positive("seconds", 1);
    line.nonNegative("warmup", 0);
    return line;
  }

  /** A scenario of the harness: runs its rows for the selected journals. */
  @FunctionalInterface
  private interface Scenario {
    void run(List<Journal> journals) throws Exception;
  }

  /** The scenarios by option name, in report order. */
  private Map<String, Scenario> scenarios() {
    int actors = options.intCount("actors", 100);
    int burst = options.intCount("burst", 1000);
    Map<String, Scenario> all = new LinkedHashMap<>();
    all.put("single", this::single);
    all.put(
        "concurrent",
        journals -> {
          for (Journal j : journals) {
            throughput(actors + " actors, persist", j, true, sequentialActors(actors));
          }
        });
    all.put("async", journals -> async(journals, burst));
    all.put(
        "replay",
        journals -> {
          long n = options.intCount("replay-events", 1_000_000);
          long jdbcN = options.intCount("jdbc-replay-events", 200_000);
          long memN = options.intCount("inmem-replay-events", 20_000);
          boolean anyOurs = journals.stream().anyMatch(j -> j.ours);
          for (Journal j :
              List.of(
                  Journal.ELASTICQ_NO_SYNC,
                  Journal.JDBC_H2,
                  Journal.IN_MEMORY,
                  Journal.REPLAY_CEILING,
                  Journal.REPLAY_CEILING_DESERIALIZE)) {
            if (journals.contains(j) || (j.ours && anyOurs)) {
              replay(j, j == Journal.JDBC_H2 ? jdbcN : j == Journal.IN_MEMORY ? memN : n);
            }
          }
        });
    all.put("recovery", journals -> recovery(parseBytes(options.get("recovery-bytes", "1g"))));
    return all;
  }

  private void run() throws Exception {
    Map<String, Scenario> all = scenarios();
    List<String> selected =
        Arrays.stream(options.get("scenarios", String.join(",", all.keySet())).split(","))
            .map(String::trim)
            .toList();
    for (String name : selected) {
      if (!all.containsKey(name)) {
        throw new IllegalArgumentException(
            "unknown scenario '" + name + "'; known: " + String.join(",", all.keySet()));
      }
    }
    List<Journal> journals = journals(options);
    deleteRecursively(work);
    Files.createDirectories(work);
    String loadBefore = Machine.loadAverage();
    long started = System.nanoTime();
    for (String name : selected) {
      all.get(name).run(journals);
    }
    String loadAfter = Machine.loadAverage();
    double minutes = (System.nanoTime() - started) / 60e9;
    String report = report(loadBefore, loadAfter, minutes);
    System.out.println(report);
    Path outDir =
        options.has("out")
            ? null
            : Path.of(
                options.get(
                    "out-dir",
                    "bench/results/" + LocalDate.now().format(DateTimeFormatter.ISO_DATE)));
    Path out = outDir == null ? Path.of(options.get("out")) : outDir.resolve("persistence.md");
    if (out.getParent() != null) {
      Files.createDirectories(out.getParent());
    }
    if (outDir != null) {
      List<String> charts = ResultCharts.write(rows, targets(), outDir);
      StringBuilder withCharts = new StringBuilder(report).append("\n## Charts\n\n");
      charts.forEach(c -> withCharts.append("![").append(c).append("](").append(c).append(")\n"));
      report = withCharts.toString();
    }
    Files.writeString(out, report);
    System.out.println("written to " + out.toAbsolutePath());
    deleteRecursively(work);
    schemas.forEach(PostgresSchema::drop);
  }

  /**
   * One actor: our journals, each every-write row bracketed by raw fsync loops (appending, and over
   * a preallocated file), since the disk's fsync latency drifts with whatever else the machine
   * does.
   */
  private void single(List<Journal> journals) throws Exception {
    String scenario = "single actor, persist";
    for (Journal j : journals) {
      double[] before = j == Journal.ELASTICQ_EVERY_WRITE ? rawLoops() : null;
      throughput(scenario, j, true, sequentialActors(1));
      if (before != null) {
        double[] after = rawLoops();
        rawRow(scenario, "raw FileChannel.force loop", before[0], after[0], "append");
        rawRow(
            scenario,
            "raw FileChannel.force loop, preallocated file",
            before[1],
            after[1],
            "overwrite of zeros written ahead (no size change per force)");
      }
    }
  }

  private void rawRow(String scenario, String label, double before, double after, String how) {
    rows.add(
        new Row(
            scenario,
            label,
            (before + after) / 2,
            1,
            2e6 / (before + after),
            Double.NaN,
            String.format(
                "%d-byte %s + force(false), one thread; %,.0f/s just before and %,.0f/s just"
                    + " after the every-write row (mean shown; p50 column = mean µs per force)",
                rawRecordBytes(), how, before, after)));
    System.out.println(rows.get(rows.size() - 1));
  }

  /** The appending and the preallocated raw loop, alternated. */
  private double[] rawLoops() throws IOException {
    return new double[] {rawLoop(false), rawLoop(true)};
  }

  private void async(List<Journal> journals, int burst) throws Exception {
    for (Journal j : journals) {
      throughput(
          "persistAsync bursts (" + burst + ")",
          j,
          false,
          (system, meter) ->
              system.actorOf(
                  Props.create(
                      AsyncBursts.class,
                      "async-1",
                      meter,
                      payload,
                      burst,
                      Long.MAX_VALUE,
                      new CompletableFuture<Long>())));
    }
    double wal =
        WalAppendLoop.eventsPerSecond(
            work.resolve("wal-append"),
            SyncMode.NO_SYNC,
            payload,
            burst,
            warmupMillis,
            measureMillis);
    rows.add(
        new Row(
            "persistAsync bursts (" + burst + ")",
            "elasticq no-sync (WriteAheadLog.append, no Pekko)",
            wal,
            Double.POSITIVE_INFINITY,
            Double.NaN,
            Double.NaN,
            "one thread, one atomic write per event, lists of " + burst + ", two in flight"));
    System.out.println(rows.get(rows.size() - 1));
  }

  private double rawLoop(boolean preallocated) throws IOException {
    return RawFsyncLoop.forcesPerSecond(
        work.resolve("raw"), rawRecordBytes(), warmupMillis / 2, measureMillis, preallocated);
  }

  /** Bytes of one framed record of ours (as the journal frames a Sequential actor's event). */
  private int rawRecordBytes() {
    return WalWrite.of(
            List.of(
                new WalEvent(
                    "seq-0",
                    1,
                    UUID.randomUUID().toString(),
                    "",
                    LargeJournalRecovery.BYTE_ARRAY_SERIALIZER_ID,
                    "",
                    System.currentTimeMillis(),
                    new byte[payload])))
        .byteSize();
  }

  // ------------------------------------------------------------------------------------------
  // Scenarios

  /** Starts the load of a throughput row in a fresh system. */
  @FunctionalInterface
  private interface Load {
    void start(ActorSystem system, Meter meter);
  }

  private Load sequentialActors(int actors) {
    return (system, meter) -> {
      for (int i = 0; i < actors; i++) {
        system.actorOf(Props.create(Sequential.class, "seq-" + i, meter, payload));
      }
    };
  }

  /**
   * The runner of every throughput row: a fresh system on a fresh directory, the load, a warm-up,
   * one measured window (events, fsyncs and, for our journal, the log's own append and fsync
   * latencies, to show where a round trip goes), then the system is stopped.
   */
  private void throughput(String scenario, Journal journal, boolean latency, Load load)
      throws Exception {
    ActorSystem system = start(journal, runDir(scenario, journal));
    try {
      Meter meter = new Meter();
      load.start(system, meter);
      LogTimings timings = journal.ours ? LogTimings.attach(system) : null;
      Window w = measure(system, journal, meter, timings);
      Histogram h = meter.latency.getIntervalHistogram();
      meter.running = false;
      rows.add(
          new Row(
              scenario,
              journal.label,
              w.eventsPerSecond(),
              w.eventsPerFsync(),
              latency ? h.getValueAtPercentile(50) / 1e3 : Double.NaN,
              latency ? h.getValueAtPercentile(99) / 1e3 : Double.NaN,
              w.detail()));
      System.out.println(rows.get(rows.size() - 1));
    } finally {
      stop(system);
    }
  }

  /**
   * Writes {@code events} with persistAsync, then recovers a persistent actor from them {@code
   * replay-rounds} times, each time in a fresh ActorSystem (as after a restart; the in-memory
   * journal keeps its events only in the writing system, so it recovers there). For our journal the
   * log is opened (segment scan and index rebuild) before the actor starts, timed on its own, so
   * that the recovery figure is the replay through Pekko; both are reported.
   */
  private void replay(Journal journal, long events) throws Exception {
    String scenario = "replay (persistent actor recovery)";
    Path dir = runDir("replay", journal);
    int burst = options.intCount("burst", 1000);
    int rounds = options.intCount("replay-rounds", 3);
    // The replay ceilings store nothing: they replay `events` events from memory, no writer.
    boolean ceiling = journal.replayCeiling();
    Config readerConfig =
        ceiling
            ? ConfigFactory.parseString(
                Journal.REPLAY_CEILING_EVENTS
                    + " = "
                    + events
                    + "\nbench-replay-ceiling.payload-bytes = "
                    + payload)
            : ConfigFactory.empty();
    ActorSystem writer = ceiling ? null : start(journal, dir);
    boolean writerStopped = ceiling;
    try {
      double writeSeconds = Double.NaN;
      if (!ceiling) {
        Meter meter = new Meter();
        CompletableFuture<Long> written = new CompletableFuture<>();
        long writeStart = System.nanoTime();
        writer.actorOf(
            Props.create(AsyncBursts.class, "replay-1", meter, payload, burst, events, written));
        written.get(1, TimeUnit.HOURS);
        writeSeconds = (System.nanoTime() - writeStart) / 1e9;
      }
      if (journal == Journal.REPLAY_CEILING) {
        ReplayCeilingJournal.prebuilt("replay-1", Math.toIntExact(events), payload);
      }
      double[] recoverySeconds = new double[rounds];
      double[] recoveryCpu = new double[rounds];
      double[] openSeconds = new double[rounds];
      double[] openCpu = new double[rounds];
      double walSeconds = Double.NaN;
      double reprSeconds = Double.NaN;
      if (journal != Journal.IN_MEMORY && !ceiling) {
        stop(writer);
        writerStopped = true;
      }
      for (int round = 0; round < rounds; round++) {
        ActorSystem reader =
            journal == Journal.IN_MEMORY ? writer : start(journal, dir, readerConfig);
        try {
          if (journal.ours) {
            long openStart = System.nanoTime();
            long openCpuStart = threadCpuNanos();
            WalRegistry.get(reader).logFor("elasticq.journal");
            openSeconds[round] = (System.nanoTime() - openStart) / 1e9;
            openCpu[round] = (threadCpuNanos() - openCpuStart) / 1e9;
          }
          CompletableFuture<Long> replayed = new CompletableFuture<>();
          long start = System.nanoTime();
          long cpuStart = processCpuNanos();
          reader.actorOf(Props.create(Recovering.class, "replay-1", replayed));
          long n = replayed.get(1, TimeUnit.HOURS);
          recoverySeconds[round] = (System.nanoTime() - start) / 1e9;
          recoveryCpu[round] = (processCpuNanos() - cpuStart) / 1e9;
          if (n != events) {
            throw new IllegalStateException(
                journal.label + " replayed " + n + " of " + events + " events");
          }
          if (journal.ours && round == rounds - 1) {
            WriteAheadLog wal = WalRegistry.get(reader).logFor("elasticq.journal");
            long walStart = System.nanoTime();
            long m = wal.replay("replay-1", 1, Long.MAX_VALUE, Long.MAX_VALUE, e -> {});
            walSeconds = (System.nanoTime() - walStart) / 1e9;
            if (m != events) {
              throw new IllegalStateException("WriteAheadLog replayed " + m + " of " + events);
            }
            reprSeconds = replayToRepr(reader, wal, events);
          }
        } finally {
          if (reader != writer) {
            stop(reader);
          }
        }
      }
      double recovery = median(recoverySeconds);
      rows.add(
          new Row(
              scenario,
              journal.label + " (persistent actor recovery)",
              events / recovery,
              Double.NaN,
              Double.NaN,
              Double.NaN,
              String.format(
                  "%,d events; median of %d recoveries (%s s; process CPU %s s)%s; %s",
                  events,
                  rounds,
                  seconds(recoverySeconds),
                  seconds(recoveryCpu),
                  journal.ours
                      ? ", the log already open"
                      : journal == Journal.IN_MEMORY ? ", in the writing system" : "",
                  ceiling
                      ? "replayed from memory, nothing written"
                      : String.format(
                          "written with persistAsync at %,.0f events/s", events / writeSeconds))));
      System.out.println(rows.get(rows.size() - 1));
      if (journal.ours) {
        double open = median(openSeconds);
        rows.add(
            new Row(
                scenario,
                journal.label + " (open the log, then recovery)",
                events / (open + recovery),
                Double.NaN,
                Double.NaN,
                Double.NaN,
                String.format(
                    "median open (segment scan + index rebuild) %.2f s (%s s; CPU of the opening"
                        + " thread %s s) + median recovery %.2f s: what a restarted system pays",
                    open, seconds(openSeconds), seconds(openCpu), recovery)));
        rows.add(
            new Row(
                scenario,
                journal.label + " (WriteAheadLog.replay, no Pekko)",
                events / walSeconds,
                Double.NaN,
                Double.NaN,
                Double.NaN,
                String.format(
                    "%,d events in %.2f s; read, checksummed and decoded, not deserialized",
                    events, walSeconds)));
        rows.add(
            new Row(
                scenario,
                journal.label + " (WriteAheadLog.replay + EventCodec.toRepr, no Pekko)",
                events / reprSeconds,
                Double.NaN,
                Double.NaN,
                Double.NaN,
                String.format(
                    "%,d events in %.2f s; what the journal does per event before Pekko's callback:"
                        + " read, checksum, decode, deserialize, build the PersistentRepr",
                    events, reprSeconds)));
        rows.subList(rows.size() - 3, rows.size()).forEach(System.out::println);
      }
    } finally {
      if (!writerStopped) {
        stop(writer);
      }
    }
  }

  /**
   * Seconds to replay "replay-1" from {@code wal} and turn every event into its {@code
   * PersistentRepr} as the journal does, on this thread, without Pekko's replay callback.
   */
  private static double replayToRepr(ActorSystem system, WriteAheadLog wal, long events)
      throws Exception {
    EventCodec codec = new EventCodec(system);
    long[] payloadBytes = new long[1];
    long start = System.nanoTime();
    long m =
        codec.withTransportInformation(
            () ->
                wal.replay(
                    "replay-1",
                    1,
                    Long.MAX_VALUE,
                    Long.MAX_VALUE,
                    e -> {
                      try {
                        payloadBytes[0] += ((byte[]) codec.toRepr(e).payload()).length;
                      } catch (Throwable t) {
                        throw new IllegalStateException("cannot deserialize " + e, t);
                      }
                    }));
    double seconds = (System.nanoTime() - start) / 1e9;
    if (m != events || payloadBytes[0] == 0) {
      throw new IllegalStateException("replayed " + m + " of " + events + " to PersistentRepr");
    }
    return seconds;
  }

  private static long threadCpuNanos() {
    return java.lang.management.ManagementFactory.getThreadMXBean().getCurrentThreadCpuTime();
  }

  /** CPU time of the whole JVM (all threads, GC and JIT included); -1 if unsupported. */
  private static long processCpuNanos() {
    return java.lang.management.ManagementFactory.getOperatingSystemMXBean()
            instanceof com.sun.management.OperatingSystemMXBean os
        ? os.getProcessCpuTime()
        : -1;
  }

  private static double median(double[] values) {
    double[] sorted = values.clone();
    Arrays.sort(sorted);
    int n = sorted.length;
    return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
  }

  private static String seconds(double[] values) {
    StringBuilder sb = new StringBuilder();
    for (double v : values) {
      if (sb.length() > 0) {
        sb.append(", ");
      }
      sb.append(String.format("%.2f", v));
    }
    return sb.toString();
  }

  private void recovery(long bytes) throws Exception {
    Path dir = work.resolve("recovery").resolve("journal");
    int ids = options.intCount("recovery-ids", 1000);
    int recordPayload = options.intCount("recovery-payload", 1000);
    // The journal's own default (off) unless index-checkpoint=on: the log is opened directly here,
    // not through the ActorSystem's configuration.
    boolean checkpoints = "on".equals(options.get("index-checkpoint", "off"));
    LargeJournalRecovery.Built built =
        LargeJournalRecovery.build(dir, bytes, ids, recordPayload, checkpoints);
    String size = String.format("%.2f GiB", built.bytes() / (double) (1L << 30));
    notes.add(
        String.format(
                "Recovery journal: %s, %,d events of %d-byte payloads over %d persistence ids, written"
                    + " with no-sync in %.1f s; the files were just written, so the OS page cache is"
                    + " warm (this harness cannot drop it without root): a cold start reads from the"
                    + " disk and is bounded by its read bandwidth.",
                size, built.events(), recordPayload, ids, built.writeSeconds())
            + (checkpoints ? " Index checkpoints on." : " Index checkpoints off (the default)."));
    int reopens = options.intCount("recovery-reopens", 3);
    LargeJournalRecovery.Opened opened =
        LargeJournalRecovery.openAndReplay(dir, ids, reopens, checkpoints);
    if (!opened.openReport().isEmpty()) {
      notes.add(
          "Recovery journal, the opens (first, then the reopens) as the log reported them: "
              + opened.openReport());
    }
    openSeconds = opened.openSeconds();
    String scenario = "recovery of a " + size + " journal";
    rows.add(
        new Row(
            scenario,
            "elasticq: open (scan + index rebuild)",
            built.events() / opened.openSeconds(),
            Double.NaN,
            Double.NaN,
            Double.NaN,
            String.format(
                "%.2f s for %d segments, %.0f MiB/s",
                opened.openSeconds(),
                opened.segments(),
                built.bytes() / opened.openSeconds() / (1 << 20))));
    if (opened.reopenSeconds().length > 0) {
      double reopen = median(opened.reopenSeconds());
      rows.add(
          new Row(
              scenario,
              "elasticq: open again (same files)",
              built.events() / reopen,
              Double.NaN,
              Double.NaN,
              Double.NaN,
              String.format(
                  "median %.3f s of %d opens (%s s)",
                  reopen, opened.reopenSeconds().length, seconds(opened.reopenSeconds()))));
    }
    rows.add(
        new Row(
            scenario,
            "elasticq: replay every id (WriteAheadLog.replay)",
            opened.replayedEvents() / opened.replaySeconds(),
            Double.NaN,
            Double.NaN,
            Double.NaN,
            String.format(
                "%.2f s, %.0f MiB/s",
                opened.replaySeconds(), built.bytes() / opened.replaySeconds() / (1 << 20))));
    ActorSystem system = start(Journal.ELASTICQ_EVERY_WRITE, dir.getParent());
    try {
      CompletableFuture<Long> replayed = new CompletableFuture<>();
      long start = System.nanoTime();
      system.actorOf(Props.create(Recovering.class, "pid-0", replayed));
      long n = replayed.get(1, TimeUnit.HOURS);
      double seconds = (System.nanoTime() - start) / 1e9;
      rows.add(
          new Row(
              scenario,
              "elasticq: first persistent actor recovered",
              Double.NaN,
              Double.NaN,
              Double.NaN,
              Double.NaN,
              String.format(
                  "%.2f s from actorOf to RecoveryCompleted (%,d events), incl. opening the log",
                  seconds, n)));
    } finally {
      stop(system);
    }
    rows.stream().filter(r -> r.scenario.equals(scenario)).forEach(System.out::println);
  }

  // ------------------------------------------------------------------------------------------
  // Measurement

  private record Window(
      long events,
      double seconds,
      WalStats before,
      WalStats after,
      String timings,
      long cpuNanos,
      long contextSwitches) {
    double eventsPerSecond() {
      return events / seconds;
    }

    double eventsPerFsync() {
      if (before == null) {
        return Double.NaN;
      }
      long fsyncs = after.fsyncs() - before.fsyncs();
      return fsyncs == 0
          ? Double.POSITIVE_INFINITY
          : (after.recordsWritten() - before.recordsWritten()) / (double) fsyncs;
    }

    /** Process CPU and context switches per event over the window (the cost of a round trip). */
    String cost() {
      if (events == 0 || cpuNanos < 0) {
        return "";
      }
      return String.format(
          "process CPU %.2f µs/event, %.2f context switches/event",
          cpuNanos / 1e3 / events, contextSwitches / (double) events);
    }

    String detail() {
      if (before == null) {
        return cost();
      }
      long records = after.recordsWritten() - before.recordsWritten();
      long writes = after.writes() - before.writes();
      long bytes = after.bytesWritten() - before.bytesWritten();
      return String.format(
          "%,d fsyncs, %,d group commits, %.1f events/commit, %d B/event%s; %s",
          after.fsyncs() - before.fsyncs(),
          writes,
          writes == 0 ? 0.0 : records / (double) writes,
          records == 0 ? 0 : bytes / records,
          timings == null ? "" : "; " + timings,
          cost());
    }
  }

  private Window measure(ActorSystem system, Journal journal, Meter meter, LogTimings timings)
      throws InterruptedException {
    Thread.sleep(warmupMillis);
    WalStats before = journal.ours ? walStats(system) : null;
    meter.latency.reset();
    if (timings != null) {
      timings.reset();
    }
    long cpu0 = processCpuNanos();
    long cs0 = contextSwitches();
    long c0 = meter.events.sum();
    long t0 = System.nanoTime();
    Thread.sleep(measureMillis);
    long c1 = meter.events.sum();
    long t1 = System.nanoTime();
    long cpu1 = processCpuNanos();
    long cs1 = contextSwitches();
    WalStats after = journal.ours ? walStats(system) : null;
    return new Window(
        c1 - c0,
        (t1 - t0) / 1e9,
        before,
        after,
        timings == null ? null : timings.summary(),
        cpu0 < 0 ? -1 : cpu1 - cpu0,
        cs1 - cs0);
  }

  /**
   * Voluntary and involuntary context switches of all live threads of this process (Linux
   * /proc/self/task/N/status); 0 elsewhere. Threads that end within a window are missed, which the
   * measured windows (steady state, no thread churn) do not have.
   */
  private static long contextSwitches() {
    Path tasks = Path.of("/proc/self/task");
    if (!Files.isDirectory(tasks)) {
      return 0;
    }
    long sum = 0;
    try (Stream<Path> ts = Files.list(tasks)) {
      for (Path t : ts.toList()) {
        try {
          for (String line : Files.readAllLines(t.resolve("status"))) {
            if (line.startsWith("voluntary_ctxt_switches:")
                || line.startsWith("nonvoluntary_ctxt_switches:")) {
              sum += Long.parseLong(line.substring(line.indexOf(':') + 1).trim());
            }
          }
        } catch (IOException | RuntimeException e) {
          // the thread ended meanwhile
        }
      }
    } catch (IOException e) {
      return 0;
    }
    return sum;
  }

  private static WalStats walStats(ActorSystem system) {
    return WalRegistry.get(system).logFor("elasticq.journal").stats();
  }

  private ActorSystem start(Journal journal, Path dir) throws Exception {
    return start(journal, dir, ConfigFactory.empty());
  }

  /** Starts a system for {@code journal} with {@code overrides} over its configuration. */
  private ActorSystem start(Journal journal, Path dir, Config overrides) throws Exception {
    Files.createDirectories(dir);
    if (journal == Journal.JDBC_POSTGRES) {
      PostgresSchema schema =
          new PostgresSchema(Journal.POSTGRES_URL, "postgres", Journal.postgresSchema(dir));
      schema.drop();
      schema.create();
      schemas.add(schema);
    }
    ActorSystem system =
        ActorSystem.create(
            "persistence-bench", overrides.withFallback(journal.config(dir)).resolve());
    if (journal == Journal.JDBC_H2) {
      SchemaUtils.createIfNotExists(system).toCompletableFuture().get(1, TimeUnit.MINUTES);
    }
    return system;
  }

  private static void stop(ActorSystem system) throws Exception {
    system.terminate();
    system.getWhenTerminated().toCompletableFuture().get(2, TimeUnit.MINUTES);
  }

  private Path runDir(String scenario, Journal journal) {
    return work.resolve((scenario + "-" + journal.name()).replaceAll("[^A-Za-z0-9_-]", "_"));
  }

  // ------------------------------------------------------------------------------------------
  // Report

  private String report(String loadBefore, String loadAfter, double minutes) throws IOException {
    StringBuilder sb = new StringBuilder();
    sb.append("# Persistence benchmarks\n\n");
    sb.append("Generated by `io.github.elasticq.bench.persistence.PersistenceBenchmark` on ")
        .append(LocalDateTime.now().format(DateTimeFormatter.ISO_LOCAL_DATE_TIME).substring(0, 16))
        .append(" in ")
        .append(String.format("%.1f", minutes))
        .append(" minutes.\n\n");
    sb.append("| machine | |\n|---|---|\n");
    sb.append("| CPU | ").append(Machine.cpuModel()).append(" |\n");
    sb.append("| cores available to the JVM | ")
        .append(Runtime.getRuntime().availableProcessors())
        .append(" |\n");
    sb.append("| JVM | ")
        .append(System.getProperty("java.vm.name"))
        .append(' ')
        .append(System.getProperty("java.runtime.version"))
        .append(", max heap ")
        .append(Runtime.getRuntime().maxMemory() >> 20)
        .append(" MiB |\n");
    sb.append("| OS | ")
        .append(System.getProperty("os.name"))
        .append(' ')
        .append(System.getProperty("os.version"))
        .append(" |\n");
    sb.append("| file store of the journals | ").append(fileStore()).append(" |\n");
    sb.append("| load average before / after | ")
        .append(loadBefore)
        .append(" / ")
        .append(loadAfter)
        .append(" |\n");
    sb.append("| options | `")
        .append(options.options().isEmpty() ? "(defaults)" : String.join(" ", optionList()))
        .append("`, payload ")
        .append(payload)
        .append(" B, warmup ")
        .append(Duration.ofMillis(warmupMillis).toMillis() / 1000.0)
        .append(" s, measured ")
        .append(Duration.ofMillis(measureMillis).toMillis() / 1000.0)
        .append(" s per row |\n\n");
    sb.append(
        "The machine may be shared with other work (see the load average): treat the figures as"
            + " noisy, and compare rows of the same run rather than runs.\n\n");

    String scenario = null;
    for (Row r : rows) {
      if (!r.scenario.equals(scenario)) {
        scenario = r.scenario;
        sb.append("\n## ").append(scenario).append("\n\n");
        sb.append("| journal | events/s | events per fsync | p50 µs | p99 µs | details |\n");
        sb.append("|---|---:|---:|---:|---:|---|\n");
      }
      sb.append("| ")
          .append(r.journal)
          .append(" | ")
          .append(fmt(r.eventsPerSecond, "%,.0f"))
          .append(" | ")
          .append(fmt(r.eventsPerFsync, "%,.1f"))
          .append(" | ")
          .append(fmt(r.p50Micros, "%,.0f"))
          .append(" | ")
          .append(fmt(r.p99Micros, "%,.0f"))
          .append(" | ")
          .append(r.detail == null ? "" : r.detail)
          .append(" |\n");
    }
    sb.append("\n## Ratios and targets\n\n");
    sb.append("| target | measured | met |\n|---|---|---|\n");
    for (Target t : targets()) {
      sb.append("| ")
          .append(t.name())
          .append(" | ")
          .append(
              Double.isNaN(t.value()) ? "not run" : String.format("%,.2f%s", t.value(), t.unit()))
          .append(" | ")
          .append(Double.isNaN(t.value()) ? "-" : t.met() ? "yes" : "**no**")
          .append(" |\n");
    }
    sb.append("\nOther ratios (ours / peer, events/s, same scenario):\n\n");
    for (String s : rows.stream().map(Row::scenario).distinct().toList()) {
      for (Journal ours : Journal.values()) {
        if (!ours.ours) {
          continue;
        }
        for (Journal peer : List.of(Journal.JDBC_H2, Journal.JDBC_POSTGRES, Journal.IN_MEMORY)) {
          double ratio = ratio(s, ours.label, peer.label);
          if (!Double.isNaN(ratio)) {
            sb.append(String.format("- %s: %s / %s = %.2f%n", s, ours.label, peer.label, ratio));
          }
        }
      }
    }
    if (!notes.isEmpty()) {
      sb.append("\n## Notes\n\n");
      notes.forEach(n -> sb.append("- ").append(n).append('\n'));
    }
    return sb.toString();
  }

  private List<String> optionList() {
    return options.options().entrySet().stream().map(e -> e.getKey() + "=" + e.getValue()).toList();
  }

  private List<Target> targets() {
    String everyWrite = Journal.ELASTICQ_EVERY_WRITE.label;
    return List.of(
        new Target(
            "100 actors, every-write >= 5x JDBC/H2",
            ratio("actors, persist", everyWrite, Journal.JDBC_H2.label),
            5.0,
            "x",
            false),
        new Target(
            "100 actors, every-write >= 100 events per fsync",
            find("actors, persist", everyWrite).map(Row::eventsPerFsync).orElse(Double.NaN),
            100.0,
            "",
            false),
        new Target(
            "one actor, every-write >= 0.8x the raw fsync loop",
            ratio("single actor", everyWrite, "raw FileChannel.force loop"),
            0.8,
            "x",
            false),
        new Target(
            "replay >= 1,000,000 events/s (persistent actor recovery, log open)",
            find("replay", "elasticq no-sync (persistent actor recovery)")
                .map(Row::eventsPerSecond)
                .orElse(Double.NaN),
            1_000_000,
            " events/s",
            false),
        new Target(
            "the same, including opening the log (scan + index rebuild)",
            find("replay", "elasticq no-sync (open the log, then recovery)")
                .map(Row::eventsPerSecond)
                .orElse(Double.NaN),
            1_000_000,
            " events/s",
            false),
        new Target(
            "no-sync with persistAsync >= 1,500,000 events/s",
            find("persistAsync", Journal.ELASTICQ_NO_SYNC.label)
                .map(Row::eventsPerSecond)
                .orElse(Double.NaN),
            1_500_000,
            " events/s",
            false),
        new Target("open + index of the large journal <= 0.5 s", openSeconds, 0.5, " s", true));
  }

  private java.util.Optional<Row> find(String scenarioPart, String journalPrefix) {
    return rows.stream()
        .filter(r -> r.scenario.contains(scenarioPart) && r.journal.startsWith(journalPrefix))
        .findFirst();
  }

  private double ratio(String scenarioPart, String oursLabel, String peerLabel) {
    var ours = find(scenarioPart, oursLabel);
    var peer = find(scenarioPart, peerLabel);
    if (ours.isEmpty() || peer.isEmpty() || ours.get() == peer.get()) {
      return Double.NaN;
    }
    return ours.get().eventsPerSecond / peer.get().eventsPerSecond;
  }

  private static String fmt(double v, String format) {
    return Double.isNaN(v) ? "" : Double.isInfinite(v) ? "∞" : String.format(format, v);
  }

  private String fileStore() {
    try {
      var store = Files.getFileStore(work);
      return store.type() + " (" + store.name() + "), " + work;
    } catch (IOException e) {
      return work.toString();
    }
  }

  private static long parseBytes(String s) {
    String t = s.trim().toLowerCase();
    long unit = 1;
    if (t.endsWith("g")) {
      unit = 1L << 30;
    } else if (t.endsWith("m")) {
      unit = 1L << 20;
    } else if (t.endsWith("k")) {
      unit = 1L << 10;
    }
    if (unit > 1) {
      t = t.substring(0, t.length() - 1);
    }
    return (long) (Double.parseDouble(t) * unit);
  }

  static void deleteRecursively(Path dir) throws IOException {
    if (!Files.exists(dir)) {
      return;
    }
    try (Stream<Path> files = Files.walk(dir)) {
      for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
        Files.delete(p);
      }
    }
  }
}
