package io.github.elasticq.examples;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.typesafe.config.ConfigFactory;
import io.github.elasticq.persistence.journal.WalRegistry;
import io.github.elasticq.persistence.wal.WalEvent;
import io.github.elasticq.persistence.wal.WalWrite;
import io.github.elasticq.persistence.wal.WriteAheadLog;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.LockSupport;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.pekko.actor.ActorSystem;
import org.apache.pekko.testkit.javadsl.TestKit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Kamon example against a real Prometheus server, then the exported totals against the truth.
 *
 * <p>The Prometheus test needs the {@code prometheus} binary (Debian package {@code prometheus});
 * it starts its own server on a free loopback port with its own storage directory (never the
 * distribution's service). With {@code CI=true} a missing or failing binary fails the test;
 * elsewhere the test is skipped with a message.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class KamonPrometheusTest {

  private static final Path DASHBOARD = Path.of("dashboards", "elasticq.json");
  private static final Pattern EXPR = Pattern.compile("\"expr\":\\s*\"((?:[^\"\\\\]|\\\\.)*)\"");
  private static final Pattern LABEL_VALUES =
      Pattern.compile("\"query\":\\s*\"label_values\\(((?:[^\"\\\\]|\\\\.)*), *\\w+\\)\"");

  private static final Pattern SYSTEM_VARIABLE =
      Pattern.compile("\"query\":\\s*\"label_values\\(((?:[^\"\\\\]|\\\\.)*), *system\\)\"");

  @TempDir Path dir;

  private KamonExample example;
  private final HttpClient http = HttpClient.newHttpClient();

  @BeforeAll
  void startExample() throws Exception {
    example = KamonExample.start(0, Files.createTempDirectory("elasticq-kamon-test"));
    await()
        .atMost(Duration.ofSeconds(90))
        .ignoreExceptions()
        .until(() -> metricsText().contains("elasticq_journal_events_per_fsync_bucket"));
  }

  @AfterAll
  void stopExample() {
    if (example != null) {
      example.close();
    }
  }

  private String metricsText() throws IOException, InterruptedException {
    HttpResponse<String> r =
        http.send(
            HttpRequest.newBuilder(URI.create(example.metricsUrl()))
                .timeout(Duration.ofSeconds(20))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    return r.body();
  }

  /** Every PromQL expression of the dashboard, with its variables given values. */
  static List<String> dashboardQueries() throws IOException {
    return dashboardQueries(KamonExample.SYSTEM);
  }

  /** Every PromQL expression of the dashboard, with {@code system} chosen. */
  static List<String> dashboardQueries(String system) throws IOException {
    String json = Files.readString(DASHBOARD);
    Set<String> out = new LinkedHashSet<>();
    for (Pattern p : List.of(EXPR, LABEL_VALUES)) {
      Matcher m = p.matcher(json);
      while (m.find()) {
        out.add(
            m.group(1)
                .replace("\\\"", "\"")
                .replace("\\\\", "\\")
                .replace("$system", system)
                .replace("$mailbox", ".*")
                .replace("$__rate_interval", "30s"));
      }
    }
    return new ArrayList<>(out);
  }

  @Test
  @Order(1)
  void everyDashboardQuery_returnsSeries_fromARealPrometheus() throws Exception {
    List<String> queries = dashboardQueries();
    assertThat(queries).hasSizeGreaterThanOrEqualTo(20);
    boolean ci = "true".equalsIgnoreCase(System.getenv("CI"));
    if (PrometheusServer.binary().isEmpty() && !ci) {
      Assumptions.abort(
          "prometheus binary not found: install the Debian package 'prometheus' to run this test"
              + " (under CI=true it fails instead)");
    }
    try (PrometheusServer prometheus =
        PrometheusServer.start(
            "127.0.0.1:" + example.port(), Duration.ofSeconds(1), dir.resolve("prometheus"))) {
      prometheus.awaitScrapes(2, Duration.ofSeconds(120));
      Thread.sleep(2_000); // a rate() over two scrapes, with samples of the histograms in both
      List<String> empty = new ArrayList<>();
      for (String q : queries) {
        String answer = prometheus.query(q);
        assertThat(answer).as(q).contains("\"status\":\"success\"");
        if (PrometheusServer.seriesCount(answer) == 0) {
          empty.add(q + " -> " + answer);
        }
      }
      assertThat(empty).as("dashboard queries that returned no series").isEmpty();
    }
  }

  @Test
  @Order(2)
  void prometheusText_equalsTheTruth_afterTheLoadDrains() throws Exception {
    example.stopLoadAndDrain(Duration.ofSeconds(60));
    for (String id : List.of(KamonExample.MAILBOX, KamonExample.QOS)) {
      await()
          .atMost(Duration.ofSeconds(60))
          .ignoreExceptions()
          .untilAsserted(
              () -> {
                String text = metricsText();
                long sent = example.sent(id);
                long processed = example.processed(id);
                long enqueued = sum(text, "elasticq_mailbox_enqueued_total", id, "");
                long dequeued = sum(text, "elasticq_mailbox_dequeued_total", id, "");
                long overflow =
                    sum(text, "elasticq_mailbox_dropped_total", id, "reason=\"overflow\"");
                long dropped = sum(text, "elasticq_mailbox_dropped_total", id, "");
                long size = sum(text, "elasticq_mailbox_size", id, "");
                assertThat(size).as("%s size after the drain", id).isZero();
                assertThat(dequeued).as("%s dequeued = processed", id).isEqualTo(processed);
                assertThat(enqueued + overflow)
                    .as("%s sent = enqueued + overflow", id)
                    .isEqualTo(sent);
                assertThat(dequeued + dropped)
                    .as("%s sent = processed + dropped", id)
                    .isEqualTo(sent);
              });
    }
    assertThat(
            sum(
                metricsText(),
                "elasticq_mailbox_dropped_total",
                KamonExample.MAILBOX,
                "reason=\"overflow\""))
        .as("the bursts overflowed")
        .isPositive();
    assertThat(
            sum(
                metricsText(),
                "elasticq_mailbox_dropped_total",
                KamonExample.MAILBOX,
                "reason=\"cleanup\""))
        .as("stopped actors left messages")
        .isPositive();
  }

  /**
   * A node that uses the journal but no ElasticQ mailbox (elasticq-persistence alone, or Pekko's
   * default mailboxes) exports only {@code elasticq_journal_*} series: the dashboard must still
   * offer its actor system in the {@code system} variable, and its journal panels, with that system
   * chosen, must show its series.
   */
  @Test
  @Order(3)
  void journalOnlySystem_isOfferedByTheSystemVariable_andFillsTheJournalPanels() throws Exception {
    boolean ci = "true".equalsIgnoreCase(System.getenv("CI"));
    if (PrometheusServer.binary().isEmpty() && !ci) {
      Assumptions.abort(
          "prometheus binary not found: install the Debian package 'prometheus' to run this test"
              + " (under CI=true it fails instead)");
    }
    String name = "elasticq-journal-only";
    ActorSystem journalOnly =
        ActorSystem.create(
            name,
            ConfigFactory.parseString(
                    "elasticq.kamon { enabled = on, poll-interval = 500ms }\n"
                        + "pekko.persistence.journal.plugin = \"elasticq.journal\"\n"
                        + "elasticq.journal.dir = \""
                        + dir.resolve("journal-only").toString().replace("\\", "/")
                        + "\"\n"
                        + "pekko.loglevel = WARNING\n")
                .withFallback(ConfigFactory.load()));
    AtomicBoolean writing = new AtomicBoolean(true);
    Thread writer =
        new Thread(
            () -> {
              WriteAheadLog wal = WalRegistry.get(journalOnly).logFor("elasticq.journal");
              for (long seqNr = 1; writing.get(); seqNr++) {
                wal.append(
                        WalWrite.of(
                            List.of(
                                WalEvent.of(
                                    "journal-only-1",
                                    seqNr,
                                    ("e" + seqNr).getBytes(StandardCharsets.UTF_8)))))
                    .join();
                if (seqNr % 20 == 0) {
                  try {
                    wal.replay("journal-only-1", 1, Long.MAX_VALUE, 100, e -> {});
                  } catch (IOException e) {
                    throw new UncheckedIOException(e);
                  }
                }
                LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(20));
              }
            },
            "journal-only-writer");
    writer.start();
    try (PrometheusServer prometheus =
        PrometheusServer.start(
            "127.0.0.1:" + example.port(), Duration.ofSeconds(1), dir.resolve("prometheus-3"))) {
      prometheus.awaitScrapes(2, Duration.ofSeconds(120));
      Thread.sleep(3_000); // a rate() over two scrapes that both saw the journal-only system
      Matcher variable = SYSTEM_VARIABLE.matcher(Files.readString(DASHBOARD));
      assertThat(variable.find()).as("the dashboard's system variable").isTrue();
      String systems = prometheus.query(variable.group(1).replace("\\\"", "\""));
      assertThat(systems)
          .as("the system variable's query offers the journal-only system")
          .contains("\"system\":\"" + name + "\"");
      List<String> empty = new ArrayList<>();
      for (String q : dashboardQueries(name)) {
        if (q.contains("elasticq_journal_")
            && PrometheusServer.seriesCount(prometheus.query(q)) == 0) {
          empty.add(q);
        }
      }
      assertThat(empty).as("journal panels without series for the journal-only system").isEmpty();
    } finally {
      writing.set(false);
      writer.join(10_000);
      TestKit.shutdownActorSystem(journalOnly);
    }
  }

  /** Sum of the samples of {@code name} whose labels hold mailbox {@code id} and {@code label}. */
  static long sum(String text, String name, String id, String label) {
    double s = 0;
    for (String line : text.split("\n")) {
      if (line.startsWith(name + "{")
          && line.contains("mailbox=\"" + id + "\"")
          && line.contains(label)
          && line.contains("system=\"" + KamonExample.SYSTEM + "\"")) {
        s += Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
      }
    }
    return Math.round(s);
  }
}
