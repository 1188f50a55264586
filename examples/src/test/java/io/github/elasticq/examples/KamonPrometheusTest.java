package io.github.elasticq.examples;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
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
    String json = Files.readString(DASHBOARD);
    Set<String> out = new LinkedHashSet<>();
    for (Pattern p : List.of(EXPR, LABEL_VALUES)) {
      Matcher m = p.matcher(json);
      while (m.find()) {
        out.add(
            m.group(1)
                .replace("\\\"", "\"")
                .replace("\\\\", "\\")
                .replace("$system", KamonExample.SYSTEM)
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
