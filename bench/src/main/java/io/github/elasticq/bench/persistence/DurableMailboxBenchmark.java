package io.github.elasticq.bench.persistence;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigValueFactory;
import io.github.elasticq.bench.report.CommandLine;
import io.github.elasticq.bench.report.Machine;
import io.github.elasticq.examples.cluster.PostgresSchema;
import io.github.elasticq.persistence.durable.DurableMailbox;
import io.github.elasticq.persistence.durable.DurableMailbox.Enqueue;
import io.github.elasticq.persistence.durable.DurableMailbox.Reply;
import io.github.elasticq.persistence.durable.DurableMailbox.Stored;
import io.github.elasticq.persistence.durable.DurableMailboxSettings;
import io.github.elasticq.persistence.journal.WalRegistry;
import io.github.elasticq.persistence.wal.SyncMode;
import io.github.elasticq.persistence.wal.WalStats;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.delivery.ConsumerController;
import org.apache.pekko.actor.typed.delivery.DurableProducerQueue;
import org.apache.pekko.actor.typed.delivery.ProducerController;
import org.apache.pekko.actor.typed.javadsl.Adapter;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.persistence.typed.PersistenceId;
import org.apache.pekko.persistence.typed.delivery.EventSourcedProducerQueue;

/**
 * Durable inboxes on the same journal: ElasticQ's {@code DurableMailbox} against Pekko's reliable
 * delivery ({@code ProducerController} with {@code EventSourcedProducerQueue} to a {@code
 * ConsumerController}), with 1 and 100 inboxes, on {@code elasticq.journal} every-write and
 * no-sync, and (mode {@code postgres}) both on pekko-persistence-jdbc with the machine's
 * PostgreSQL. The figure is messages stored and processed per second, counted by the consuming
 * behavior; the journal's own counters give records, group commits and fsyncs per message (on
 * PostgreSQL, {@link CountingJdbcJournal}'s: events, write requests and their median latency).
 *
 * <p>Both sides keep {@code in-flight} messages (default 50, reliable delivery's default flow
 * control window) per inbox waiting for storage: ours through {@code Enqueue}/{@code Stored},
 * theirs through its own demand ({@code RequestNext}). Both deliver one message at a time to the
 * consumer (our {@code window = 1}, their consumer confirms each delivery). Payload: a 100-byte
 * array.
 *
 * <p>Run (after {@code ./mvnw -pl bench -am package -DskipTests}): {@code java -cp
 * bench/target/benchmarks.jar io.github.elasticq.bench.persistence.DurableMailboxBenchmark
 * [inboxes=1,100] [modes=every-write,no-sync,postgres] [seconds=5] [warmup=2] [in-flight=50]
 * [windows=1,50] [dir=target/durable-bench] [out=bench/results/durable-<yyyyMMdd-HHmm>.md]}. A main
 * program; not thread-safe.
 */
public final class DurableMailboxBenchmark {
  private final CommandLine options;
  private final Path work;
  private final long warmupMillis;
  private final long measureMillis;
  private final int inFlight;
  private final List<Integer> windows;
  private final List<Row> rows = new ArrayList<>();

  private DurableMailboxBenchmark(CommandLine options) {
    this.options = options;
    this.work = Path.of(options.get("dir", "target/durable-bench")).toAbsolutePath();
    this.warmupMillis = (long) (options.nonNegative("warmup", 2) * 1000);
    this.measureMillis = (long) (options.positive("seconds", 5) * 1000);
    this.inFlight = options.intCount("in-flight", 50);
    this.windows = options.intCounts("windows", WINDOWS);
  }

  enum Impl {
    ELASTICQ("ElasticQ DurableMailbox"),
    RELIABLE_DELIVERY("Pekko reliable delivery (EventSourcedProducerQueue)");

    final String label;

    Impl(String label) {
      this.label = label;
    }
  }

  record Row(
      String mode,
      int inboxes,
      Impl impl,
      int window,
      double messagesPerSecond,
      double recordsPerMessage,
      double commitsPerMessage,
      double fsyncsPerMessage,
      double requestsPerMessage,
      long writeP50Micros) {}

  /** The options this harness reads (see the class comment). */
  static final List<String> OPTIONS =
      List.of("seconds", "warmup", "in-flight", "windows", "modes", "inboxes", "dir", "out");

  /** The defaults of the list options. */
  private static final String WINDOWS = "1,50", INBOXES = "1,100", MODES = "every-write,no-sync";

  /** The command line, checked before anything starts. */
  static CommandLine options(String[] args) {
    CommandLine line = PersistenceBenchmark.options(args, OPTIONS, List.of("in-flight"));
    line.intCounts("windows", WINDOWS);
    line.intCounts("inboxes", INBOXES);
    modes(line);
    return line;
  }

  /** The modes option: {@code postgres} or a sync mode of {@code elasticq.journal}, in order. */
  private static List<String> modes(CommandLine options) {
    List<String> modes = new ArrayList<>();
    for (String m : options.get("modes", MODES).split(",")) {
      String mode = m.trim();
      if (!mode.equals("postgres")) {
        try {
          SyncMode.fromConfigName(mode);
        } catch (IllegalArgumentException e) {
          throw new IllegalArgumentException(
              "modes="
                  + options.get("modes")
                  + ": '"
                  + mode
                  + "' is neither postgres nor a sync-mode",
              e);
        }
      }
      modes.add(mode);
    }
    return modes;
  }

  /**
   * Runs every combination and writes the report.
   *
   * @param args {@code key=value} options, see the class comment
   * @throws Exception if a run fails
   */
  public static void main(String[] args) throws Exception {
    new DurableMailboxBenchmark(options(args)).run();
    System.exit(0);
  }

  private void run() throws Exception {
    PersistenceBenchmark.deleteRecursively(work);
    String loadBefore = Machine.loadAverage();
    List<String> modes = modes(options);
    List<Integer> inboxCounts = options.intCounts("inboxes", INBOXES);
    int runId = 0;
    for (String mode : modes) {
      for (int inboxes : inboxCounts) {
        for (int window : windows) {
          Row r = measure(Impl.ELASTICQ, window, mode, inboxes, work.resolve("run-" + runId++));
          rows.add(r);
          System.out.println(r);
        }
        Row r = measure(Impl.RELIABLE_DELIVERY, 0, mode, inboxes, work.resolve("run-" + runId++));
        rows.add(r);
        System.out.println(r);
      }
    }
    String report = report(loadBefore, Machine.loadAverage());
    System.out.println(report);
    Path out =
        Path.of(
            options.get(
                "out",
                "bench/results/durable-"
                    + LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmm"))
                    + ".md"));
    if (out.getParent() != null) {
      Files.createDirectories(out.getParent());
    }
    Files.writeString(out, report);
    System.out.println("written to " + out.toAbsolutePath());
    PersistenceBenchmark.deleteRecursively(work);
  }

  private Config config(String mode, Path dir) {
    if (mode.equals("postgres")) {
      return Journal.postgres(Journal.postgresSchema(dir))
          .withFallback(
              ConfigFactory.parseString(
                  "jdbc-journal.class = \"" + CountingJdbcJournal.class.getName() + "\""))
          .withFallback(
              ConfigFactory.parseString(
                  String.join(
                      "\n",
                      "pekko.loglevel = WARNING",
                      "pekko.stdout-loglevel = WARNING",
                      "pekko.log-dead-letters = off",
                      "pekko.persistence.max-concurrent-recoveries = 200")))
          .withFallback(ConfigFactory.load())
          .resolve();
    }
    return ConfigFactory.parseString(
            String.join(
                "\n",
                "pekko.loglevel = WARNING",
                "pekko.stdout-loglevel = WARNING",
                "pekko.log-dead-letters = off",
                "pekko.persistence.max-concurrent-recoveries = 200",
                "pekko.persistence.journal.plugin = \"elasticq.journal\"",
                "pekko.persistence.snapshot-store.plugin = \"elasticq.snapshot-store\"",
                "elasticq.journal.sync-mode = " + mode))
        .withValue(
            "elasticq.journal.dir",
            ConfigValueFactory.fromAnyRef(dir.resolve("journal").toString()))
        .withValue(
            "elasticq.snapshot-store.dir",
            ConfigValueFactory.fromAnyRef(dir.resolve("snapshots").toString()))
        .withFallback(ConfigFactory.load())
        .resolve();
  }

  private Row measure(Impl impl, int window, String mode, int inboxes, Path dir) throws Exception {
    DurableMailboxSettings settings =
        DurableMailboxSettings.builder().window(Math.max(1, window)).build();
    Files.createDirectories(dir);
    boolean postgres = mode.equals("postgres");
    PostgresSchema schema =
        new PostgresSchema(Journal.POSTGRES_URL, "postgres", Journal.postgresSchema(dir));
    if (postgres) {
      schema.drop();
      schema.create();
    }
    LongAdder processed = new LongAdder();
    byte[] payload = new byte[100];
    ActorSystem<Void> system =
        ActorSystem.create(
            Behaviors.setup(
                ctx -> {
                  for (int i = 0; i < inboxes; i++) {
                    if (impl == Impl.ELASTICQ) {
                      ActorRef<Object> producer =
                          ctx.spawn(enqueuer(payload, inFlight), "producer-" + i);
                      ActorRef<Object> mailbox =
                          ctx.spawn(
                              DurableMailbox.create(
                                  "inbox-" + i, counting(processed, producer), settings),
                              "inbox-" + i);
                      producer.tell(new Start(mailbox));
                    } else {
                      Optional<Behavior<DurableProducerQueue.Command<byte[]>>> queue =
                          Optional.of(
                              EventSourcedProducerQueue.create(
                                  PersistenceId.ofUniqueId("queue-" + i)));
                      ActorRef<ProducerController.Command<byte[]>> producerController =
                          ctx.spawn(
                              ProducerController.create(byte[].class, "producer-" + i, queue),
                              "producer-controller-" + i);
                      ActorRef<ConsumerController.Command<byte[]>> consumerController =
                          ctx.spawn(ConsumerController.create(), "consumer-controller-" + i);
                      ctx.spawn(consumer(consumerController, processed), "consumer-" + i);
                      consumerController.tell(
                          new ConsumerController.RegisterToProducerController<>(
                              producerController));
                      ctx.spawn(requestNextProducer(producerController, payload), "producer-" + i);
                    }
                  }
                  return Behaviors.empty();
                }),
            "durable-bench",
            config(mode, dir));
    try {
      Thread.sleep(warmupMillis);
      WalStats before = postgres ? null : walStats(system);
      Map<String, Long> journalBefore = CountingJdbcJournal.counters();
      CountingJdbcJournal.latencySinceLastCall();
      long c0 = processed.sum();
      long t0 = System.nanoTime();
      Thread.sleep(measureMillis);
      long c1 = processed.sum();
      long t1 = System.nanoTime();
      long messages = Math.max(1, c1 - c0);
      double rate = (c1 - c0) / ((t1 - t0) / 1e9);
      // per message: records (events), group commits, fsyncs (ours); JDBC write requests (theirs)
      double[] counts = {Double.NaN, Double.NaN, Double.NaN, Double.NaN};
      long writeP50 = -1;
      if (postgres) {
        Map<String, Long> journalAfter = CountingJdbcJournal.counters();
        counts[0] = journalAfter.get("events") - journalBefore.get("events");
        counts[3] = journalAfter.get("requests") - journalBefore.get("requests");
        writeP50 = CountingJdbcJournal.latencySinceLastCall().getValueAtPercentile(50);
      } else {
        WalStats after = walStats(system);
        counts[0] = after.recordsWritten() - before.recordsWritten();
        counts[1] = after.writes() - before.writes();
        counts[2] = after.fsyncs() - before.fsyncs();
      }
      return new Row(
          mode,
          inboxes,
          impl,
          window,
          rate,
          counts[0] / messages,
          counts[1] / messages,
          counts[2] / messages,
          counts[3] / messages,
          writeP50);
    } finally {
      system.terminate();
      system.getWhenTerminated().toCompletableFuture().get(2, TimeUnit.MINUTES);
      if (postgres) {
        schema.drop();
      }
    }
  }

  private static WalStats walStats(ActorSystem<?> system) {
    return WalRegistry.get(Adapter.toClassic(system)).logFor("elasticq.journal").stats();
  }

  /** Tells our producer which mailbox to feed. */
  private record Start(ActorRef<Object> mailbox) {}

  /** Our inner behavior processed one message: the producer may send one more. */
  private enum Done {
    INSTANCE
  }

  /** The inner behavior of our mailbox: counts, and gives the producer demand. */
  private static Behavior<byte[]> counting(LongAdder processed, ActorRef<Object> producer) {
    return Behaviors.receive(byte[].class)
        .onAnyMessage(
            m -> {
              processed.increment();
              producer.tell(Done.INSTANCE);
              return Behaviors.same();
            })
        .build();
  }

  /**
   * Keeps {@code inFlight} messages sent and not yet processed, like reliable delivery's flow
   * control: a new {@code Enqueue} for every processed message (and one again for a rejected one).
   */
  private static Behavior<Object> enqueuer(byte[] payload, int inFlight) {
    return Behaviors.receive(Object.class)
        .onMessage(
            Start.class,
            start ->
                Behaviors.setup(
                    ctx -> {
                      ActorRef<Reply> replies = ctx.getSelf().narrow();
                      for (int i = 0; i < inFlight; i++) {
                        start.mailbox().tell(new Enqueue<>(payload, replies));
                      }
                      return Behaviors.receive(Object.class)
                          .onMessageEquals(
                              Done.INSTANCE,
                              () -> {
                                start.mailbox().tell(new Enqueue<>(payload, replies));
                                return Behaviors.same();
                              })
                          .onMessage(
                              DurableMailbox.Rejected.class,
                              rejected -> {
                                start.mailbox().tell(new Enqueue<>(payload, replies));
                                return Behaviors.same();
                              })
                          .onMessage(Stored.class, stored -> Behaviors.same())
                          .build();
                    }))
        .build();
  }

  /** Reliable delivery's consumer: counts and confirms each delivery. */
  @SuppressWarnings("unchecked")
  static Behavior<ConsumerController.Delivery<byte[]>> consumer(
      ActorRef<? super ConsumerController.Start<byte[]>> consumerController, LongAdder processed) {
    return Behaviors.setup(
        ctx -> {
          consumerController.tell(new ConsumerController.Start<>(ctx.getSelf()));
          return Behaviors.receive(
                  (Class<ConsumerController.Delivery<byte[]>>)
                      (Class<?>) ConsumerController.Delivery.class)
              .onAnyMessage(
                  delivery -> {
                    processed.increment();
                    delivery.confirmTo().tell(ConsumerController.confirmed());
                    return Behaviors.same();
                  })
              .build();
        });
  }

  /** Reliable delivery's producer: sends whenever the controller asks. */
  @SuppressWarnings("unchecked")
  private static Behavior<ProducerController.RequestNext<byte[]>> requestNextProducer(
      ActorRef<ProducerController.Command<byte[]>> producerController, byte[] payload) {
    return Behaviors.setup(
        ctx -> {
          producerController.tell(new ProducerController.Start<>(ctx.getSelf()));
          return Behaviors.receive(
                  (Class<ProducerController.RequestNext<byte[]>>)
                      (Class<?>) ProducerController.RequestNext.class)
              .onAnyMessage(
                  next -> {
                    next.sendNextTo().tell(payload);
                    return Behaviors.same();
                  })
              .build();
        });
  }

  private String report(String loadBefore, String loadAfter) {
    StringBuilder sb = new StringBuilder();
    sb.append("# Durable mailbox vs Pekko reliable delivery\n\n");
    sb.append("Generated by `io.github.elasticq.bench.persistence.DurableMailboxBenchmark` on ")
        .append(LocalDateTime.now().format(DateTimeFormatter.ISO_LOCAL_DATE_TIME).substring(0, 16))
        .append(", ")
        .append(Runtime.getRuntime().availableProcessors())
        .append(" cores available to the JVM, load average before / after ")
        .append(loadBefore)
        .append(" / ")
        .append(loadAfter)
        .append(", options `")
        .append(options.options().isEmpty() ? "(defaults)" : options.options().toString())
        .append("`, warmup ")
        .append(warmupMillis / 1000.0)
        .append(" s, measured ")
        .append(measureMillis / 1000.0)
        .append(" s per row, ")
        .append(inFlight)
        .append(" messages in flight per inbox.\n\n");
    sb.append(
        "| sync mode | inboxes | implementation | window | stored and processed msg/s | journal"
            + " records / msg | group commits / msg | fsyncs / msg | JDBC write requests / msg |"
            + " JDBC write p50 µs |\n");
    sb.append("|---|---:|---|---:|---:|---:|---:|---:|---:|---:|\n");
    for (Row r : rows) {
      sb.append(
          String.format(
              "| %s | %d | %s | %s | %,.0f | %s | %s | %s | %s | %s |%n",
              r.mode,
              r.inboxes,
              r.impl.label,
              r.impl == Impl.ELASTICQ ? Integer.toString(r.window) : inFlight + " (flow control)",
              r.messagesPerSecond,
              perMessage(r.recordsPerMessage),
              perMessage(r.commitsPerMessage),
              perMessage(r.fsyncsPerMessage),
              perMessage(r.requestsPerMessage),
              r.writeP50Micros < 0 ? "-" : String.format("%,d", r.writeP50Micros)));
    }
    sb.append(
        "\n| sync mode | inboxes | ElasticQ window | ElasticQ / reliable delivery |\n"
            + "|---|---:|---:|---:|\n");
    for (Row ours : rows) {
      if (ours.impl != Impl.ELASTICQ) {
        continue;
      }
      for (Row theirs : rows) {
        if (theirs.impl == Impl.RELIABLE_DELIVERY
            && theirs.mode.equals(ours.mode)
            && theirs.inboxes == ours.inboxes) {
          sb.append(
              String.format(
                  "| %s | %d | %d | %.2fx |%n",
                  ours.mode,
                  ours.inboxes,
                  ours.window,
                  ours.messagesPerSecond / theirs.messagesPerSecond));
        }
      }
    }
    return sb.toString();
  }

  /** A per-message count for the table; "-" where the mode has no such count (NaN). */
  static String perMessage(double count) {
    return Double.isNaN(count) ? "-" : String.format(Locale.ROOT, "%.3f", count);
  }
}
