package io.github.elasticq.bench.persistence;

import io.github.elasticq.examples.cluster.ClusterProfile;
import io.github.elasticq.persistence.durable.DurableMailbox;
import io.github.elasticq.persistence.durable.DurableMailbox.Enqueue;
import io.github.elasticq.persistence.durable.DurableMailbox.Reply;
import io.github.elasticq.persistence.durable.DurableMailboxRegistry;
import io.github.elasticq.persistence.durable.DurableMailboxSettings;
import io.github.elasticq.persistence.durable.DurableMailboxStats;
import io.github.elasticq.persistence.journal.WalRegistry;
import io.github.elasticq.persistence.wal.WalStats;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.LongAdder;
import org.HdrHistogram.Histogram;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorRefResolver;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.SpawnProtocol;
import org.apache.pekko.actor.typed.delivery.ConsumerController;
import org.apache.pekko.actor.typed.javadsl.Adapter;
import org.apache.pekko.actor.typed.javadsl.AskPattern;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.cluster.MemberStatus;
import org.apache.pekko.cluster.sharding.typed.ShardingEnvelope;
import org.apache.pekko.cluster.sharding.typed.delivery.ShardingConsumerController;
import org.apache.pekko.cluster.sharding.typed.delivery.ShardingProducerController;
import org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding;
import org.apache.pekko.cluster.sharding.typed.javadsl.Entity;
import org.apache.pekko.cluster.sharding.typed.javadsl.EntityRef;
import org.apache.pekko.cluster.sharding.typed.javadsl.EntityTypeKey;
import org.apache.pekko.cluster.typed.Cluster;
import org.apache.pekko.persistence.typed.PersistenceId;
import org.apache.pekko.persistence.typed.delivery.EventSourcedProducerQueue;

/**
 * One node of {@link ClusterBenchmark}: a cluster member (the {@code cluster-postgres.conf} or
 * {@code cluster-embedded.conf} profile of the examples, Artery TCP on 127.0.0.1) hosting sharded
 * entities, and the load driver of the entities whose number {@code i} has {@code i % nodes ==
 * index}. Entities are placed by Cluster Sharding, so most of a node's load goes to the other
 * nodes.
 *
 * <p>{@code mode=dm}: entity {@code e<i>} is a {@code DurableMailbox} (persistence id {@code
 * dm|e<i>}) in front of a behavior that counts the message and tells the entity's producer, which
 * keeps {@code in-flight} messages sent and not yet processed ({@code Enqueue} with a {@code
 * Stored} reply, a new one per processed message, the same one again after a {@code Rejected}).
 * {@code mode=rd}: entity {@code e<i>} is a {@code ShardingConsumerController} whose consumer
 * counts and confirms each delivery; its producer is a {@code ShardingProducerController} with its
 * own {@code EventSourcedProducerQueue} (one per entity, as many persistent writers as on the other
 * side), sending one message per {@code RequestNext} while the entity has demand or nothing
 * buffered; the in-flight bound is the consumer's flow-control window ({@code
 * pekko.reliable-delivery.consumer-controller.flow-control-window}, set to {@code in-flight}).
 * Payload: 100 bytes.
 *
 * <p>Stdin lines: {@code START} starts the producers, {@code MARK} prints {@code MARK processed=<n>
 * ...} (the journal's counters on this node), {@code STOP} terminates. Stdout: {@code UP} once a
 * member, {@code STARTED}, {@code MARK ...}. Exits when stdin closes.
 */
public final class ClusterBenchNode {
  static final EntityTypeKey<Object> DM_KEY = EntityTypeKey.create(Object.class, "dm");
  static final EntityTypeKey<ConsumerController.SequencedMessage<byte[]>> RD_KEY =
      EntityTypeKey.create(ShardingConsumerController.entityTypeKeyClass(), "rd");

  private static final LongAdder PROCESSED = new LongAdder();
  private static final byte[] PAYLOAD = new byte[100];

  private ClusterBenchNode() {}

  /**
   * Runs the node until {@code STOP} or the end of stdin.
   *
   * @param args {@code key=value}: {@code mode} (dm|rd), {@code journal} (postgres|embedded),
   *     {@code ports} (all nodes' Artery ports, this node's at {@code index}), {@code index},
   *     {@code entities}, {@code in-flight}, {@code schema} or {@code dir}; {@code pekko.*} and
   *     {@code elasticq.*} keys are settings
   */
  public static void main(String[] args) {
    try {
      run(args);
      Runtime.getRuntime().halt(0);
    } catch (Throwable t) {
      t.printStackTrace();
      reply("X " + t);
      Runtime.getRuntime().halt(1);
    }
  }

  private static void run(String[] args) throws Exception {
    Map<String, String> a = new HashMap<>();
    Map<String, Object> overrides = new HashMap<>();
    for (String arg : args) {
      String[] kv = arg.split("=", 2);
      if (kv[0].startsWith("pekko.") || kv[0].startsWith("elasticq.") || kv[0].startsWith("jdbc")) {
        overrides.put(kv[0], kv[1]);
      } else {
        a.put(kv[0], kv[1]);
      }
    }
    boolean durableMailbox = a.get("mode").equals("dm");
    ClusterProfile.Journal journal = ClusterProfile.Journal.valueOf(a.get("journal").toUpperCase());
    List<Integer> ports = Arrays.stream(a.get("ports").split(",")).map(Integer::valueOf).toList();
    int index = Integer.parseInt(a.get("index"));
    int entities = Integer.parseInt(a.get("entities"));
    int inFlight = Integer.parseInt(a.get("in-flight"));
    if (journal == ClusterProfile.Journal.POSTGRES) {
      overrides.putAll(ClusterProfile.postgresSchema(a.get("schema")));
      overrides.put("jdbc-journal.class", CountingJdbcJournal.class.getName());
    } else {
      overrides.putAll(ClusterProfile.embeddedDirectory(Path.of(a.get("dir"))));
    }
    overrides.put("pekko.cluster.min-nr-of-members", ports.size());
    overrides.put("pekko.reliable-delivery.consumer-controller.flow-control-window", inFlight);
    ActorSystem<SpawnProtocol.Command> system =
        ActorSystem.create(
            SpawnProtocol.create(),
            ClusterProfile.SYSTEM_NAME,
            ClusterProfile.config(journal, ports.get(index), ports, List.of("devices"), overrides));
    ClusterSharding sharding = ClusterSharding.get(system);
    ActorRef<ShardingEnvelope<ConsumerController.SequencedMessage<byte[]>>> rdRegion = null;
    if (durableMailbox) {
      DurableMailboxSettings settings = DurableMailboxSettings.create(system);
      ActorRefResolver resolver = ActorRefResolver.get(system);
      sharding.init(
          Entity.of(
              DM_KEY,
              ctx ->
                  DurableMailbox.create(
                      PersistenceId.of(DM_KEY.name(), ctx.getEntityId()),
                      counting(
                          resolver.resolveActorRef(
                              producerPath(ports, entities, ctx.getEntityId()))),
                      settings)));
    } else {
      rdRegion =
          sharding.init(
              Entity.of(
                  RD_KEY,
                  ctx ->
                      ShardingConsumerController.create(
                          (ActorRef<ConsumerController.Start<byte[]>> start) ->
                              DurableMailboxBenchmark.consumer(start, PROCESSED))));
    }
    Cluster cluster = Cluster.get(system);
    while (cluster.selfMember().status() != MemberStatus.up()) {
      Thread.sleep(50);
    }
    System.out.println("UP " + ports.get(index));
    System.out.flush();

    BufferedReader in =
        new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
    String line;
    while ((line = in.readLine()) != null) {
      switch (line) {
        case "START" -> {
          for (int i = index; i < entities; i += ports.size()) {
            String entityId = "e" + i;
            Behavior<?> producer =
                durableMailbox
                    ? enqueuer(sharding.entityRefFor(DM_KEY, entityId), inFlight)
                    : rdProducer(entityId, rdRegion);
            spawn(system, producer, "producer-" + entityId);
          }
          reply("STARTED");
        }
        case "MARK" -> reply("MARK " + mark(system, journal));
        case "STOP" -> {
          system.terminate();
          system.getWhenTerminated().toCompletableFuture().get();
          reply("STOPPED");
          return;
        }
        default -> reply("X unknown command " + line);
      }
    }
    Runtime.getRuntime().halt(2);
  }

  private static void reply(String text) {
    synchronized (System.out) {
      System.out.print(text + "\n");
      System.out.flush();
    }
  }

  /** The path of the producer of {@code entityId}: on node {@code i % nodes}, under /user. */
  private static String producerPath(List<Integer> ports, int entities, String entityId) {
    int i = Integer.parseInt(entityId.substring(1));
    return "pekko://"
        + ClusterProfile.SYSTEM_NAME
        + "@127.0.0.1:"
        + ports.get(i % ports.size())
        + "/user/producer-"
        + entityId;
  }

  private static void spawn(
      ActorSystem<SpawnProtocol.Command> system, Behavior<?> behavior, String name)
      throws Exception {
    @SuppressWarnings("unchecked")
    Behavior<Object> b = (Behavior<Object>) behavior;
    AskPattern.<SpawnProtocol.Command, ActorRef<Object>>ask(
            system,
            replyTo ->
                new SpawnProtocol.Spawn<>(
                    b, name, org.apache.pekko.actor.typed.Props.empty(), replyTo),
            java.time.Duration.ofSeconds(10),
            system.scheduler())
        .toCompletableFuture()
        .get();
  }

  /** The DurableMailbox's inner behavior: counts, and tells the producer ({@code Long} 1). */
  private static Behavior<byte[]> counting(ActorRef<Long> producer) {
    return Behaviors.receive(byte[].class)
        .onAnyMessage(
            m -> {
              PROCESSED.increment();
              producer.tell(1L);
              return Behaviors.same();
            })
        .build();
  }

  /** Keeps {@code inFlight} messages sent to {@code entity} and not yet processed. */
  private static Behavior<Object> enqueuer(EntityRef<Object> entity, int inFlight) {
    return Behaviors.setup(
        ctx -> {
          ActorRef<Reply> replies = ctx.getSelf().narrow();
          for (int i = 0; i < inFlight; i++) {
            entity.tell(new Enqueue<>(PAYLOAD, replies));
          }
          return Behaviors.receive(Object.class)
              .onMessage(
                  Long.class,
                  done -> {
                    entity.tell(new Enqueue<>(PAYLOAD, replies));
                    return Behaviors.same();
                  })
              .onMessage(
                  DurableMailbox.Rejected.class,
                  rejected -> {
                    entity.tell(new Enqueue<>(PAYLOAD, replies));
                    return Behaviors.same();
                  })
              .onMessage(DurableMailbox.Stored.class, stored -> Behaviors.same())
              .build();
        });
  }

  /**
   * A {@code ShardingProducerController} with an {@code EventSourcedProducerQueue} and the producer
   * that feeds it one message per {@code RequestNext} for {@code entityId}.
   */
  @SuppressWarnings("unchecked")
  private static Behavior<Object> rdProducer(
      String entityId,
      ActorRef<ShardingEnvelope<ConsumerController.SequencedMessage<byte[]>>> region) {
    return Behaviors.<Object>setup(
        ctx -> {
          ActorRef<ShardingProducerController.Command<byte[]>> controller =
              ctx.spawn(
                  ShardingProducerController.create(
                      byte[].class,
                      "rd-" + entityId,
                      region,
                      Optional.of(
                          EventSourcedProducerQueue.<byte[]>create(
                              PersistenceId.ofUniqueId("rdq-" + entityId)))),
                  "controller");
          controller.tell(new ShardingProducerController.Start<>(ctx.getSelf().narrow()));
          return Behaviors.receive(Object.class)
              .onMessage(
                  ShardingProducerController.RequestNext.class,
                  next -> {
                    ShardingProducerController.RequestNext<byte[]> n =
                        (ShardingProducerController.RequestNext<byte[]>) next;
                    if (n.getEntitiesWithDemand().contains(entityId)
                        || n.getBufferedForEntitiesWithoutDemand().getOrDefault(entityId, 0) == 0) {
                      n.sendNextTo().tell(new ShardingEnvelope<>(entityId, PAYLOAD));
                    }
                    return Behaviors.same();
                  })
              .build();
        });
  }

  /** This node's counters as {@code key=value} words. */
  private static String mark(ActorSystem<?> system, ClusterProfile.Journal journal) {
    List<String> words = new ArrayList<>();
    words.add("processed=" + PROCESSED.sum());
    long stored = 0;
    long unconfirmed = 0;
    long rejected = 0;
    for (DurableMailboxStats s : DurableMailboxRegistry.get(system).all()) {
      stored += s.stored();
      unconfirmed += s.unconfirmed();
      rejected += s.rejected();
    }
    words.add("dmStored=" + stored);
    words.add("dmUnconfirmed=" + unconfirmed);
    words.add("dmRejected=" + rejected);
    if (journal == ClusterProfile.Journal.POSTGRES) {
      CountingJdbcJournal.counters().forEach((k, v) -> words.add(k + "=" + v));
      Histogram h = CountingJdbcJournal.latencySinceLastCall();
      words.add("writeCount=" + h.getTotalCount());
      words.add("writeP50us=" + h.getValueAtPercentile(50));
      words.add("writeP99us=" + h.getValueAtPercentile(99));
      words.add("writeMeanUs=" + Math.round(h.getMean()));
    } else {
      WalStats w = WalRegistry.get(Adapter.toClassic(system)).logFor("elasticq.journal").stats();
      words.add("walRecords=" + w.recordsWritten());
      words.add("walWrites=" + w.writes());
      words.add("walFsyncs=" + w.fsyncs());
    }
    return String.join(" ", words);
  }
}
