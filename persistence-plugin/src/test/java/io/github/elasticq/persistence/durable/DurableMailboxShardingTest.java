package io.github.elasticq.persistence.durable;

import static io.github.elasticq.persistence.durable.DurableTestSupport.TIMEOUT;
import static org.assertj.core.api.Assertions.assertThat;

import com.typesafe.config.ConfigFactory;
import io.github.elasticq.persistence.durable.DurableMailbox.Enqueue;
import io.github.elasticq.persistence.durable.DurableMailbox.Reply;
import io.github.elasticq.persistence.durable.DurableMailbox.Stored;
import io.github.elasticq.persistence.durable.DurableTestSupport.Seen;
import java.nio.file.Path;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding;
import org.apache.pekko.cluster.sharding.typed.javadsl.Entity;
import org.apache.pekko.cluster.sharding.typed.javadsl.EntityRef;
import org.apache.pekko.cluster.sharding.typed.javadsl.EntityTypeKey;
import org.apache.pekko.cluster.typed.Cluster;
import org.apache.pekko.cluster.typed.Join;
import org.apache.pekko.persistence.typed.PersistenceId;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link DurableMailbox} as a Cluster Sharding entity on a single-node cluster (Artery on
 * 127.0.0.1, port 0): the persistence id comes from the entity id, each entity numbers its own
 * messages, and a message holding an {@code ActorRef} (serialized by Jackson) is stored and
 * answered. {@code serialize-messages = on} sends every message, the local ones included, through
 * serialization, so {@code Enqueue} and its replies take the path they take between nodes.
 */
class DurableMailboxShardingTest {
  @TempDir Path dir;

  /** A message holding an ActorRef: the inner behavior answers on it. */
  public record Ping(int n, ActorRef<Seen> replyTo) implements JsonMessage {}

  static final EntityTypeKey<Object> KEY = EntityTypeKey.create(Object.class, "durable-inbox");

  @Test
  void sharding_singleNode_entitiesKeepTheirOwnSequences() {
    ActorTestKit kit =
        ActorTestKit.create(
            "sharding",
            ConfigFactory.parseString(
                    String.join(
                        "\n",
                        "pekko.actor.provider = cluster",
                        "pekko.remote.artery.transport = tcp",
                        "pekko.remote.artery.canonical.hostname = 127.0.0.1",
                        "pekko.remote.artery.canonical.port = 0",
                        "pekko.cluster.jmx.multi-mbeans-in-same-jvm = on",
                        "pekko.actor.serialize-messages = on",
                        "pekko.actor.no-serialization-verification-needed-class-prefix ="
                            + " [\"org.apache.pekko.\", \"io.github.elasticq.persistence.durable.DeliveryInterceptor\","
                            + " \"io.github.elasticq.persistence.durable.DurableMailboxBehavior\"]"))
                .withFallback(DurableTestSupport.config(dir, "every-write", "")));
    try {
      Cluster cluster = Cluster.get(kit.system());
      cluster.manager().tell(Join.create(cluster.selfMember().address()));
      TestProbe<Seen> seen = kit.createTestProbe();
      ClusterSharding sharding = ClusterSharding.get(kit.system());
      sharding.init(
          Entity.of(
              KEY,
              entity ->
                  DurableMailbox.create(
                      PersistenceId.of(KEY.name(), entity.getEntityId()),
                      Behaviors.receive(Object.class)
                          .onMessage(
                              Ping.class,
                              p -> {
                                p.replyTo().tell(new Seen(DurableMailbox.deliverySeqNr(), p.n()));
                                return Behaviors.same();
                              })
                          .build(),
                      DurableMailboxSettings.defaults())));
      EntityRef<Object> a = sharding.entityRefFor(KEY, "a");
      EntityRef<Object> b = sharding.entityRefFor(KEY, "b");
      TestProbe<Reply> replies = kit.createTestProbe();
      a.tell(new Enqueue<>(new Ping(1, seen.ref()), replies.ref()));
      assertThat(replies.receiveMessage(TIMEOUT)).isEqualTo(new Stored(1));
      assertThat(seen.receiveMessage(TIMEOUT)).isEqualTo(new Seen(1, 1));
      b.tell(new Ping(2, seen.ref()));
      assertThat(seen.receiveMessage(TIMEOUT)).isEqualTo(new Seen(1, 2));
      a.tell(new Ping(3, seen.ref()));
      assertThat(seen.receiveMessage(TIMEOUT)).isEqualTo(new Seen(2, 3));
      assertThat(DurableMailboxRegistry.get(kit.system()).stats("durable-inbox|a"))
          .hasValueSatisfying(s -> assertThat(s.stored()).isEqualTo(2));
      assertThat(DurableMailboxRegistry.get(kit.system()).stats("durable-inbox|b"))
          .hasValueSatisfying(s -> assertThat(s.stored()).isEqualTo(1));
    } finally {
      kit.shutdownTestKit();
    }
  }
}
