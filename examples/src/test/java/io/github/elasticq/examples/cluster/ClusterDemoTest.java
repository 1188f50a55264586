package io.github.elasticq.examples.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

import com.typesafe.config.ConfigFactory;
import io.github.elasticq.persistence.durable.DurableMailbox.Rejected;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@link ClusterDemo}'s command line: a mistyped, misplaced or out-of-range option is refused, not
 * ignored; a failed send ends the node.
 */
class ClusterDemoTest {
  @TempDir Path dir;

  private static int freePort() throws Exception {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }

  /**
   * An embedded-journal node's arguments (free port, one device, one reading) and {@code extra}.
   */
  private String[] embeddedNodeArgs(String extra) throws Exception {
    // extra last: it wins over a default given here
    return new String[] {
      "--port=" + freePort(), "--devices=1", "--readings=1", "--dir=" + dir.resolve("node"), extra
    };
  }

  /** {@code --jornal=postgres} used to run a node on the embedded journal without a word. */
  /**
   * A write the journal failed (a database blip; the recovery showed the reading is not stored)
   * passes: the reading is sent again. The demo ended its node on it, as on a reading the journal
   * rejects or cannot serialize, which still end it.
   */
  @Test
  void aWriteTheJournalFailed_isSentAgain_aRejectedOneIsNot() {
    assertThat(ClusterDemo.passes(new Rejected(Rejected.WRITE_FAILED + ": connection refused")))
        .isTrue();
    assertThat(ClusterDemo.passes(new Rejected(Rejected.RESTARTING))).isTrue();
    assertThat(ClusterDemo.passes(new Rejected("the journal rejected it: too large"))).isFalse();
    assertThat(ClusterDemo.passes(new Rejected("not serializable: Reading"))).isFalse();
  }

  @Test
  void main_withAnUnknownOption_failsNamingIt() throws Exception {
    assertThatIllegalArgumentException()
        .isThrownBy(() -> ClusterDemo.main(embeddedNodeArgs("--jornal=postgres")))
        .withMessageContaining("--jornal");
  }

  /** {@code --schema} belongs to {@code --journal=postgres}; the embedded node ignored it. */
  @Test
  void main_withAnOptionOfTheOtherJournal_failsNamingIt() throws Exception {
    assertThatIllegalArgumentException()
        .isThrownBy(() -> ClusterDemo.main(embeddedNodeArgs("--schema=mine")))
        .withMessageContaining("--schema");
  }

  /** A node without readings on one node waited for nothing for ever. */
  @Test
  void main_embeddedWithoutReadings_isRefused() throws Exception {
    assertThatIllegalArgumentException()
        .isThrownBy(
            () ->
                ClusterDemo.main(
                    new String[] {
                      "--port=" + freePort(), "--readings=0", "--dir=" + dir.resolve("node")
                    }))
        .withMessageContaining("--readings must be between 1 and");
  }

  @ParameterizedTest
  @ValueSource(strings = {"--devices=0", "--port=70000", "--readings=-1", "--devices=ten"})
  void main_withANumberOutOfRange_failsNamingTheOption(String option) throws Exception {
    String name = option.substring(0, option.indexOf('='));
    assertThatIllegalArgumentException()
        .isThrownBy(() -> ClusterDemo.main(embeddedNodeArgs(option)))
        .withMessageStartingWith(name);
  }

  /**
   * A reading not answered within the ask timeout ended main with an exception while the node's
   * actor system kept running (and the JVM with it). The timeout comes from a {@code -D} setting,
   * which the profile used to ignore.
   */
  @Test
  void main_whenASendFails_terminatesTheActorSystem() throws Exception {
    System.setProperty("elasticq.cluster-example.ask-timeout", "1ms");
    ConfigFactory.invalidateCaches();
    try {
      assertThatExceptionOfType(ExecutionException.class)
          .isThrownBy(() -> ClusterDemo.main(embeddedNodeArgs("--readings=3")))
          .withMessageContaining("no reply from device-0 for reading 1 within PT0.001S");
    } finally {
      System.clearProperty("elasticq.cluster-example.ask-timeout");
      ConfigFactory.invalidateCaches();
    }
    // the dispatchers' threads end shortly after the termination
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
    List<String> alive = systemThreads();
    while (!alive.isEmpty() && System.nanoTime() < deadline) {
      Thread.sleep(100);
      alive = systemThreads();
    }
    assertThat(alive).isEmpty();
  }

  private static List<String> systemThreads() {
    return Thread.getAllStackTraces().keySet().stream()
        .filter(Thread::isAlive)
        .map(Thread::getName)
        .filter(n -> n.startsWith(ClusterProfile.SYSTEM_NAME))
        .toList();
  }

  /**
   * Without {@code --dir}, the option's default was put over every other setting: a {@code -D}
   * journal or snapshot directory was ignored (the node wrote to target/cluster-example).
   */
  @Test
  void main_embeddedWithoutDir_takesTheDirectoriesOfSystemProperties() throws Exception {
    Path journal = dir.resolve("from-d/journal");
    Path snapshots = dir.resolve("from-d/snapshots");
    System.setProperty("elasticq.journal.dir", journal.toString());
    System.setProperty("elasticq.snapshot-store.dir", snapshots.toString());
    ConfigFactory.invalidateCaches();
    try {
      ClusterDemo.main(new String[] {"--port=" + freePort(), "--devices=1", "--readings=1"});
    } finally {
      System.clearProperty("elasticq.journal.dir");
      System.clearProperty("elasticq.snapshot-store.dir");
      ConfigFactory.invalidateCaches();
    }
    assertThat(journal).isDirectory();
    try (var files = java.nio.file.Files.list(journal)) {
      assertThat(files.toList()).isNotEmpty();
    }
  }

  /**
   * {@code -D} settings were ignored by the profile (the JDBC URL and schema of a node could only
   * be changed by editing the configuration files); the node's own options still win over them.
   */
  @Test
  void profile_takesSystemPropertiesButTheNodesOptionsWin() {
    System.setProperty("elasticq.cluster-example.postgres.schema", "from_d");
    System.setProperty("elasticq.cluster-example.postgres.url", "jdbc:postgresql://db:5432/app");
    System.setProperty("pekko.remote.artery.canonical.port", "1");
    ConfigFactory.invalidateCaches();
    try {
      var noOverride =
          ClusterProfile.config(
              ClusterProfile.Journal.POSTGRES, 2551, List.of(2551), List.of("devices"), Map.of());
      assertThat(noOverride.getString("elasticq.cluster-example.postgres.schema"))
          .isEqualTo("from_d");
      assertThat(noOverride.getString("pekko-persistence-jdbc.shared-databases.slick.db.url"))
          .startsWith("jdbc:postgresql://db:5432/app?currentSchema=from_d&");
      assertThat(noOverride.getInt("pekko.remote.artery.canonical.port")).isEqualTo(2551);
      var schemaOption =
          ClusterProfile.config(
              ClusterProfile.Journal.POSTGRES,
              2551,
              List.of(2551),
              List.of("devices"),
              ClusterProfile.postgresSchema("from_option"));
      assertThat(schemaOption.getString("elasticq.cluster-example.postgres.schema"))
          .isEqualTo("from_option");
    } finally {
      System.clearProperty("elasticq.cluster-example.postgres.schema");
      System.clearProperty("elasticq.cluster-example.postgres.url");
      System.clearProperty("pekko.remote.artery.canonical.port");
      ConfigFactory.invalidateCaches();
    }
  }
}
