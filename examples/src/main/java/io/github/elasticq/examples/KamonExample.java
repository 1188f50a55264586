package io.github.elasticq.examples;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import io.github.elasticq.mailbox.MailboxRegistry;
import io.github.elasticq.mailbox.QosMessage;
import io.github.elasticq.mailbox.kamon.ElasticqKamon;
import io.github.elasticq.persistence.journal.WalRegistry;
import io.github.elasticq.persistence.kamon.JournalKamon;
import io.github.elasticq.persistence.wal.WriteAheadLog;
import java.io.IOException;
import java.io.PrintStream;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import kamon.Kamon;
import org.apache.pekko.actor.AbstractActor;
import org.apache.pekko.actor.ActorRef;
import org.apache.pekko.actor.ActorSystem;
import org.apache.pekko.actor.Props;
import org.apache.pekko.persistence.AbstractPersistentActor;
import scala.concurrent.Await;

/**
 * ElasticQ mailboxes and the embedded journal exported to Prometheus through Kamon: a bounded
 * {@code ElasticMailbox} under bursts (it grows, overflows to dead letters and shrinks back), a
 * three-level {@code QosMailbox}, short-lived actors stopped with messages still queued (clean-up
 * drops), and a persistent actor on {@code elasticq.journal} whose events are replayed now and
 * then. kamon-prometheus serves the metrics on {@code http://127.0.0.1:<port>/metrics}; the port is
 * printed at start.
 *
 * <pre>
 * ./mvnw -q -pl examples -am verify -Pdemo -DskipTests \
 *     -Ddemo.mainClass=io.github.elasticq.examples.KamonExample [-Delasticq.example.port=9095]
 * </pre>
 *
 * <p>Then point Prometheus at it and import {@code examples/dashboards/elasticq.json} into Grafana.
 */
public final class KamonExample implements AutoCloseable {

  /** Actor system name, the {@code system} tag of every series. */
  public static final String SYSTEM = "elasticq-example";

  /** The bounded mailbox id. */
  public static final String MAILBOX = "example-mailbox";

  /** The QoS mailbox id. */
  public static final String QOS = "example-qos";

  private static final int WORKERS = 4;

  private final ActorSystem system;
  private final int port;
  private final Path journalDir;
  private final AtomicBoolean loading = new AtomicBoolean(true);
  private final Thread load;
  private final List<ActorRef> workers = new ArrayList<>();
  private final List<ActorRef> qos = new ArrayList<>();
  private final ActorRef journaled;

  /** What the load sent, per mailbox id; what the actors processed, per mailbox id. */
  private final ConcurrentHashMap<String, AtomicLong> sent = new ConcurrentHashMap<>();

  private final ConcurrentHashMap<String, AtomicLong> processed = new ConcurrentHashMap<>();

  private KamonExample(int port, Path journalDir) {
    this.port = port;
    this.journalDir = journalDir;
    Config config = config(port, journalDir);
    Kamon.initWithoutAttaching(config); // no Kanela agent needed: ElasticQ polls its own counters
    this.system = ActorSystem.create(SYSTEM, config);
    for (int i = 0; i < WORKERS; i++) {
      workers.add(
          system.actorOf(
              Props.create(Worker.class, counter(processed, MAILBOX), 2_000L).withMailbox(MAILBOX),
              "worker-" + i));
    }
    for (int i = 0; i < 2; i++) {
      qos.add(
          system.actorOf(
              Props.create(Worker.class, counter(processed, QOS), 2_000L).withMailbox(QOS),
              "qos-" + i));
    }
    journaled = system.actorOf(Props.create(Journaled.class, "example-1"), "journaled");
    load = new Thread(this::loadLoop, "elasticq-example-load");
    load.setDaemon(true);
    load.start();
  }

  /**
   * Starts the example: Kamon with the Prometheus endpoint on 127.0.0.1:{@code port}, the actor
   * system, and the load.
   *
   * @param port the Prometheus endpoint's port; 0 picks a free one
   * @param journalDir directory of the journal's write-ahead log
   */
  public static KamonExample start(int port, Path journalDir) throws IOException {
    return new KamonExample(port == 0 ? freePort() : port, journalDir);
  }

  static Config config(int port, Path journalDir) {
    return ConfigFactory.parseString(
            "kamon.metric.tick-interval = 1s\n"
                + "kamon.prometheus.embedded-server { hostname = \"127.0.0.1\", port = "
                + port
                + " }\n"
                + "kamon.environment.service = elasticq-example\n"
                + "elasticq.kamon { enabled = on, poll-interval = 500ms,"
                + " per-actor.includes = [\"/user/worker-0\"], time-in-mailbox.sample-every = 16 }\n"
                + MAILBOX
                + " { mailbox-type = \"io.github.elasticq.mailbox.ElasticMailbox\","
                + " max-capacity = 1000 }\n"
                + QOS
                + " { mailbox-type = \"io.github.elasticq.mailbox.QosMailbox\","
                + " max-capacity = 200, fairness = weighted }\n"
                + "pekko.persistence.journal.plugin = \"elasticq.journal\"\n"
                + "pekko.persistence.snapshot-store.plugin = \"elasticq.snapshot-store\"\n"
                + "elasticq.journal.dir = \""
                + journalDir.resolve("journal").toString().replace("\\", "/")
                + "\"\n"
                + "elasticq.snapshot-store.dir = \""
                + journalDir.resolve("snapshots").toString().replace("\\", "/")
                + "\"\n"
                + "pekko.loglevel = WARNING\n"
                + "pekko.log-dead-letters = off\n")
        .withFallback(ConfigFactory.load());
  }

  static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }

  private static AtomicLong counter(ConcurrentHashMap<String, AtomicLong> map, String id) {
    return map.computeIfAbsent(id, k -> new AtomicLong());
  }

  /** The Prometheus endpoint's port. */
  public int port() {
    return port;
  }

  /** The endpoint URL. */
  public String metricsUrl() {
    return "http://127.0.0.1:" + port + "/metrics";
  }

  /** The actor system. */
  public ActorSystem system() {
    return system;
  }

  /** Messages the load sent to mailboxes of {@code id} (including overflowed and cleaned up). */
  public long sent(String id) {
    return counter(sent, id).get();
  }

  /** Messages actors on mailboxes of {@code id} processed. */
  public long processed(String id) {
    return counter(processed, id).get();
  }

  /**
   * Stops the load and waits until every ElasticQ mailbox is empty, then exports once more; after
   * it, the exported totals are final.
   */
  public void stopLoadAndDrain(Duration timeout) throws InterruptedException {
    loading.set(false);
    load.join(timeout.toMillis());
    long deadline = System.nanoTime() + timeout.toNanos();
    MailboxRegistry registry = MailboxRegistry.get(system);
    while (registry.mailboxes().stream().anyMatch(m -> m.stats().size() > 0)) {
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException("mailboxes did not drain: " + registry.mailboxes());
      }
      Thread.sleep(20);
    }
    ElasticqKamon.get(system).pollNow();
    JournalKamon.get(system).pollNow();
  }

  private void loadLoop() {
    long tick = 0;
    WriteAheadLog wal = null;
    while (loading.get()) {
      tick++;
      // Bursts: 4 workers x 1200 messages at once, half of the time: each burst overflows the
      // max-capacity of 1000 (dead letters, counted); then quiet ticks let the queues shrink.
      int burst = tick % 20 < 10 ? 1200 : 50;
      for (ActorRef w : workers) {
        for (int i = 0; i < burst; i++) {
          w.tell(i, ActorRef.noSender());
        }
        counter(sent, MAILBOX).addAndGet(burst);
      }
      for (ActorRef q : qos) {
        for (int level = 0; level < 3; level++) {
          for (int i = 0; i < 100 * (level + 1); i++) {
            q.tell(new Leveled(level), ActorRef.noSender());
          }
          counter(sent, QOS).addAndGet(100L * (level + 1));
        }
      }
      if (tick % 10 == 0) {
        // A short-lived worker stopped with messages queued: clean-up drops.
        ActorRef shortLived =
            system.actorOf(
                Props.create(Worker.class, counter(processed, MAILBOX), 50_000L)
                    .withMailbox(MAILBOX));
        for (int i = 0; i < 100; i++) {
          shortLived.tell(i, ActorRef.noSender());
        }
        counter(sent, MAILBOX).addAndGet(100);
        system.stop(shortLived);
      }
      for (int i = 0; i < 20; i++) {
        journaled.tell("event-" + tick + "-" + i, ActorRef.noSender());
      }
      if (tick % 20 == 0) {
        try {
          if (wal == null) {
            wal = WalRegistry.get(system).logFor("elasticq.journal");
          }
          wal.replay("example-1", 1, Long.MAX_VALUE, 500, e -> {}); // a reader catching up
        } catch (IOException | RuntimeException e) {
          System.err.println("replay failed: " + e);
        }
      }
      LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(100));
    }
  }

  /** A QoS message. */
  public record Leveled(int level) implements QosMessage {
    @Override
    public int qosLevel() {
      return level;
    }
  }

  /** Spends about {@code nanosPerMessage} on each message, and counts it. */
  static final class Worker extends AbstractActor {
    private final AtomicLong processed;
    private final long nanosPerMessage;

    Worker(AtomicLong processed, long nanosPerMessage) {
      this.processed = processed;
      this.nanosPerMessage = nanosPerMessage;
    }

    @Override
    public Receive createReceive() {
      return receiveBuilder()
          .matchAny(
              m -> {
                long end = System.nanoTime() + nanosPerMessage;
                while (System.nanoTime() < end) {
                  Thread.onSpinWait();
                }
                processed.incrementAndGet();
              })
          .build();
    }
  }

  /** Persists every string it receives. */
  static final class Journaled extends AbstractPersistentActor {
    private final String id;

    Journaled(String id) {
      this.id = id;
    }

    @Override
    public String persistenceId() {
      return id;
    }

    @Override
    public Receive createReceiveRecover() {
      return receiveBuilder().matchAny(e -> {}).build();
    }

    @Override
    public Receive createReceive() {
      return receiveBuilder().match(String.class, s -> persist(s, e -> {})).build();
    }
  }

  /** Stops the load, the actor system and Kamon. */
  @Override
  public void close() {
    loading.set(false);
    try {
      load.join(5_000);
      Await.result(system.terminate(), scala.concurrent.duration.Duration.create(30, "s"));
      Await.result(Kamon.stop(), scala.concurrent.duration.Duration.create(30, "s"));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (Exception e) {
      throw new IllegalStateException("example did not stop cleanly", e);
    }
  }

  /**
   * Runs until stopped (Ctrl-C). Port from {@code -Delasticq.example.port} or the first argument
   * (default 9095); journal in a temporary directory.
   */
  public static void main(String[] args) throws Exception {
    int port =
        Integer.parseInt(
            args.length > 0 ? args[0] : System.getProperty("elasticq.example.port", "9095"));
    Path dir = Files.createTempDirectory("elasticq-kamon-example");
    KamonExample example = start(port, dir);
    PrintStream out = System.out;
    out.println("ElasticQ Kamon example: Prometheus metrics at " + example.metricsUrl());
    out.println("Journal in " + dir + ". Import examples/dashboards/elasticq.json into Grafana.");
    out.println("Press Ctrl-C to stop.");
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  try {
                    example.close();
                  } catch (Exception e) {
                    e.printStackTrace();
                  }
                }));
    Thread.currentThread().join();
  }
}
