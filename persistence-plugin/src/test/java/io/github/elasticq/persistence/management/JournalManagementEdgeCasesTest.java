package io.github.elasticq.persistence.management;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.typesafe.config.ConfigFactory;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.ActorSystem;
import org.apache.pekko.management.javadsl.PekkoManagement;
import org.apache.pekko.testkit.javadsl.TestKit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Edge cases of the journal route. */
class JournalManagementEdgeCasesTest {

  private static final HttpClient HTTP = HttpClient.newHttpClient();
  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir Path dir;

  private ActorSystem system;

  @AfterEach
  void shutdown() {
    if (system != null) {
      TestKit.shutdownActorSystem(system);
    }
  }

  private URI start(String dirSetting) throws Exception {
    system =
        ActorSystem.create(
            "journal-mgmt-edge",
            ConfigFactory.parseString(
                    "pekko.persistence.journal.plugin = \"elasticq.journal\"\n"
                        + "pekko.persistence.snapshot-store.plugin ="
                        + " \"pekko.persistence.no-snapshot-store\"\n"
                        + "pekko.loglevel = WARNING\n"
                        + "pekko.loggers = [\"org.apache.pekko.event.slf4j.Slf4jLogger\"]\n"
                        + "pekko.logging-filter ="
                        + " \"org.apache.pekko.event.slf4j.Slf4jLoggingFilter\"\n"
                        + "pekko.management.http.hostname = \"127.0.0.1\"\n"
                        + "pekko.management.http.port = 0\n"
                        + "elasticq.journal.compaction.enabled = off\n"
                        + dirSetting)
                .withFallback(ConfigFactory.load()));
    return URI.create(
        PekkoManagement.get(system).start().toCompletableFuture().get(20, TimeUnit.SECONDS) + "/");
  }

  private String dirSetting() {
    return "elasticq.journal.dir = \""
        + dir.resolve("journal").toString().replace("\\", "/")
        + "\"\n";
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

  /** As {@code GET /elasticq/mailboxes/}: the route means to take a trailing slash. */
  @Test
  void journalRoute_answersWithATrailingSlash() throws Exception {
    URI base = start(dirSetting());
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
}
