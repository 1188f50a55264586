package io.github.elasticq.multijvm;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.elasticq.examples.cluster.PostgresSchema;
import io.github.elasticq.testkit.TcpProxy;
import java.nio.file.Files;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * PostgreSQL unreachable mid-run: a node (sharded entities and the client, {@link
 * ClusterNodeChild}) reaches the database through a {@link TcpProxy} in this JVM, which is
 * partitioned under load (every connection reset, new ones refused) and restored. While it is cut,
 * writes fail with the journal's error and requests get no {@code Stored}; afterwards the node
 * stores again. No false acknowledgement: after a SIGKILL and a restart, which recovers from the
 * database alone, every sequence number acknowledged before keeps its reading and is processed
 * ({@link ClusterLedger}), and new readings get numbers after it.
 */
class ClusterPostgresOutageTest {
  private PostgresSchema schema;

  @BeforeEach
  void createSchema() {
    schema = ClusterHarness.freshSchema("elasticq_outage");
  }

  @AfterEach
  void dropSchema() {
    schema.drop();
  }

  @Test
  void databaseCutAndRestored_noFalseAcknowledgementAndRecovery() throws Exception {
    int port = ClusterHarness.freePorts(1).get(0);
    try (TcpProxy proxy = TcpProxy.to(5432);
        ClusterHarness cluster =
            new ClusterHarness(
                "cluster-postgres-outage",
                List.of(
                    "journal=postgres",
                    "schema=" + schema.name(),
                    "url=jdbc:postgresql://127.0.0.1:" + proxy.port() + "/test",
                    "seeds=" + port,
                    "port=" + port,
                    "roles=devices,client",
                    "entities=" + ClusterShardingPostgresTest.ENTITIES))) {
      ChildJvm first = cluster.start("n1", "base=0");
      cluster.awaitStored(first, 300, 2, TimeUnit.MINUTES);

      proxy.partition();
      int failedAtCut = first.count("F ");
      Awaitility.await()
          .atMost(1, TimeUnit.MINUTES)
          .until(() -> first.count("F ") >= failedAtCut + ClusterShardingPostgresTest.ENTITIES);
      // nothing is stored while the database is away: after the in-flight writes, no new Stored
      Thread.sleep(1000);
      int storedDuringCut = first.count("S ");
      Thread.sleep(3000);
      assertThat(first.count("S "))
          .as("Stored replies while the database is cut")
          .isEqualTo(storedDuringCut);
      assertThat(Files.readString(cluster.stderr()))
          .as("the journal's write error is logged")
          .containsAnyOf("Failed to persist", "PSQLException", "SQLTransientConnectionException");

      proxy.restore();
      cluster.awaitStored(first, storedDuringCut + 100, 2, TimeUnit.MINUTES);
      cluster.kill("n1");

      ChildJvm second = cluster.start("n1", "base=1000000");
      cluster.awaitStored(second, 100, 2, TimeUnit.MINUTES);
      second.writeLine("STOP");
      second.awaitLine("STOPPED", 1, TimeUnit.MINUTES);
      ClusterLedger ledger = cluster.awaitAllProcessed(2, TimeUnit.MINUTES);
      System.out.println("cluster, PostgreSQL cut and restored: " + ledger.summary());
      assertThat(ledger.violations).isEmpty();
      assertThat(ledger.failures).isPositive();
    }
  }
}
