package io.github.elasticq.examples.gateway;

import com.typesafe.config.ConfigFactory;
import io.github.elasticq.persistence.internal.DirectoryLock;
import java.io.IOException;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.HdrHistogram.Histogram;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * The README's main demo: an MQTT-style QoS gateway on Pekko that uses every part of ElasticQ.
 * Publishers send QoS 0/1/2 messages to per-topic processor actors on a {@code QosMailbox}; QoS 1
 * and 2 pass through a {@code DurableMailbox} on the embedded journal; processed messages flow
 * through a stream graph; Kamon (Prometheus) and Pekko Management answer on 127.0.0.1 while it
 * runs. See {@link Gateway} for the wiring and {@code --help} for the options.
 *
 * <pre>
 * ./mvnw -q -pl examples -am verify -Pdemo -DskipTests [-Ddemo.args="--duration 10s"]
 * </pre>
 *
 * <p>Exit codes: 0 when every check passed, 1 when a check failed (a loss, counts that do not add
 * up) or the gateway failed, 2 on bad input (then nothing is written). A run stopped by Ctrl-C or
 * SIGTERM drains and reports, then ends with the signal's exit code (130, 143): the JVM's shutdown
 * sequence has begun, so {@code System.exit} cannot set another one.
 */
@Command(
    name = "gateway",
    mixinStandardHelpOptions = true,
    version = "ElasticQ gateway demo 0.1.0",
    sortOptions = false,
    description = {
      "An MQTT-style QoS gateway on Pekko: publishers -> per-topic processors on a QosMailbox;"
          + " QoS 1/2 through a DurableMailbox on the embedded journal; results through an"
          + " ElasticSource -> ElasticFlow.buffer -> ElasticSink stream; Kamon (Prometheus) and"
          + " Pekko Management on 127.0.0.1."
    })
public final class GatewayDemo implements Callable<Integer> {

  @Option(
      names = "--data",
      paramLabel = "DIR",
      description = "Journal, snapshots, ledgers, summary and chart (default: ${DEFAULT-VALUE}).")
  Path data = Path.of("data");

  @Option(
      names = "--duration",
      paramLabel = "TIME",
      converter = DurationConverter.class,
      description = "How long the publishers publish, e.g. 10s, 2m (default: 30s).")
  Duration duration = Duration.ofSeconds(30);

  @Option(
      names = "--topics",
      paramLabel = "N",
      description = "Topics: one processor actor and two durable inboxes each (default: 3).")
  int topics = 3;

  @Option(names = "--publishers", paramLabel = "N", description = "Publisher threads (default: 4).")
  int publishers = 4;

  @Option(
      names = "--rate",
      paramLabel = "MSGS",
      description = "Steady messages per second of each publisher (default: 500).")
  int rate = 500;

  @Option(
      names = "--burst-every",
      paramLabel = "TIME",
      converter = DurationConverter.class,
      description = "Time between bursts; the first comes after half of it (default: 8s).")
  Duration burstEvery = Duration.ofSeconds(8);

  @Option(
      names = "--burst-size",
      paramLabel = "MSGS",
      description =
          "Messages each publisher fires at once at every burst; 0: none (default: 8000).")
  int burstSize = 8000;

  // one value, parsed by validate(): as an int[] split at commas, picocli's usage offered
  // "--qos-mix=Q0,Q1,Q2[,Q0,Q1,Q2...]]..." (more triples, the option repeated), all refused
  @Option(
      names = "--qos-mix",
      paramLabel = "Q0,Q1,Q2",
      description = "Percentages of QoS 0, 1 and 2 messages (default: 60,30,10).")
  String qosMixText = "60,30,10";

  private int[] qosMix;

  @Option(
      names = "--inflight",
      paramLabel = "N",
      description =
          "Unprocessed QoS 1 (and as many QoS 2) messages per publisher, at most, like MQTT's"
              + " receive maximum (default: 500).")
  int inflight = 500;

  @Option(
      names = "--work-us",
      paramLabel = "MICROS",
      description = "Processing cost of each message, busy-spinning (default: 40).")
  int workMicros = 40;

  @Option(
      names = "--crash-after",
      paramLabel = "N",
      description =
          "Halt the JVM (Runtime.halt) after N messages were sent; run again with the same --data"
              + " to see the recovery (default: never).")
  long crashAfter = 0;

  @Option(
      names = "--metrics-port",
      paramLabel = "PORT",
      description = "Kamon's Prometheus endpoint on 127.0.0.1; 0: a free port (default: 9095).")
  int metricsPort = 9095;

  @Option(
      names = "--management-port",
      paramLabel = "PORT",
      description = "Pekko Management on 127.0.0.1; 0: a free port (default: 7626).")
  int managementPort = 7626;

  @Option(
      names = "--refresh",
      paramLabel = "TIME",
      converter = DurationConverter.class,
      description = "Live view refresh interval (default: 1s on a terminal, 5s otherwise).")
  Duration refresh;

  @Option(
      names = "--mqtt",
      paramLabel = "URL",
      description =
          "Also bridge a real MQTT broker, e.g. tcp://127.0.0.1:1883: subscribe to"
              + " <prefix>/in/# (QoS 0/1/2 kept), acknowledge QoS 1/2 once stored, publish the"
              + " results of its messages on <prefix>/out/<topic>.")
  String mqtt;

  @Option(
      names = "--mqtt-topic",
      paramLabel = "PREFIX",
      description = "Topic prefix of the MQTT bridge (default: elasticq/gateway).")
  String mqttTopic; // null: MqttBridge.DEFAULT_PREFIX

  @Option(
      names = "--mqtt-idle",
      paramLabel = "TIME",
      converter = DurationConverter.class,
      description =
          "With --mqtt: end the run early once the broker, after its first message, sent"
              + " nothing for TIME, e.g. 5s (default: run for --duration).")
  Duration mqttIdle;

  @Option(
      names = "--plain",
      description = "Plain lines instead of redrawing in place (automatic when not a terminal).")
  boolean plain;

  private PrintStream out = System.out;
  private PrintStream err = System.err;

  /** Runs the demo and exits with its code. */
  public static void main(String[] args) {
    System.exit(execute(args, System.out, System.err));
  }

  /**
   * Runs the demo in this JVM, printing to {@code out} and {@code err}.
   *
   * @return 0 when every check passed, 1 when one failed, 2 on bad input
   */
  public static int execute(String[] args, PrintStream out, PrintStream err) {
    System.setProperty("java.awt.headless", "true");
    GatewayDemo demo = new GatewayDemo();
    demo.out = out;
    demo.err = err;
    CommandLine cl = new CommandLine(demo);
    cl.setOut(new PrintWriter(out, true, StandardCharsets.UTF_8));
    cl.setErr(new PrintWriter(err, true, StandardCharsets.UTF_8));
    cl.setParameterExceptionHandler(
        (e, a) -> {
          err.println("gateway: " + e.getMessage() + " (see --help)");
          return 2;
        });
    cl.setExecutionExceptionHandler(
        (e, c, r) -> {
          if (e instanceof BadInputException) {
            err.println("gateway: " + e.getMessage());
            return 2;
          }
          err.println("gateway: failed: " + e);
          return 1;
        });
    return cl.execute(args);
  }

  /** Bad input found before anything was written. */
  static final class BadInputException extends Exception {
    private static final long serialVersionUID = 1L;

    BadInputException(String message) {
      super(message);
    }
  }

  @Override
  public Integer call() throws Exception {
    GatewayOptions options = validate();
    Files.createDirectories(options.dataDir());
    DirectoryLock lock = lockDataDir(options.dataDir());
    try {
      return run(options);
    } finally {
      lock.close();
    }
  }

  /** The file in the data directory that a running gateway holds locked. */
  static final String LOCK_FILE = "gateway.lock";

  /**
   * Locks {@code dir} for this run (released when the returned lock closes or the JVM dies), before
   * anything in it is opened: a second gateway on the directory of a running one used to open its
   * ledgers (cutting back what the running one appended meanwhile, a loss in the next run's report)
   * and its snapshot store before the journal's lock refused it. A second gateway in this JVM is
   * refused without touching the first one's lock ({@link DirectoryLock}; the first version opened
   * and closed a channel of the lock file, which released the first gateway's lock).
   *
   * @throws BadInputException if another gateway holds the lock
   */
  static DirectoryLock lockDataDir(Path dir) throws IOException, BadInputException {
    try {
      return DirectoryLock.acquire(dir, LOCK_FILE);
    } catch (DirectoryLock.InUseException e) {
      throw new BadInputException(
          "--data "
              + dir
              + " is in use by another gateway (run it on another --data): "
              + e.getMessage());
    }
  }

  private Integer run(GatewayOptions options) throws Exception {
    Files.writeString(
        options.dataDir().resolve(TOPICS_FILE), Integer.toString(options.topics()) + "\n");
    out.println("ElasticQ gateway demo: " + describe(options));
    MqttBridge bridge =
        mqtt == null
            ? null
            : new MqttBridge(
                mqtt, mqttTopic == null ? MqttBridge.DEFAULT_PREFIX : mqttTopic, options.dataDir());
    Gateway gateway;
    try {
      gateway = Gateway.start(options, bridge); // closes what it started if it fails
    } catch (RuntimeException | IOException | Error e) {
      if (bridge != null) {
        try {
          bridge.close();
        } catch (RuntimeException | Error closing) {
          e.addSuppressed(closing);
        }
      }
      throw e;
    }
    try {
      if (bridge != null) {
        bridge.attach(gateway);
        out.println("  MQTT bridge         " + bridge.describe());
      }
      out.println("  Prometheus metrics  http://127.0.0.1:" + options.metricsPort() + "/metrics");
      out.println(
          "  Pekko Management    http://127.0.0.1:"
              + options.managementPort()
              + "/elasticq/mailboxes  (also /elasticq/journal, /ready, /alive)");
      out.println("  data                " + options.dataDir().toAbsolutePath());
      long recoveredBefore = recoveredState(gateway, out);
      out.println();
      return runAndReport(gateway, options, recoveredBefore, bridge);
    } finally {
      try {
        gateway.close(); // first: its actors publish results through the bridge
      } finally {
        if (bridge != null) {
          bridge.close();
        }
        closed.countDown(); // a Ctrl-C hook waits for it
      }
    }
  }

  /** Counted down once the run reported and closed; the Ctrl-C hook waits for it. */
  private final CountDownLatch closed = new CountDownLatch(1);

  /**
   * What Ctrl-C (or SIGTERM) runs: stops the publishers, then waits until the run has drained,
   * reported and closed the gateway, at most {@code 150 s} (the drain's 120 s and the report). The
   * JVM ends when its shutdown hooks return: a hook that only stopped the publishers ended the
   * process before the drain and the summary (found by an audit).
   */
  private void onShutdown(Gateway gateway) {
    gateway.stopPublishers();
    try {
      closed.await(150, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private static long recoveredState(Gateway gateway, PrintStream out) {
    long stored = 0;
    for (int t = 0; t < gateway.options().topics(); t++) {
      for (int q = 1; q < Gateway.LEVELS; q++) {
        stored += gateway.ledger(t, q).acceptedAtStart();
      }
    }
    if (stored > 0) {
      out.println(
          "  recovering: "
              + stored
              + " durable messages were acknowledged by earlier runs; unconfirmed ones are"
              + " redelivered from the journal");
    }
    return stored;
  }

  private int runAndReport(
      Gateway gateway, GatewayOptions options, long acceptedBefore, MqttBridge bridge)
      throws Exception {
    CapacityTimeline timeline = new CapacityTimeline(options.topics());
    LiveView view = new LiveView(gateway, out, options.terminal());
    Thread ctrlC = new Thread(() -> onShutdown(gateway), "gateway-ctrl-c");
    Runtime.getRuntime().addShutdownHook(ctrlC);
    gateway.startPublishers();
    ScheduledExecutorService monitor =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread t = new Thread(r, "gateway-monitor");
              t.setDaemon(true);
              return t;
            });
    monitor.scheduleAtFixedRate(
        () -> {
          double s = gateway.elapsedNanos() / 1e9;
          for (int t = 0; t < options.topics(); t++) {
            timeline.sample(t, s, gateway.levelStats(t));
          }
        },
        0,
        100,
        TimeUnit.MILLISECONDS);
    monitor.scheduleAtFixedRate(
        view::render,
        options.refresh().toMillis(),
        options.refresh().toMillis(),
        TimeUnit.MILLISECONDS);
    gateway.awaitPublishers();
    if (gateway.endedIdle()) {
      out.println(
          "MQTT broker idle for " + DurationConverter.format(options.mqttIdle()) + ": run ends");
    }
    if (bridge != null) {
      bridge.stopReceiving();
    }
    // keep sampling for a while after the load: the capacity shrinks back
    boolean drained = gateway.drain(Duration.ofSeconds(120));
    Thread.sleep(Math.min(1000, options.refresh().toMillis()));
    monitor.shutdown();
    monitor.awaitTermination(5, TimeUnit.SECONDS);
    view.render();
    try {
      Runtime.getRuntime().removeShutdownHook(ctrlC);
    } catch (IllegalStateException shuttingDown) {
      // Ctrl-C: the hook is running
    }
    List<String> report = report(gateway, options, timeline, drained, acceptedBefore);
    out.println();
    if (bridge != null) {
      out.println("MQTT bridge: " + bridge.figures());
    }
    report.forEach(out::println);
    Files.write(options.dataDir().resolve("summary.txt"), report, StandardCharsets.UTF_8);
    Path chart = options.dataDir().resolve("mailbox-depth.png");
    timeline.writePng(chart, "QoS mailboxes of the gateway: depth (solid) and capacity (dashed)");
    out.println("Chart: " + chart.toAbsolutePath());
    return report.get(report.size() - 1).startsWith("RESULT: OK") ? 0 : 1;
  }

  private static List<String> report(
      Gateway g,
      GatewayOptions o,
      CapacityTimeline timeline,
      boolean drained,
      long acceptedBefore) {
    List<String> lines = new ArrayList<>();
    List<String> problems = new ArrayList<>();
    lines.add(
        String.format(
            Locale.ROOT,
            "Summary (%.1f s; redelivered = messages of an earlier run delivered in this one)",
            g.elapsedNanos() / 1e9));
    String row = "%-5s %3s %10s %10s %10s %12s %11s";
    lines.add(
        String.format(
            Locale.ROOT,
            row,
            "topic",
            "qos",
            "sent",
            "processed",
            "dropped",
            "redelivered",
            "duplicates"));
    long[][] totals = new long[Gateway.LEVELS][5];
    for (int t = 0; t < o.topics(); t++) {
      for (int q = 0; q < Gateway.LEVELS; q++) {
        int i = t * Gateway.LEVELS + q;
        long sent = g.sent.get(i);
        long processed = g.processed.get(i);
        long dropped = g.dropped(t, q);
        long redelivered = g.recovered.get(i) + g.duplicates.get(i);
        long dups = g.duplicates.get(i);
        long[] f = {sent, processed, dropped, redelivered, dups};
        for (int k = 0; k < f.length; k++) {
          totals[q][k] += f[k];
        }
        lines.add(
            String.format(
                Locale.ROOT,
                row,
                Gateway.topicName(t),
                q,
                sent,
                processed,
                dropped,
                redelivered,
                dups));
        long unstored = g.unstored.get(i);
        long storedBefore = g.storedBefore.get(i);
        if (sent != processed + dropped + unstored + storedBefore) {
          problems.add(
              Gateway.topicName(t)
                  + " qos "
                  + q
                  + ": sent "
                  + sent
                  + " != processed "
                  + processed
                  + " + dropped "
                  + dropped
                  + (unstored > 0 ? " + not stored " + unstored : "")
                  + (storedBefore > 0 ? " + stored before " + storedBefore : ""));
        }
        if (q > 0 && dropped > 0) {
          problems.add(Gateway.topicName(t) + " qos " + q + ": " + dropped + " dropped");
        }
        if (unstored > 0) {
          problems.add(
              Gateway.topicName(t)
                  + " qos "
                  + q
                  + ": "
                  + unstored
                  + " from the broker not stored by the durable inbox ("
                  + g.unstoredReason
                  + "); not acknowledged, the broker keeps them");
        }
      }
    }
    for (int q = 0; q < Gateway.LEVELS; q++) {
      lines.add(
          String.format(
              Locale.ROOT,
              row,
              "all",
              q,
              totals[q][0],
              totals[q][1],
              totals[q][2],
              totals[q][3],
              totals[q][4]));
    }
    long shed = 0;
    long overflow = 0;
    for (int t = 0; t < o.topics(); t++) {
      var info = g.mailbox(t);
      if (info.isPresent()) {
        shed += info.get().shed();
        overflow += info.get().stats().rejected();
      }
    }
    lines.add(
        "Dropped: "
            + shed
            + " shed by the QosMailbox's overload shedding (QoS 0 once 80 % of max-capacity is"
            + " queued), "
            + overflow
            + " overflowed at max-capacity");
    lines.add("");
    lines.add("Latency, publish -> stream egress (microseconds, this run's messages):");
    lines.add(
        String.format(
            Locale.ROOT,
            "%-5s %10s %10s %10s %10s %10s",
            "qos",
            "p50",
            "p90",
            "p99",
            "p99.9",
            "max"));
    for (int q = 0; q < Gateway.LEVELS; q++) {
      Histogram h = g.latency[q];
      lines.add(
          String.format(
              Locale.ROOT,
              "%-5d %10d %10d %10d %10d %10d",
              q,
              h.getValueAtPercentile(50),
              h.getValueAtPercentile(90),
              h.getValueAtPercentile(99),
              h.getValueAtPercentile(99.9),
              h.getMaxValue()));
    }
    lines.add("");
    lines.add("Capacity timeline (all levels of each processor's QosMailbox):");
    timeline.describe().forEach(l -> lines.add("  " + l));
    lines.add("");
    long storedAll = 0;
    long gaps = 0;
    long notProcessed = 0;
    long fromTheJournal = 0;
    for (int t = 0; t < o.topics(); t++) {
      for (int q = 1; q < Gateway.LEVELS; q++) {
        Ledger l = g.ledger(t, q);
        storedAll = Math.max(storedAll, 0) + l.acceptedMax();
        gaps += l.gaps();
        notProcessed += Math.max(0, l.acceptedMax() - l.last());
        fromTheJournal += l.lostFromTheJournal();
      }
    }
    long recovered =
        Gateway.sum(g.recovered, o.topics(), 1) + Gateway.sum(g.recovered, o.topics(), 2);
    long dups = Gateway.sum(g.duplicates, o.topics(), 1) + Gateway.sum(g.duplicates, o.topics(), 2);
    lines.add(
        String.format(
            Locale.ROOT,
            "Journal: %,d fsyncs, %.1f events per fsync (group commit)",
            g.fsyncs(),
            g.eventsPerFsync()));
    if (acceptedBefore > 0 || recovered + dups > 0) {
      lines.add(
          String.format(
              Locale.ROOT,
              "Recovery: %d durable messages redelivered from the journal: %d processed for the first"
                  + " time, %d processed before the crash (QoS 2: suppressed by"
                  + " DeliveryDeduplicator; QoS 1: processed again, at least once)",
              recovered + dups,
              recovered,
              dups));
    }
    long storedBefore = Gateway.sum(g.storedBefore, o.topics(), 2);
    if (storedBefore > 0) {
      lines.add(
          String.format(
              Locale.ROOT,
              "MQTT: %d QoS 2 messages the broker delivered again after their first copy was stored"
                  + " (a crash or a lost connection before the PUBCOMP): recognized by their MQTT"
                  + " identity, not processed again (in the sent column above, not in processed)",
              storedBefore));
    }
    if (gaps > 0 || notProcessed > 0) {
      problems.add(gaps + notProcessed + " stored QoS 1/2 messages were never processed (lost)");
    }
    if (fromTheJournal > 0) {
      problems.add(
          fromTheJournal
              + " QoS 1/2 messages acknowledged as stored in an earlier run are gone from the"
              + " journal (their sequence numbers were given to new messages)");
    }
    lines.add(
        String.format(
            Locale.ROOT,
            "Durable: %d QoS 1/2 messages stored and acknowledged over all runs of this data"
                + " directory; lost: %d (ledgers 1..n without gaps, no acknowledged number given"
                + " again)",
            storedAll,
            gaps + notProcessed + fromTheJournal));
    if (g.streamDropped.get() > 0) {
      problems.add(g.streamDropped.get() + " results dropped by the stream source");
    }
    if (!drained) {
      problems.add("the gateway did not drain within 120 s");
    }
    lines.add(
        problems.isEmpty()
            ? "RESULT: OK: counts add up (sent = processed + dropped), no QoS 1/2 message dropped,"
                + " none lost"
            : "RESULT: FAILED: " + String.join("; ", problems));
    return lines;
  }

  private static String describe(GatewayOptions o) {
    return String.format(
        Locale.ROOT,
        "%d topics, %d publishers x %d msg/s, bursts of %d per publisher every %s, QoS mix %d/%d/%d,"
            + " %s",
        o.topics(),
        o.publishers(),
        o.rate(),
        o.burstSize(),
        DurationConverter.format(o.burstEvery()),
        o.qosMix()[0],
        o.qosMix()[1],
        o.qosMix()[2],
        DurationConverter.format(o.duration()));
  }

  /**
   * A time option above 0 and within what the publishers' clock counts ({@code toNanos}: about 292
   * years; beyond it their threads failed with "long overflow" and the run sent nothing).
   */
  private static void positiveTime(String option, Duration value) throws BadInputException {
    if (value.isZero() || value.isNegative() || value.compareTo(MAX_TIME) > 0) {
      throw new BadInputException(option + " must be > 0 and at most 1000000h, was " + value);
    }
  }

  private static final Duration MAX_TIME = Duration.ofHours(1_000_000);

  /** The percentages of {@code --qos-mix}, e.g. {@code 60,30,10}. */
  private static int[] parseQosMix(String text) throws BadInputException {
    String[] parts = text.split(",", -1);
    int[] mix = new int[parts.length];
    for (int i = 0; i < parts.length; i++) {
      try {
        mix[i] = Integer.parseInt(parts[i].strip());
      } catch (NumberFormatException e) {
        throw new BadInputException(
            "--qos-mix takes three percentages, e.g. 60,30,10, was '" + text + "'");
      }
    }
    return mix;
  }

  private GatewayOptions validate() throws BadInputException {
    if (topics < 1 || topics > 64) {
      throw new BadInputException("--topics must be between 1 and 64, was " + topics);
    }
    if (publishers < (mqtt == null ? 1 : 0) || publishers > 64) {
      throw new BadInputException(
          "--publishers must be between "
              + (mqtt == null ? 1 : 0)
              + " and 64 (0 only with --mqtt), was "
              + publishers);
    }
    if (rate < 0) {
      throw new BadInputException("--rate must be >= 0, was " + rate);
    }
    if (burstSize < 0) {
      throw new BadInputException("--burst-size must be >= 0, was " + burstSize);
    }
    qosMix = parseQosMix(qosMixText);
    if (qosMix.length != 3 || qosMix[0] < 0 || qosMix[1] < 0 || qosMix[2] < 0) {
      throw new BadInputException("--qos-mix takes three percentages, e.g. 60,30,10");
    }
    if (qosMix[0] + qosMix[1] + qosMix[2] != 100) {
      throw new BadInputException(
          "--qos-mix must add up to 100, was " + (qosMix[0] + qosMix[1] + qosMix[2]));
    }
    positiveTime("--duration", duration);
    positiveTime("--burst-every", burstEvery);
    if (workMicros < 0 || workMicros > 100_000) {
      throw new BadInputException("--work-us must be between 0 and 100000, was " + workMicros);
    }
    if (crashAfter < 0) {
      throw new BadInputException("--crash-after must be >= 0, was " + crashAfter);
    }
    if (crashAfter > 0 && publishers == 0) {
      // only the publishers count towards it: the halt never came
      throw new BadInputException(
          "--crash-after counts the built-in publishers' messages: it needs --publishers > 0");
    }
    int max = ConfigFactory.load("gateway").getInt(Gateway.PROCESSOR_MAILBOX + ".max-capacity");
    if (inflight < 1 || (long) inflight * publishers > max / 2) {
      throw new BadInputException(
          "--inflight x --publishers must lie between 1 and half the QoS mailbox's max-capacity ("
              + max / 2
              + "), was "
              + (long) inflight * publishers);
    }
    if (mqttTopic != null
        && (mqttTopic.isEmpty()
            || mqttTopic.contains("+")
            || mqttTopic.contains("#")
            || mqttTopic.indexOf('\u0000') >= 0)) {
      // the bridge subscribes to <prefix>/in/# and publishes on <prefix>/out/<topic>: a wildcard
      // in the prefix failed the subscription, or every result's publish
      throw new BadInputException(
          "--mqtt-topic must be a topic name without the wildcards + and #, was '"
              + mqttTopic
              + "'");
    }
    if (mqttTopic != null && mqtt == null) {
      // it was ignored: the run had no bridge
      throw new BadInputException("--mqtt-topic needs --mqtt");
    }
    // beyond the nanosecond clock the run's timer failed and the run ended at once
    if (mqttIdle != null
        && (mqtt == null
            || mqttIdle.isZero()
            || mqttIdle.isNegative()
            || mqttIdle.compareTo(MAX_TIME) > 0)) {
      throw new BadInputException(
          "--mqtt-idle takes a time > 0 and at most 1000000h, and needs --mqtt");
    }
    checkDataDir(data);
    checkTopicsOfTheDataDir(data, topics);
    if (mqtt != null) {
      MqttBridge.probe(mqtt);
    }
    int metrics = port("--metrics-port", metricsPort);
    int management = port("--management-port", managementPort);
    if (metrics == management) {
      throw new BadInputException("--metrics-port and --management-port must differ");
    }
    boolean terminal = !plain && System.console() != null;
    Duration every = refresh != null ? refresh : Duration.ofSeconds(terminal ? 1 : 5);
    if (every.compareTo(Duration.ofMillis(100)) < 0 || every.compareTo(MAX_TIME) > 0) {
      // toMillis() of a longer one overflowed: "failed: ArithmeticException", exit code 1
      throw new BadInputException("--refresh must be >= 100ms and at most 1000000h, was " + every);
    }
    return new GatewayOptions(
        data,
        duration,
        mqttIdle == null ? Duration.ZERO : mqttIdle,
        topics,
        publishers,
        rate,
        burstEvery,
        burstSize,
        qosMix.clone(),
        inflight,
        workMicros,
        crashAfter,
        metrics,
        management,
        every,
        terminal);
  }

  /**
   * The directory must be a writable directory, or creatable in a writable one. Writability is
   * tried (a probe file, deleted at once), because permission bits do not bind root and a read-only
   * or virtual file system is not visible in them.
   */
  static void checkDataDir(Path dir) throws BadInputException {
    Path existing = dir.toAbsolutePath().normalize();
    while (existing != null && !Files.exists(existing)) {
      existing = existing.getParent();
    }
    if (existing == null) {
      throw new BadInputException("--data " + dir + ": no existing parent directory");
    }
    if (!Files.isDirectory(existing)) {
      throw new BadInputException(
          "--data " + dir + ": " + existing + " is a file, not a directory");
    }
    try {
      Files.delete(Files.createTempFile(existing, ".gateway-", ".probe"));
    } catch (IOException e) {
      throw new BadInputException("--data " + dir + ": " + existing + " is not writable");
    }
  }

  /** The file in the data directory that keeps the {@code --topics} it was run with. */
  static final String TOPICS_FILE = "topics";

  /**
   * A data directory holds the ledgers and durable inboxes of the topics it was run with: a
   * recovery with another {@code --topics} left the stored messages of the inboxes it does not
   * start undelivered and uncounted (the run could report OK), so it is refused.
   */
  static void checkTopicsOfTheDataDir(Path dir, int topics) throws BadInputException {
    Path file = dir.resolve(TOPICS_FILE);
    if (!Files.isRegularFile(file)) {
      return; // a new directory, or one of a version that did not keep it
    }
    String before;
    try {
      before = Files.readString(file).strip();
    } catch (IOException e) {
      throw new BadInputException("--data " + dir + ": cannot read " + file + ": " + e);
    }
    if (!before.equals(Integer.toString(topics))) {
      throw new BadInputException(
          "--topics "
              + topics
              + " differs from the "
              + before
              + " topics --data "
              + dir
              + " was run with: a recovery needs the same --topics (or another --data)");
    }
  }

  private static int port(String option, int port) throws BadInputException {
    if (port < 0 || port > 65535) {
      throw new BadInputException(option + " must be between 0 and 65535, was " + port);
    }
    try (ServerSocket s = new ServerSocket(port, 1, InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    } catch (IOException e) {
      throw new BadInputException(
          option
              + " "
              + port
              + ": 127.0.0.1:"
              + port
              + " is in use (pick another, or 0 for a free"
              + " port)");
    }
  }

  /** Reads {@code 500ms}, {@code 10s}, {@code 2m}, {@code 1h} or an ISO-8601 duration. */
  static final class DurationConverter implements CommandLine.ITypeConverter<Duration> {
    private static final Pattern SIMPLE = Pattern.compile("(\\d+)\\s*(ms|s|m|h)");

    @Override
    public Duration convert(String value) {
      Matcher m = SIMPLE.matcher(value.trim().toLowerCase(Locale.ROOT));
      if (m.matches()) {
        long n = Long.parseLong(m.group(1));
        switch (m.group(2)) {
          case "ms":
            return Duration.ofMillis(n);
          case "s":
            return Duration.ofSeconds(n);
          case "m":
            return Duration.ofMinutes(n);
          default:
            return Duration.ofHours(n);
        }
      }
      try {
        return Duration.parse(value);
      } catch (RuntimeException e) {
        throw new CommandLine.TypeConversionException(
            "'" + value + "' is not a duration (e.g. 500ms, 10s, 2m)");
      }
    }

    static String format(Duration d) {
      return d.toMillis() % 1000 == 0 ? d.toSeconds() + "s" : d.toMillis() + "ms";
    }
  }
}
