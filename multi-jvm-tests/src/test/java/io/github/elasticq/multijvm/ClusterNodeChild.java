package io.github.elasticq.multijvm;

import io.github.elasticq.examples.cluster.ClusterProfile;
import io.github.elasticq.examples.cluster.DeviceSharding;
import io.github.elasticq.examples.cluster.Reading;
import io.github.elasticq.persistence.durable.DurableMailbox;
import io.github.elasticq.persistence.durable.DurableMailbox.Enqueue;
import io.github.elasticq.persistence.durable.DurableMailbox.Rejected;
import io.github.elasticq.persistence.durable.DurableMailbox.Reply;
import io.github.elasticq.persistence.durable.DurableMailbox.Stored;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.cluster.MemberStatus;
import org.apache.pekko.cluster.typed.Cluster;

/**
 * Child-process main of the cluster tests: one node of the sharded device example ({@link
 * DeviceSharding}: a {@code DurableMailbox} per entity on a {@code QosMailbox}), on the embedded
 * journal or on PostgreSQL.
 *
 * <p>Arguments, {@code key=value}: {@code journal} (embedded|postgres), {@code port}, {@code seeds}
 * (ports), {@code roles} ({@code devices} hosts entities, {@code client} runs the load), {@code
 * schema} and {@code url} (PostgreSQL), {@code dir} (embedded journal), {@code entities}, {@code
 * base} (the client's first reading number per entity, so readings of later incarnations are
 * larger), {@code process-millis} (a device's time per reading, default 0), plus any {@code
 * pekko.*} or {@code elasticq.*} setting.
 *
 * <p>Lines: {@code UP <port>} once this node is a member; {@code P <entity> <seqNr> <n>} from a
 * device when it processes a reading; the client's {@code S <entity> <seqNr> <n>} when an {@code
 * Enqueue} got {@code Stored}, {@code F <entity> <n> <reason>} when it got {@code Rejected} or no
 * answer in time (it sends the same reading again), and {@code STOPPED} after the line {@code STOP}
 * on stdin, once no request is in flight. One reading per entity is in flight, so a reading is sent
 * only after the previous one was stored.
 */
public final class ClusterNodeChild {
  private static volatile boolean stopping;
  private static volatile long processMillis;

  private ClusterNodeChild() {}

  /** Starts the node; returns when the actor system terminates. */
  public static void main(String[] args) throws Exception {
    Map<String, String> a = new HashMap<>();
    Map<String, Object> overrides = new HashMap<>();
    for (String arg : args) {
      String[] kv = arg.split("=", 2);
      if (kv[0].startsWith("pekko.") || kv[0].startsWith("elasticq.")) {
        overrides.put(kv[0], kv[1]);
      } else {
        a.put(kv[0], kv[1]);
      }
    }
    List<String> roles = Arrays.asList(a.get("roles").split(","));
    processMillis = Long.parseLong(a.getOrDefault("process-millis", "0"));
    boolean client = roles.contains("client");
    if (!client) {
      ChildOutput.exitWhenParentGoes();
    }
    ClusterProfile.Journal journal = ClusterProfile.Journal.valueOf(a.get("journal").toUpperCase());
    if (journal == ClusterProfile.Journal.POSTGRES) {
      overrides.putAll(ClusterProfile.postgresSchema(a.get("schema")));
      overrides.put("elasticq.cluster-example.postgres.url", a.get("url"));
    } else {
      overrides.putAll(ClusterProfile.embeddedDirectory(Path.of(a.get("dir"))));
    }
    int port = Integer.parseInt(a.get("port"));
    List<Integer> seeds = Arrays.stream(a.get("seeds").split(",")).map(Integer::parseInt).toList();
    ActorSystem<Void> system =
        ActorSystem.create(
            Behaviors.empty(),
            ClusterProfile.SYSTEM_NAME,
            ClusterProfile.config(journal, port, seeds, roles, overrides));
    DeviceSharding.init(system, ClusterNodeChild::device);
    Cluster cluster = Cluster.get(system);
    while (cluster.selfMember().status() != MemberStatus.up()) {
      Thread.sleep(50);
    }
    ChildOutput.line("UP " + port);
    if (client) {
      runClient(system, Integer.parseInt(a.get("entities")), Long.parseLong(a.get("base")));
    }
    system.getWhenTerminated().toCompletableFuture().get();
  }

  private static Behavior<Reading> device(String entityId) {
    return Behaviors.receive(Reading.class)
        .onAnyMessage(
            r -> {
              if (processMillis > 0) {
                Thread.sleep(processMillis);
              }
              ChildOutput.line(
                  "P " + entityId + " " + DurableMailbox.deliverySeqNr() + " " + r.n());
              return Behaviors.same();
            })
        .build();
  }

  private static void runClient(ActorSystem<?> system, int entities, long base)
      throws InterruptedException {
    CountDownLatch stopped = new CountDownLatch(entities);
    for (int e = 0; e < entities; e++) {
      send(system, "e" + e, base + 1, stopped);
    }
    Thread stdin =
        new Thread(
            () -> {
              try (BufferedReader in =
                  new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8))) {
                String line;
                while ((line = in.readLine()) != null) {
                  if (line.equals("STOP")) {
                    stopping = true;
                  }
                }
              } catch (java.io.IOException ex) {
                // treat like EOF
              }
              Runtime.getRuntime().halt(2);
            },
            "parent-watch");
    stdin.setDaemon(true);
    stdin.start();
    stopped.await();
    ChildOutput.line("STOPPED");
  }

  /** Sends reading {@code n} to {@code entity}; once stored, the next one. */
  private static void send(ActorSystem<?> system, String entity, long n, CountDownLatch stopped) {
    if (stopping) {
      stopped.countDown();
      return;
    }
    DeviceSharding.device(system, entity)
        .<Reply>ask(
            replyTo -> new Enqueue<>(new Reading(entity, n, (int) (n % 3)), replyTo),
            Duration.ofSeconds(3))
        .whenComplete(
            (reply, failure) -> {
              if (reply instanceof Stored s) {
                ChildOutput.line("S " + entity + " " + s.seqNr() + " " + n);
                send(system, entity, n + 1, stopped);
              } else {
                String reason =
                    reply instanceof Rejected r
                        ? "rejected:" + r.reason()
                        : "no-answer:" + failure.getClass().getSimpleName();
                ChildOutput.line("F " + entity + " " + n + " " + reason);
                CompletableFuture.delayedExecutor(200, TimeUnit.MILLISECONDS)
                    .execute(() -> send(system, entity, n, stopped));
              }
            });
  }
}
