package io.github.elasticq.persistence.management;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.typesafe.config.ConfigFactory;
import io.github.elasticq.persistence.wal.WalSettings;
import io.github.elasticq.persistence.wal.WriteAheadLog;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.actor.ActorSystem;
import org.apache.pekko.testkit.javadsl.TestKit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The journal checks leave "failed to start" once the cause has passed: they used to report the
 * first failure forever, and a node that is not ready gets no traffic, so no persistent actor
 * opened the log and the node stayed not ready.
 */
class JournalOpenRetryTest {
  @TempDir Path dir;

  @Test
  void startupAndReadiness_passOnceTheDirectoryLockIsReleased() throws Exception {
    Path journal = dir.resolve("journal");
    ActorSystem system =
        ActorSystem.create(
            "journal-open-retry",
            ConfigFactory.parseString(
                    "pekko.persistence.journal.plugin = \"elasticq.journal\"\n"
                        + "pekko.loglevel = OFF\n"
                        + "elasticq.journal.compaction.enabled = off\n"
                        + "elasticq.journal.dir = \""
                        + journal.toString().replace("\\", "/")
                        + "\"\n")
                .withFallback(ConfigFactory.load()));
    try {
      JournalStartupCheck startup = new JournalStartupCheck(system);
      JournalReadinessCheck ready = new JournalReadinessCheck(system);
      // the previous process on the same volume still holds the directory
      try (WriteAheadLog previous = WriteAheadLog.open(WalSettings.builder(journal).build())) {
        assertThat(previous.isClosed()).isFalse();
        await()
            .atMost(Duration.ofSeconds(20))
            .until(() -> outcome(startup.get()).contains("failed to start"));
        assertThat(outcome(ready.get())).contains("failed to start").contains("trying again");
      }
      await()
          .atMost(Duration.ofSeconds(30))
          .pollInterval(Duration.ofMillis(200))
          .until(() -> outcome(startup.get()).equals("true"));
      assertThat(outcome(ready.get())).isEqualTo("true");
    } finally {
      TestKit.shutdownActorSystem(system);
    }
  }

  private static String outcome(CompletionStage<Boolean> stage) {
    try {
      return String.valueOf(stage.toCompletableFuture().join());
    } catch (RuntimeException e) {
      return "failed: " + e.getCause().getMessage();
    }
  }
}
