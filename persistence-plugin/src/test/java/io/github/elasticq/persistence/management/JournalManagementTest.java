package io.github.elasticq.persistence.management;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import io.github.elasticq.persistence.journal.WalRegistry;
import io.github.elasticq.persistence.wal.WalEvent;
import io.github.elasticq.persistence.wal.WalSettings;
import io.github.elasticq.persistence.wal.WalStats;
import io.github.elasticq.persistence.wal.WalTestHooks;
import io.github.elasticq.persistence.wal.WalWrite;
import io.github.elasticq.persistence.wal.WriteAheadLog;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.pekko.ConfigurationException;
import org.apache.pekko.actor.ActorSystem;
import org.apache.pekko.actor.ExtendedActorSystem;
import org.apache.pekko.http.javadsl.Http;
import org.apache.pekko.http.javadsl.ServerBinding;
import org.apache.pekko.management.javadsl.PekkoManagement;
import org.apache.pekko.testkit.javadsl.TestKit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The journal checks and route, over a real management server on a loopback port. */
class JournalManagementTest {

  private static final HttpClient HTTP = HttpClient.newHttpClient();
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String JOURNAL = "elasticq.journal";

  @TempDir Path dir;

  private ActorSystem system;

  @AfterEach
  void shutdown() {
    if (system != null) {
      TestKit.shutdownActorSystem(system);
    }
  }

  private Config config(String extra) {
    return ConfigFactory.parseString(
            "pekko.persistence.journal.plugin = \"elasticq.journal\"\n"
                + "pekko.persistence.snapshot-store.plugin = \"pekko.persistence.no-snapshot-store\"\n"
                + "pekko.loglevel = WARNING\n"
                + "pekko.loggers = [\"org.apache.pekko.event.slf4j.Slf4jLogger\"]\n"
                + "pekko.logging-filter = \"org.apache.pekko.event.slf4j.Slf4jLoggingFilter\"\n"
                + "pekko.management.http.hostname = \"127.0.0.1\"\n"
                + "pekko.management.http.port = 0\n"
                + "elasticq.journal.compaction.enabled = off\n"
                + "elasticq.journal.dir = \""
                + dir.resolve("journal").toString().replace("\\", "/")
                + "\"\n"
                + extra)
        .withFallback(ConfigFactory.load());
  }

  private URI start(String extra) throws Exception {
    system = ActorSystem.create("journal-mgmt", config(extra));
    String uri =
        PekkoManagement.get(system)
            .start()
            .toCompletableFuture()
            .get(20, TimeUnit.SECONDS)
            .toString();
    return URI.create(uri + "/");
  }

  private static HttpResponse<String> get(URI base, String path) {
    try {
      return HTTP.send(
          HttpRequest.newBuilder(base.resolve(path)).timeout(Duration.ofSeconds(10)).build(),
          HttpResponse.BodyHandlers.ofString());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  private WriteAheadLog awaitOpen(URI base) {
    await().atMost(Duration.ofSeconds(20)).until(() -> get(base, "startup").statusCode() == 200);
    return WalRegistry.get(system).openedLog(JOURNAL).orElseThrow();
  }

  private static void write(WriteAheadLog wal, String pid, long seqNr) {
    wal.append(WalWrite.of(List.of(WalEvent.of(pid, seqNr, bytes("e" + seqNr))))).join();
  }

  private static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  @Test
  void startup_waitsForJournalRecovery() throws Exception {
    URI base = start("");
    assertThat(WalRegistry.get(system).openedLog(JOURNAL)).isEmpty();
    HttpResponse<String> first = get(base, "startup");
    assertThat(first.statusCode()).isEqualTo(500);
    assertThat(first.body()).contains("journal [elasticq.journal] has not finished recovery");

    WriteAheadLog wal = awaitOpen(base);
    assertThat(wal.isClosed()).isFalse();
    assertThat(get(base, "ready").statusCode()).isEqualTo(200);
  }

  @Test
  void startup_failsWithTheReasonWhenTheLogCannotOpen() throws Exception {
    try (WriteAheadLog holder =
        WriteAheadLog.open(WalSettings.builder(dir.resolve("journal")).build())) {
      URI base = start("");
      HttpResponse<String> failed =
          await()
              .atMost(Duration.ofSeconds(20))
              .until(() -> get(base, "startup"), r -> r.body().contains("failed to start"));
      assertThat(failed.statusCode()).isEqualTo(500);
      assertThat(failed.body()).contains("journal [elasticq.journal]").contains("already open");
      assertThat(holder.isClosed()).isFalse();
    }
  }

  @Test
  void ready_afterAFailedWrite_checksTheLog_andIsReadyAgainWithoutAnotherWrite() throws Exception {
    URI base = start("");
    WriteAheadLog wal = awaitOpen(base);
    write(wal, "p", 1);
    assertThat(get(base, "ready").statusCode()).isEqualTo(200);

    WalTestHooks.breakActiveChannel(wal);
    assertThatThrownBy(() -> write(wal, "p", 2)).hasRootCauseInstanceOf(IOException.class);
    // the directory refuses the write check's file, as a full or read-only volume would
    // (a directory that is not empty, so that the check's clean-up cannot remove it)
    Path plug = Files.createDirectory(wal.directory().resolve("write-check.tmp"));
    Path inPlug = Files.createFile(plug.resolve("x"));
    HttpResponse<String> notReady = get(base, "ready");
    assertThat(notReady.statusCode()).isEqualTo(500);
    assertThat(notReady.body())
        .contains("journal [elasticq.journal]: the last write to " + wal.directory() + " failed")
        .contains("write check failed");
    assertThat(get(base, "ready").statusCode()).isEqualTo(500); // checked again, still refused

    // room again: the next probe checks the log and is ready, with no write in between
    Files.delete(inPlug);
    Files.delete(plug);
    assertThat(get(base, "ready").statusCode()).isEqualTo(200);
    assertThat(wal.highestSequenceNr("p")).isEqualTo(1);
    write(wal, "p", 2);
    assertThat(get(base, "ready").statusCode()).isEqualTo(200);
  }

  @Test
  void ready_failsOnceTheLogIsClosed() throws Exception {
    URI base = start("");
    WriteAheadLog wal = awaitOpen(base);
    wal.close();
    HttpResponse<String> r = get(base, "ready");
    assertThat(r.statusCode()).isEqualTo(500);
    assertThat(r.body()).contains("journal [elasticq.journal]: write-ahead log is closed");
  }

  /**
   * Management reports a failed check as {@code failed: <the exception's message>}: the check must
   * fail with its {@link JournalNotReadyException} itself. Composing the answer on the free-space
   * query's future wrapped it in a {@code CompletionException}, whose message starts with both
   * class names.
   */
  @Test
  void ready_failsWithTheReasonItself_notWrappedInACompletionException() throws Exception {
    URI base = start("elasticq.management.journal-min-free-space = 1000000TiB");
    WriteAheadLog wal = awaitOpen(base);
    HttpResponse<String> r = get(base, "ready");
    assertThat(r.statusCode()).isEqualTo(500);
    assertThat(r.body())
        .contains("failed: journal [elasticq.journal]: only ")
        .doesNotContain("CompletionException");
    JournalReadinessCheck check = new JournalReadinessCheck(system);
    Throwable failure =
        check.get().toCompletableFuture().handle((v, e) -> e).get(20, TimeUnit.SECONDS);
    assertThat(failure)
        .isInstanceOf(JournalNotReadyException.class)
        .hasMessageStartingWith("journal [elasticq.journal]: only ");

    wal.close(); // not ready before any space is asked for
    failure = check.get().toCompletableFuture().handle((v, e) -> e).get(20, TimeUnit.SECONDS);
    assertThat(failure)
        .isInstanceOf(JournalNotReadyException.class)
        .hasMessage("journal [elasticq.journal]: write-ahead log is closed");
  }

  @Test
  void ready_failsWithoutEnoughFreeSpace() throws Exception {
    URI base = start("elasticq.management.journal-min-free-space = 1000000TiB");
    // Startup does not look at the space; readiness does.
    awaitOpen(base);
    HttpResponse<String> r = get(base, "ready");
    assertThat(r.statusCode()).isEqualTo(500);
    assertThat(r.body())
        .contains("bytes free under")
        .contains("elasticq.management.journal-min-free-space = 1099511627776000000");
  }

  @Test
  void journalRoute_reportsTheLogsFigures() throws Exception {
    URI base = start("");
    JsonNode before = JSON.readTree(get(base, "elasticq/journal").body());
    assertThat(before.get("journals").get(0).get("state").asText()).isEqualTo("not-started");
    assertThat(before.get("journals").get(0).get("stats").isNull()).isTrue();
    assertThat(dir.resolve("journal")).doesNotExist();
    assertThat(before.get("journals").get(0).get("usableSpace").asLong())
        .as("the space where the journal's directory will be created, not 0 for a missing path")
        .isPositive();

    WriteAheadLog wal = awaitOpen(base);
    for (int i = 1; i <= 5; i++) {
      write(wal, "pid-" + (i % 2), i);
    }
    HttpResponse<String> r = get(base, "elasticq/journal");
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.headers().firstValue("Content-Type")).hasValue("application/json");
    JsonNode doc = JSON.readTree(r.body());
    assertThat(doc.get("system").asText()).isEqualTo("journal-mgmt");
    JsonNode j = doc.get("journals").get(0);
    assertThat(j.get("plugin").asText()).isEqualTo(JOURNAL);
    assertThat(j.get("state").asText()).isEqualTo("open");
    assertThat(j.get("dir").asText()).isEqualTo(wal.directory().toString());
    assertThat(j.get("syncMode").asText()).isEqualTo("every-write");
    assertThat(j.get("usableSpace").asLong()).isPositive();
    assertThat(j.get("lastWriteFailure").isNull()).isTrue();
    assertThat(j.get("openFailure").isNull()).isTrue();
    WalStats s = wal.stats();
    JsonNode st = j.get("stats");
    assertThat(st.get("recordsWritten").asLong()).isEqualTo(s.recordsWritten()).isEqualTo(5);
    assertThat(st.get("writes").asLong()).isEqualTo(s.writes());
    assertThat(st.get("fsyncs").asLong()).isEqualTo(s.fsyncs());
    assertThat(st.get("bytesWritten").asLong()).isEqualTo(s.bytesWritten());
    assertThat(st.get("segments").asInt()).isEqualTo(s.segments());
    assertThat(st.get("compactedSegments").asLong()).isEqualTo(s.compactedSegments());
    assertThat(st.get("reclaimedBytes").asLong()).isEqualTo(s.reclaimedBytes());
    assertThat(st.get("truncatedBytes").asLong()).isEqualTo(s.truncatedBytes());
    assertThat(st.get("quarantinedSegments").asInt()).isEqualTo(s.quarantinedSegments());
  }

  @Test
  void checks_passWhenNoElasticQJournalIsInUse() throws Exception {
    URI base = start("pekko.persistence.journal.plugin = \"pekko.persistence.journal.inmem\"");
    assertThat(get(base, "startup").statusCode()).isEqualTo(200);
    assertThat(get(base, "ready").statusCode()).isEqualTo(200);
    assertThat(JSON.readTree(get(base, "elasticq/journal").body()).get("journals")).isEmpty();
    assertThat(WalRegistry.get(system).openedLog(JOURNAL)).isEmpty();
  }

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        "elasticq.management.journals = [\"pekko.persistence.journal.inmem\"] | elasticq.management.journals",
        "elasticq.management.journals = [\"no-such-journal\"] | elasticq.management.journals",
        "elasticq.management.journals = 7 | elasticq.management.journals",
        "elasticq.management.journal-min-free-space = -1 | elasticq.management.journal-min-free-space",
        "elasticq.management.journal-min-free-space = lots | elasticq.management.journal-min-free-space",
        // A misspelt key would leave the default in force without a word.
        "elasticq.management.journal-min-freespace = 1GiB | elasticq.management.journal-min-freespace"
      })
  void badSettings_failTheStartNamingTheKey(String setting, String key) {
    system = ActorSystem.create("journal-mgmt-bad", config(setting));
    assertThatThrownBy(() -> new JournalReadinessCheck(system))
        .isInstanceOf(ConfigurationException.class)
        .hasMessageContaining("[" + key + "]");
    assertThatThrownBy(
            () ->
                PekkoManagement.get(system).start().toCompletableFuture().get(20, TimeUnit.SECONDS))
        .hasRootCauseInstanceOf(ConfigurationException.class)
        .rootCause()
        .hasMessageContaining("[" + key + "]");
  }

  /** As {@code GET /elasticq/mailboxes/}: the route means to take a trailing slash. */
  @Test
  void journalRoute_answersWithATrailingSlash() throws Exception {
    URI base = start("");
    assertThat(get(base, "elasticq/journal").statusCode()).isEqualTo(200);
    HttpResponse<String> r = get(base, "elasticq/journal/");
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    assertThat(JSON.readTree(r.body()).get("journals")).hasSize(1);
  }

  /**
   * A journal whose dir setting is invalid fails to open; the route is where an operator looks for
   * why, and must answer its JSON (state failed, the open failure) rather than a bare 500.
   */
  @Test
  void journalRoute_reportsAJournalWhoseDirIsInvalid() throws Exception {
    // overrides the valid dir the test configuration sets
    URI base = start("elasticq.journal.dir = [\"not\", \"a\", \"path\"]\n");
    await()
        .atMost(Duration.ofSeconds(20))
        .until(() -> get(base, "startup").body(), b -> b.contains("failed to start"));
    HttpResponse<String> r = get(base, "elasticq/journal");
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    JsonNode j = JSON.readTree(r.body()).get("journals").get(0);
    assertThat(j.get("state").asText()).isEqualTo("failed");
    assertThat(j.get("openFailure").asText()).contains("elasticq.journal.dir");
  }

  /**
   * A hung volume after a failed write: the free-space query does not answer, and neither would the
   * write check the failed write calls for (here: its file is a named pipe nobody reads, so opening
   * it blocks the log's writer as a hung volume would). The check must still fail naming the
   * unanswered query, as it does without the failed write; it started the write check and never
   * completed (Management answered with its own timeout, without the reason).
   */
  @Test
  void ready_whenTheFileSystemDoesNotAnswer_afterAFailedWrite_failsNamingIt() throws Exception {
    URI base = start("");
    WriteAheadLog wal = awaitOpen(base);
    write(wal, "p", 1);
    WalTestHooks.breakActiveChannel(wal);
    assertThatThrownBy(() -> write(wal, "p", 2)).hasRootCauseInstanceOf(IOException.class);
    Path fifo = wal.directory().resolve("write-check.tmp");
    Process mkfifo = new ProcessBuilder("mkfifo", fifo.toString()).start();
    assumeTrue(mkfifo.waitFor(1, TimeUnit.MINUTES) && mkfifo.exitValue() == 0, "mkfifo");
    CountDownLatch answer = new CountDownLatch(1);
    JournalHealth health =
        new JournalHealth(
            system,
            d -> {
              try {
                answer.await();
              } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
              }
              return 1L << 40;
            });
    try {
      CompletableFuture<Boolean> ready =
          new JournalReadinessCheck(health).get().toCompletableFuture();
      Throwable failure = ready.handle((v, e) -> e).get(20, TimeUnit.SECONDS);
      assertThat(failure)
          .isInstanceOf(JournalNotReadyException.class)
          .hasMessageContaining("the file system of " + wal.directory())
          .hasMessageContaining("has not answered a free-space query")
          .hasMessageContaining("the last write to " + wal.directory() + " failed");
    } finally {
      answer.countDown();
      // a reader and writer of the pipe: never blocks, and lets a write check blocked on it go on
      RandomAccessFile unblock = new RandomAccessFile(fifo.toFile(), "rw");
      try {
        CompletableFuture<Void> writeCheck = wal.checkWrites(); // the one running, if any
        await().atMost(Duration.ofSeconds(20)).until(writeCheck::isDone);
      } finally {
        unblock.close();
      }
    }
  }

  /**
   * A volume that does not answer (a hung NFS mount) used to block the thread that ran the check or
   * the route, in {@code getUsableSpace}: a Kubernetes probe every few seconds would take every
   * thread of the dispatcher Management runs on. Now the query runs on Pekko's blocking-I/O
   * dispatcher, one at a time per directory, and after half a second the check fails naming it and
   * the route reports the space unknown. The query here stands for the file system's (a real hung
   * volume cannot be made in a test).
   */
  @Test
  void ready_andRoute_whenTheFileSystemDoesNotAnswer_answerWithoutIt() throws Exception {
    URI base = start("");
    WriteAheadLog wal = awaitOpen(base);
    CountDownLatch answer = new CountDownLatch(1);
    AtomicInteger queries = new AtomicInteger();
    JournalHealth health =
        new JournalHealth(
            system,
            d -> {
              queries.incrementAndGet();
              try {
                answer.await();
              } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
              }
              return 1L << 40;
            });
    JournalReadinessCheck check = new JournalReadinessCheck(health);
    CompletableFuture<Boolean> first =
        assertTimeoutPreemptively(
            Duration.ofSeconds(5), () -> check.get().toCompletableFuture(), "the check's caller");
    assertThatThrownBy(() -> first.get(20, TimeUnit.SECONDS))
        .hasCauseInstanceOf(JournalNotReadyException.class)
        .hasMessageContaining("the file system of " + wal.directory())
        .hasMessageContaining("has not answered a free-space query");
    assertThatThrownBy(() -> check.get().toCompletableFuture().get(20, TimeUnit.SECONDS))
        .hasMessageContaining("has not answered a free-space query");

    ServerBinding binding =
        Http.get(system)
            .newServerAt("127.0.0.1", 0)
            .bind(new JournalRoutes((ExtendedActorSystem) system).routes(health))
            .toCompletableFuture()
            .get(20, TimeUnit.SECONDS);
    try {
      URI routeBase = URI.create("http://127.0.0.1:" + binding.localAddress().getPort() + "/");
      HttpResponse<String> r = get(routeBase, "elasticq/journal");
      assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
      JsonNode j = JSON.readTree(r.body()).get("journals").get(0);
      assertThat(j.get("state").asText()).isEqualTo("open");
      assertThat(j.get("usableSpace").isNull()).as(r.body()).isTrue();
      assertThat(queries.get()).as("queries while the first one hangs").isEqualTo(1);

      answer.countDown();
      await().atMost(Duration.ofSeconds(20)).until(() -> check.get().toCompletableFuture().get());
      j = JSON.readTree(get(routeBase, "elasticq/journal").body()).get("journals").get(0);
      assertThat(j.get("usableSpace").asLong()).isEqualTo(1L << 40);
    } finally {
      binding.unbind().toCompletableFuture().get(20, TimeUnit.SECONDS);
    }
  }
}
