package io.github.elasticq.examples.cluster;

import com.typesafe.config.Config;
import io.github.elasticq.persistence.durable.DurableMailbox;
import io.github.elasticq.persistence.durable.DurableMailbox.Enqueue;
import io.github.elasticq.persistence.durable.DurableMailbox.Reply;
import io.github.elasticq.persistence.durable.DurableMailbox.Stored;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
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
 * (100 on the embedded journal, 0 on PostgreSQL), {@code --schema=name} (elasticq), {@code
 * --dir=path} (target/cluster-example). A main program.
 */
public final class ClusterDemo {
  private static final AtomicLong PROCESSED = new AtomicLong();

  /** The options of both journals; {@code schema} is postgres's, {@code dir} embedded's. */
  private static final Set<String> OPTIONS =
      Set.of("journal", "port", "seeds", "devices", "readings");

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
    int port = Integer.parseInt(o.getOrDefault("port", "2551"));
    List<Integer> seeds =
        Arrays.stream(o.getOrDefault("seeds", Integer.toString(port)).split(","))
            .map(Integer::parseInt)
            .toList();
    if (journal == ClusterProfile.Journal.EMBEDDED && seeds.size() > 1) {
      throw new IllegalArgumentException(
          "--journal=embedded runs on one node; use --journal=postgres for " + seeds.size());
    }
    int devices = Integer.parseInt(o.getOrDefault("devices", "10"));
    int readings =
        Integer.parseInt(
            o.getOrDefault("readings", journal == ClusterProfile.Journal.EMBEDDED ? "100" : "0"));
    Map<String, Object> overrides = new HashMap<>();
    if (journal == ClusterProfile.Journal.POSTGRES) {
      String schema = o.getOrDefault("schema", "elasticq");
      new PostgresSchema("jdbc:postgresql://127.0.0.1:5432/test", "postgres", schema).create();
      overrides.putAll(ClusterProfile.postgresSchema(schema));
    } else {
      overrides.putAll(
          ClusterProfile.embeddedDirectory(
              Path.of(o.getOrDefault("dir", "target/cluster-example"))));
    }
    Config config =
        ClusterProfile.config(journal, port, seeds, List.of(DeviceSharding.ROLE), overrides);
    ActorSystem<Void> system =
        ActorSystem.create(Behaviors.empty(), ClusterProfile.SYSTEM_NAME, config);
    DeviceSharding.init(system, ClusterDemo::device);
    awaitUp(system);
    System.out.printf("node 127.0.0.1:%d up (%s journal)%n", port, journalName);
    if (readings > 0) {
      long start = System.nanoTime();
      List<CompletableFuture<Long>> all = new ArrayList<>();
      for (int d = 0; d < devices; d++) {
        all.add(send(system, "device-" + d, 1, readings).toCompletableFuture());
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
    system.getWhenTerminated().toCompletableFuture().get();
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

  /** Sends readings {@code n..last} one after the other, each once it is stored. */
  private static CompletionStage<Long> send(
      ActorSystem<?> system, String deviceId, long n, long last) {
    if (n > last) {
      return CompletableFuture.completedFuture(0L);
    }
    int qos = n % 50 == 0 ? 2 : 0;
    CompletionStage<Reply> reply =
        DeviceSharding.device(system, deviceId)
            .ask(
                replyTo -> new Enqueue<>(new Reading(deviceId, n, qos), replyTo),
                Duration.ofSeconds(10));
    return reply.thenCompose(
        r ->
            r instanceof Stored
                ? send(system, deviceId, n + 1, last).thenApply(s -> s + 1)
                : send(system, deviceId, n, last));
  }

  private static void awaitUp(ActorSystem<?> system) throws InterruptedException {
    Cluster cluster = Cluster.get(system);
    while (cluster.selfMember().status() != org.apache.pekko.cluster.MemberStatus.up()) {
      Thread.sleep(100);
    }
  }
}
