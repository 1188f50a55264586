package io.github.elasticq.multijvm;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.elasticq.examples.cluster.PostgresSchema;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Three device nodes and a client node ({@link ClusterNodeChild} JVMs, Artery TCP on 127.0.0.1)
 * share pekko-persistence-jdbc on the machine's PostgreSQL, in a schema of their own created from
 * the plugin's DDL and dropped afterwards. {@value #ENTITIES} sharded entities, each a {@code
 * DurableMailbox} on a {@code QosMailbox}; the client sends numbered readings with {@code Enqueue}
 * (one in flight per entity) and prints every {@code Stored}. Checked by {@link ClusterLedger}:
 * every stored message processed at least once, no stored message lost or renumbered, storage and
 * processing in order per entity; duplicates are counted and printed.
 *
 * <p>Needs PostgreSQL on 127.0.0.1:5432 ({@code .ci/run} starts it); without it the tests fail at
 * once with the start command. Run: {@code ./mvnw -pl multi-jvm-tests -am verify
 * -Dtest='Cluster*Test' -Dsurefire.failIfNoSpecifiedTests=false}.
 */
class ClusterShardingPostgresTest {
  static final int ENTITIES = 30;

  private PostgresSchema schema;

  @BeforeEach
  void createSchema() {
    schema = ClusterHarness.freshSchema("elasticq_cluster");
  }

  @AfterEach
  void dropSchema() {
    schema.drop();
  }

  private ClusterHarness harness(String test, List<Integer> ports) {
    return new ClusterHarness(
        test,
        List.of(
            "journal=postgres",
            "schema=" + schema.name(),
            "url=" + ClusterHarness.POSTGRES_URL,
            "seeds=" + ports.get(0) + "," + ports.get(1) + "," + ports.get(2)));
  }

  @Test
  void nodeKilled_entitiesMoveAndEveryStoredMessageIsProcessed() throws Exception {
    List<Integer> ports = ClusterHarness.freePorts(4);
    try (ClusterHarness cluster = harness("cluster-node-killed", ports)) {
      for (int i = 0; i < 3; i++) {
        cluster.start("n" + (i + 1), "port=" + ports.get(i), "roles=devices");
      }
      ChildJvm client =
          cluster.start(
              "client", "port=" + ports.get(3), "roles=client", "entities=" + ENTITIES, "base=0");
      cluster.awaitStored(client, 300, 2, TimeUnit.MINUTES);
      // The kill comes on a cluster where every entity has answered once: a node's first minutes
      // may pass without its entities' answers reaching the client (its region registered late,
      // its associations not up yet), and the ledger's check that every entity stored a reading
      // is about the kill, not about that.
      Awaitility.await()
          .alias("every entity's first reading stored")
          .atMost(2, TimeUnit.MINUTES)
          .until(() -> cluster.ledger().stored.size() == ENTITIES);
      Set<String> onKilled = awaitEntitiesOn(cluster, "n3");
      cluster.kill("n3");
      int storedAtKill = client.count("S ");
      cluster.awaitStored(client, storedAtKill + 300, 2, TimeUnit.MINUTES);
      // the killed node's entities are processed on n1 or n2 once the node is downed
      Awaitility.await()
          .atMost(2, TimeUnit.MINUTES)
          .until(
              () -> {
                Set<String> moved = entitiesProcessedBy(cluster.node("n1").lines());
                moved.addAll(entitiesProcessedBy(cluster.node("n2").lines()));
                moved.retainAll(onKilled);
                return moved.size() == onKilled.size();
              });
      client.writeLine("STOP");
      client.awaitLine("STOPPED", 1, TimeUnit.MINUTES);
      ClusterLedger ledger = cluster.awaitAllProcessed(2, TimeUnit.MINUTES);
      System.out.println(
          "cluster, node killed: " + ledger.summary() + "; entities moved " + onKilled.size());
      assertThat(ledger.violations).isEmpty();
      assertThat(ledger.stored).hasSize(ENTITIES);
    }
  }

  /** In the long run only ({@code -Plong}): the default run's time budget; see README. */
  @Test
  @Tag("long")
  void rollingRestart_nothingStoredIsLost() throws Exception {
    List<Integer> ports = ClusterHarness.freePorts(4);
    try (ClusterHarness cluster = harness("cluster-rolling-restart", ports)) {
      for (int i = 0; i < 3; i++) {
        cluster.start("n" + (i + 1), "port=" + ports.get(i), "roles=devices");
      }
      ChildJvm client =
          cluster.start(
              "client", "port=" + ports.get(3), "roles=client", "entities=" + ENTITIES, "base=0");
      cluster.awaitStored(client, 200, 2, TimeUnit.MINUTES);
      for (int i = 0; i < 3; i++) {
        String node = "n" + (i + 1);
        cluster.stopGracefully(node);
        cluster.start(node, "port=" + ports.get(i), "roles=devices");
        cluster.awaitStored(client, client.count("S ") + 100, 2, TimeUnit.MINUTES);
      }
      client.writeLine("STOP");
      client.awaitLine("STOPPED", 1, TimeUnit.MINUTES);
      ClusterLedger ledger = cluster.awaitAllProcessed(2, TimeUnit.MINUTES);
      System.out.println("cluster, rolling restart: " + ledger.summary());
      assertThat(ledger.violations).isEmpty();
      assertThat(ledger.stored).hasSize(ENTITIES);
    }
  }

  /**
   * A producer that is done does not send again: the stored readings waiting in the entities of a
   * killed node must still be processed (README: every accepted message is delivered at least
   * once). Without remembered entities sharding started an entity again only on its next message,
   * so they waited for ever.
   */
  @Test
  void nodeKilledAfterTheLastReading_itsEntitiesProcessTheirBacklogElsewhere() throws Exception {
    List<Integer> ports = ClusterHarness.freePorts(4);
    try (ClusterHarness cluster = harness("cluster-node-killed-backlog", ports)) {
      for (int i = 0; i < 3; i++) {
        // slow devices: the stored readings run ahead of the processed ones
        cluster.start("n" + (i + 1), "port=" + ports.get(i), "roles=devices", "process-millis=200");
      }
      ChildJvm client =
          cluster.start("client", "port=" + ports.get(3), "roles=client", "entities=9", "base=0");
      cluster.awaitStored(client, 600, 2, TimeUnit.MINUTES);
      awaitEntitiesOn(cluster, "n3");
      client.writeLine("STOP");
      client.awaitLine("STOPPED", 1, TimeUnit.MINUTES);
      Set<String> onKilled = entitiesProcessedBy(cluster.node("n3").lines());
      cluster.kill("n3");
      List<String> waiting =
          cluster.ledger().unprocessed().stream()
              .filter(m -> onKilled.contains(m.substring(0, m.indexOf(':'))))
              .toList();
      assertThat(waiting).as("stored readings of n3's entities not yet processed").isNotEmpty();
      ClusterLedger ledger = cluster.awaitAllProcessed(2, TimeUnit.MINUTES);
      System.out.println(
          "cluster, node killed after the last reading: "
              + ledger.summary()
              + "; waiting on the killed node "
              + waiting.size());
      assertThat(ledger.violations).isEmpty();
    }
  }

  /**
   * The entities {@code node} has processed, once there is one: a node's shard region may register
   * with the coordinator after the first shards went to the others (its UP line only says it is a
   * member), and then gets shards from the next rebalance.
   */
  private static Set<String> awaitEntitiesOn(ClusterHarness cluster, String node) {
    Awaitility.await()
        .alias("an entity processed on " + node)
        .atMost(2, TimeUnit.MINUTES)
        .until(() -> !entitiesProcessedBy(cluster.node(node).lines()).isEmpty());
    return entitiesProcessedBy(cluster.node(node).lines());
  }

  static Set<String> entitiesProcessedBy(List<String> lines) {
    Set<String> entities = new HashSet<>();
    for (String line : lines) {
      if (line.startsWith("P ")) {
        entities.add(line.split(" ")[1]);
      }
    }
    return entities;
  }
}
