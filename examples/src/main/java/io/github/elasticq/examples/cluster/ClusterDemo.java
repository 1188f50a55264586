package io.github.elasticq.examples.cluster;

import com.typesafe.config.Config;
import io.github.elasticq.persistence.durable.DurableMailbox;
import io.github.elasticq.persistence.durable.DurableMailbox.Enqueue;
import io.github.elasticq.persistence.durable.DurableMailbox.Rejected;
import io.github.elasticq.persistence.durable.DurableMailbox.Reply;
import io.github.elasticq.persistence.durable.DurableMailbox.Stored;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.cluster.typed.Cluster;

/**
 * The sharded cluster example: device entities, each a {@code DurableMailbox} on a {@code
 * QosMailbox}, on one node with the embedded journal or on N nodes sharing PostgreSQL.
 *
 * <p>One node, no database: {@code ./mvnw -q -pl examples -am verify -Pdemo -DskipTests
 * -Ddemo.mainClass=io.github.elasticq.examples.cluster.ClusterDemo}. Three nodes on PostgreSQL, one
 * terminal each ({@code --readings} on one of them sends the load): {@code java -cp <examples class
 * path> io.github.elasticq.examples.cluster.ClusterDemo --journal=postgres --port=2551
 * --seeds=2551,2552,2553 [--readings=100]}, then ports 2552 and 2553.
 *
 * <p>Options: {@code --journal=embedded|postgres} (embedded), {@code --port=N} (2551), {@code
 * --seeds=p1,p2,...} (this node's port), {@code --devices=N} (10), {@code --readings=N} per device
 * (100 on the embedded journal, at least 1 there; 0 on PostgreSQL), {@code --schema=name}
 * (elasticq), {@code --dir=path} (target/cluster-example). Settings given with {@code -D} (e.g.
 * {@code -Delasticq.cluster-example.postgres.url=...}, {@code
 * -Delasticq.cluster-example.ask-timeout=30s}) win over the profile and {@code application.conf};
 * the options above win over them. A main program; a send that fails ends the node (its actor
 * system terminated) with the reason.
 */
public final class ClusterDemo {
  private static final AtomicLong PROCESSED = new AtomicLong();

  /** The options of both journals; {@code schema} is postgres's, {@code dir} embedded's. */
  private static final Set<String> OPTIONS =
      Set.of("journal", "port", "seeds", "devices", "readings");

  /** The refusals that pass: the reading is sent again after {@link #RETRY_DELAY}. */
  private static final Set<String> PASSING =
      Set.of(Rejected.FULL, Rejected.STASH_FULL, Rejected.RESTARTING, Rejected.STOPPED);

  /**
   * Whether the reading is sent again after {@code r}: a full or restarting mailbox, or a write the
   * journal failed (a database blip: the recovery showed the reading is not stored); not a reading
   * the journal rejects or cannot serialize.
   */
  static boolean passes(Rejected r) {
    return PASSING.contains(r.reason()) || r.isWriteFailure();
  }

  private static final Duration RETRY_DELAY = Duration.ofMillis(100);

  private ClusterDemo() {}

  /** Runs a node; see the class comment for the options. */
  public static void main(String[] args) throws Exception {
    Map<String, String> o = new HashMap<>();
    for (String a : args) {
      String[] kv = a.replaceFirst("^--", "").split("=", 2);
      if (kv.length != 2) {
        throw new IllegalArgumentException("option '" + a + "' is not --name=value");
      }
      o.put(kv[0], kv[1]);
    }
    String journalName = o.getOrDefault("journal", "embedded");
    ClusterProfile.Journal journal =
        switch (journalName) {
          case "embedded" -> ClusterProfile.Journal.EMBEDDED;
          case "postgres" -> ClusterProfile.Journal.POSTGRES;
          default ->
              throw new IllegalArgumentException(
                  "--journal=" + journalName + ": expected embedded or postgres");
        };
    // a mistyped option, or one of the other journal, must not leave a default in place unnoticed
    Set<String> known = new TreeSet<>(OPTIONS);
    known.add(journal == ClusterProfile.Journal.POSTGRES ? "schema" : "dir");
    for (String name : o.keySet()) {
      if (!known.contains(name)) {
        throw new IllegalArgumentException(
            "option --"
                + name
                + " is unknown with --journal="
                + journalName
                + " (known: --"
                + String.join(", --", known)
                + ")");
      }
    }
    int port = intOption(o, "port", 2551, 1, 65535);
    List<Integer> seeds = new ArrayList<>();
    for (String seed : o.getOrDefault("seeds", Integer.toString(port)).split(",", -1)) {
      seeds.add(parseInt("seeds", seed.strip(), 1, 65535));
    }
    if (journal == ClusterProfile.Journal.EMBEDDED && seeds.size() > 1) {
      throw new IllegalArgumentException(
          "--journal=embedded runs on one node; use --journal=postgres for " + seeds.size());
    }
    int devices = intOption(o, "devices", 10, 1, 1_000_000);
    // on one node nobody else sends: a node without readings would wait for nothing
    int readings =
        journal == ClusterProfile.Journal.EMBEDDED
            ? intOption(o, "readings", 100, 1, Integer.MAX_VALUE)
            : intOption(o, "readings", 0, 0, Integer.MAX_VALUE);
    Map<String, Object> overrides = new HashMap<>();
    if (journal == ClusterProfile.Journal.POSTGRES) {
      // the profile's schema (elasticq) unless --schema or -D names another
      if (o.containsKey("schema")) {
        overrides.putAll(ClusterProfile.postgresSchema(o.get("schema")));
      }
    } else if (o.containsKey("dir")) {
      // the profile's directories (target/cluster-example) unless --dir or -D names others
      overrides.putAll(ClusterProfile.embeddedDirectory(Path.of(o.get("dir"))));
    }
    Config config =
        ClusterProfile.config(journal, port, seeds, List.of(DeviceSharding.ROLE), overrides);
    if (journal == ClusterProfile.Journal.POSTGRES) {
      // the database the journal uses (application.conf or -D may have moved it)
      Config pg = config.getConfig("elasticq.cluster-example.postgres");
      new PostgresSchema(
              pg.getString("url"),
              pg.getString("user"),
              pg.getString("password"),
              pg.getString("schema"))
          .create();
    }
    Duration askTimeout = config.getDuration("elasticq.cluster-example.ask-timeout");
    ActorSystem<Void> system =
        ActorSystem.create(Behaviors.empty(), ClusterProfile.SYSTEM_NAME, config);
    boolean done = false;
    try {
      DeviceSharding.init(system, ClusterDemo::device);
      awaitUp(system);
      System.out.printf("node 127.0.0.1:%d up (%s journal)%n", port, journalName);
      if (readings > 0) {
        long start = System.nanoTime();
        List<CompletableFuture<Long>> all = new ArrayList<>();
        for (int d = 0; d < devices; d++) {
          all.add(send(system, "device-" + d, 1, readings, askTimeout).toCompletableFuture());
        }
        long stored = 0;
        for (CompletableFuture<Long> f : all) {
          stored += f.get(5, TimeUnit.MINUTES);
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        System.out.printf(
            "%d readings stored on %d devices in %.1f s (%.0f/s); processed on this node: %d%n",
            stored, devices, seconds, stored / seconds, PROCESSED.get());
        if (journal == ClusterProfile.Journal.EMBEDDED) {
          system.terminate();
        }
      }
      done = true;
    } finally {
      // a failed send (no reply within ask-timeout, a reading refused for good) ends the node: its
      // actor system must not keep the JVM alive after main has thrown
      if (!done) {
        system.terminate();
        try {
          system.getWhenTerminated().toCompletableFuture().get(30, TimeUnit.SECONDS);
        } catch (TimeoutException | ExecutionException e) {
          // the send's failure is what main reports; a slow shutdown must not replace it
          System.err.println("the node's actor system did not terminate within 30 s: " + e);
        }
      }
    }
    system.getWhenTerminated().toCompletableFuture().get();
  }

  private static int intOption(Map<String, String> o, String name, int dflt, int min, int max) {
    String v = o.get(name);
    return v == null ? dflt : parseInt(name, v.strip(), min, max);
  }

  private static int parseInt(String name, String value, int min, int max) {
    int n;
    try {
      n = Integer.parseInt(value);
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(
          "--" + name + ": '" + value + "' is not a whole number", e);
    }
    if (n < min || n > max) {
      throw new IllegalArgumentException(
          "--" + name + " must be between " + min + " and " + max + ", was " + n);
    }
    return n;
  }

  /** The device's own behavior: counts readings; level-2 readings are alarms. */
  static Behavior<Reading> device(String deviceId) {
    return Behaviors.setup(
        ctx ->
            Behaviors.receive(Reading.class)
                .onAnyMessage(
                    r -> {
                      PROCESSED.incrementAndGet();
                      if (r.qos() == 2) {
                        ctx.getLog()
                            .warn(
                                "alarm from {} (delivery {})",
                                deviceId,
                                DurableMailbox.deliverySeqNr());
                      }
                      return Behaviors.same();
                    })
                .build());
  }

  /**
   * Sends readings {@code n..last} one after the other, each once it is stored. A reading refused
   * for a passing reason (the mailbox full, restarting or stopped, its stash full) is sent again
   * after {@link #RETRY_DELAY}; any other refusal (the journal rejected it, it cannot be
   * serialized) fails the send, naming the reason.
   */
  private static CompletionStage<Long> send(
      ActorSystem<?> system, String deviceId, long n, long last, Duration askTimeout) {
    if (n > last) {
      return CompletableFuture.completedFuture(0L);
    }
    int qos = n % 50 == 0 ? 2 : 0;
    CompletionStage<Reply> reply =
        DeviceSharding.device(system, deviceId)
            .ask(replyTo -> new Enqueue<>(new Reading(deviceId, n, qos), replyTo), askTimeout);
    return reply
        .exceptionally(
            e -> {
              throw new IllegalStateException(
                  "no reply from " + deviceId + " for reading " + n + " within " + askTimeout, e);
            })
        .thenCompose(
            r -> {
              if (r instanceof Stored) {
                return send(system, deviceId, n + 1, last, askTimeout).thenApply(s -> s + 1);
              }
              Rejected refused = (Rejected) r;
              if (!passes(refused)) {
                throw new IllegalStateException(
                    deviceId + " refused reading " + n + " for good: " + refused.reason());
              }
              Executor later =
                  CompletableFuture.delayedExecutor(RETRY_DELAY.toMillis(), TimeUnit.MILLISECONDS);
              return CompletableFuture.supplyAsync(() -> null, later)
                  .thenCompose(v -> send(system, deviceId, n, last, askTimeout));
            });
  }

  private static void awaitUp(ActorSystem<?> system) throws InterruptedException {
    Cluster cluster = Cluster.get(system);
    while (cluster.selfMember().status() != org.apache.pekko.cluster.MemberStatus.up()) {
      Thread.sleep(100);
    }
  }
}
