package io.github.elasticq.multijvm;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The cluster scenario of {@link ClusterShardingPostgresTest} on the default single-node path: one
 * node ({@code cluster-embedded.conf}, the embedded {@code elasticq.journal}, no database) hosts
 * the sharded entities and runs the client; it is SIGKILLed under load and started again on the
 * same directory, and every message stored before or after is processed, in order, nothing lost.
 */
class ClusterEmbeddedJournalTest {
  @TempDir Path dir;

  @Test
  void singleNodeKilled_everyStoredMessageIsProcessed() throws Exception {
    int port = ClusterHarness.freePorts(1).get(0);
    try (ClusterHarness cluster =
        new ClusterHarness(
            "cluster-embedded",
            List.of("journal=embedded", "dir=" + dir, "seeds=" + port, "port=" + port))) {
      String[] node = {"roles=devices,client", "entities=" + ClusterShardingPostgresTest.ENTITIES};
      ChildJvm first = cluster.start("n1", concat(node, "base=0"));
      cluster.awaitStored(first, 300, 2, TimeUnit.MINUTES);
      cluster.kill("n1");
      ChildJvm second = cluster.start("n1", concat(node, "base=1000000"));
      cluster.awaitStored(second, 300, 2, TimeUnit.MINUTES);
      second.writeLine("STOP");
      second.awaitLine("STOPPED", 1, TimeUnit.MINUTES);
      ClusterLedger ledger = cluster.awaitAllProcessed(2, TimeUnit.MINUTES);
      System.out.println("cluster, embedded journal, one node killed: " + ledger.summary());
      assertThat(ledger.violations).isEmpty();
      assertThat(ledger.stored).hasSize(ClusterShardingPostgresTest.ENTITIES);
    }
  }

  private static String[] concat(String[] a, String b) {
    String[] r = java.util.Arrays.copyOf(a, a.length + 1);
    r[a.length] = b;
    return r;
  }
}
