package io.github.elasticq.persistence.management;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;
import static org.awaitility.Awaitility.await;

import com.typesafe.config.ConfigFactory;
import io.github.elasticq.persistence.journal.WalRegistry;
import io.github.elasticq.persistence.wal.WalSettings;
import io.github.elasticq.persistence.wal.WriteAheadLog;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.actor.ActorRef;
import org.apache.pekko.actor.ActorSystem;
import org.apache.pekko.persistence.AtomicWrite;
import org.apache.pekko.persistence.JournalProtocol;
import org.apache.pekko.persistence.Persistence;
import org.apache.pekko.persistence.PersistentEnvelope;
import org.apache.pekko.persistence.PersistentRepr;
import org.apache.pekko.testkit.javadsl.TestKit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import scala.jdk.javaapi.CollectionConverters;

/**
 * The journal checks leave "failed to start" once the cause has passed: they used to report the
 * first failure forever, and a node that is not ready gets no traffic, so no persistent actor
 * opened the log and the node stayed not ready.
 */
class JournalOpenRetryTest {
  private static final Duration T = Duration.ofSeconds(15);
  @TempDir Path dir;

  @Test
  void startupAndReadiness_passOnceTheDirectoryLockIsReleased() throws Exception {
    Path journal = dir.resolve("journal");
    ActorSystem system = system(journal);
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

  /**
   * A log that was closed and then failed to open again (another process took the directory in
   * between) was reported as "closed", the state of the instance that last ran, without the failure
   * that keeps it from opening.
   */
  @Test
  void closedLogThatFailsToOpenAgain_isReportedAsFailed() throws Exception {
    Path journal = dir.resolve("journal");
    ActorSystem system = system(journal);
    try {
      WalRegistry registry = WalRegistry.get(system);
      JournalHealth health = new JournalHealth(system);
      registry.logFor("elasticq.journal").close();
      assertThat(health.state("elasticq.journal")).isEqualTo(JournalHealth.State.CLOSED);
      try (WriteAheadLog other = WriteAheadLog.open(WalSettings.builder(journal).build())) {
        assertThat(other.isClosed()).isFalse();
        assertThat(catchThrowable(() -> registry.logFor("elasticq.journal"))).isNotNull();
        assertThat(health.state("elasticq.journal")).isEqualTo(JournalHealth.State.FAILED);
      }
    } finally {
      TestKit.shutdownActorSystem(system);
    }
  }

  private static ActorSystem system(Path journal) {
    return ActorSystem.create(
        "journal-open-retry",
        ConfigFactory.parseString(
                "pekko.persistence.journal.plugin = \"elasticq.journal\"\n"
                    + "pekko.loglevel = OFF\n"
                    + "elasticq.journal.compaction.enabled = off\n"
                    + "elasticq.journal.dir = \""
                    + journal.toString().replace("\\", "/")
                    + "\"\n")
            .withFallback(ConfigFactory.load()));
  }

  private static String outcome(CompletionStage<Boolean> stage) {
    try {
      return String.valueOf(stage.toCompletableFuture().join());
    } catch (RuntimeException e) {
      return "failed: " + e.getCause().getMessage();
    }
  }

  /**
   * The journal actor itself recovers once the directory is free: its constructor used to throw
   * when the log could not be opened, which stopped the plugin actor for good (Pekko keeps handing
   * out the dead actor), so no write or recovery was ever answered, even after the checks passed.
   */
  @Test
  void journalStartedWhileTheDirectoryIsHeld_answersOnceItIsReleased() throws Exception {
    Path journal = dir.resolve("journal");
    ActorSystem system = system(journal);
    try {
      TestKit probe = new TestKit(system);
      ActorRef plugin;
      try (WriteAheadLog previous = WriteAheadLog.open(WalSettings.builder(journal).build())) {
        assertThat(previous.isClosed()).isFalse();
        plugin = Persistence.get(system).journalFor("elasticq.journal", ConfigFactory.empty());
        plugin.tell(write("p", 1, probe.getRef()), ActorRef.noSender());
        JournalProtocol.WriteMessagesFailed failed =
            probe.expectMsgClass(T, JournalProtocol.WriteMessagesFailed.class);
        assertThat(failed.cause()).hasMessageContaining("elasticq.journal");
        probe.expectMsgClass(T, JournalProtocol.WriteMessageFailure.class);
      }
      // the registry's backoff (5 s after the first failure) decides when the journal tries again;
      // meanwhile every write fails at once with the last failure (one a second: 10 failures in a
      // row would open Pekko's circuit breaker for its reset-timeout)
      long deadline = System.nanoTime() + Duration.ofSeconds(40).toNanos();
      Object reply;
      do {
        Thread.sleep(1000);
        plugin.tell(write("p", 1, probe.getRef()), ActorRef.noSender());
        reply = probe.receiveOne(T);
        if (reply instanceof JournalProtocol.WriteMessagesFailed) {
          probe.expectMsgClass(T, JournalProtocol.WriteMessageFailure.class);
        }
      } while (!(reply instanceof JournalProtocol.WriteMessagesSuccessful$)
          && System.nanoTime() < deadline);
      assertThat(reply).isEqualTo(JournalProtocol.WriteMessagesSuccessful$.MODULE$);
      probe.expectMsgClass(T, JournalProtocol.WriteMessageSuccess.class);
    } finally {
      TestKit.shutdownActorSystem(system);
    }
  }

  /**
   * Each attempt to open a log is a recovery scan: after a failure the registry answers with it at
   * once until its backoff allows a new attempt (a corrupt log would otherwise be scanned again at
   * every request of every persistent actor and at every probe).
   */
  @Test
  void failedOpening_isAnsweredFromTheLastFailure_untilTheBackoffAllowsAnAttempt()
      throws Exception {
    Path journal = dir.resolve("journal");
    ActorSystem system = system(journal);
    try (WriteAheadLog previous = WriteAheadLog.open(WalSettings.builder(journal).build())) {
      assertThat(previous.isClosed()).isFalse();
      WalRegistry registry = WalRegistry.get(system);
      Throwable first = catchThrowable(() -> registry.logFor("elasticq.journal"));
      assertThat(first).isInstanceOf(IllegalStateException.class).hasMessageContaining("journal");
      assertThat(registry.openRetryDue("elasticq.journal")).isFalse();
      assertThat(catchThrowable(() -> registry.logFor("elasticq.journal"))).isSameAs(first);
    } finally {
      TestKit.shutdownActorSystem(system);
    }
  }

  private static JournalProtocol.WriteMessages write(String pid, long seq, ActorRef sender) {
    PersistentRepr repr = PersistentRepr.apply("e-" + seq, seq, pid, "", false, sender, "w");
    AtomicWrite atomic = new AtomicWrite(CollectionConverters.asScala(List.of(repr)).toList());
    List<PersistentEnvelope> writes = List.of(atomic);
    return new JournalProtocol.WriteMessages(
        CollectionConverters.asScala(writes).toList(), sender, 1);
  }
}
