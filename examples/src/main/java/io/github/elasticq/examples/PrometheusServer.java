package io.github.elasticq.examples;

import java.io.File;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A private Prometheus server for tests and tools: the {@code prometheus} binary (Debian package
 * {@code prometheus}) started as a child process on a free loopback port, with its own storage
 * directory and a scrape configuration for one target. It is never the distribution's service:
 * {@link #start} checks, through {@code /api/v1/status/flags}, that the server answering on the
 * port uses the storage directory this process created.
 *
 * <p>Not thread-safe; one owner.
 */
public final class PrometheusServer implements AutoCloseable {

  private static final Pattern VALUE = Pattern.compile("\"value\":\\[[0-9.eE+-]+,\"([^\"]*)\"\\]");

  private final Process process;
  private final int port;
  private final Path workDir;
  private final HttpClient http =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

  private PrometheusServer(Process process, int port, Path workDir) {
    this.process = process;
    this.port = port;
    this.workDir = workDir;
  }

  /** The {@code prometheus} binary: {@code $PROMETHEUS_BIN}, else the first on the PATH. */
  public static Optional<Path> binary() {
    String explicit = System.getenv("PROMETHEUS_BIN");
    if (explicit != null && !explicit.isBlank()) {
      return Optional.of(Path.of(explicit)).filter(Files::isExecutable);
    }
    String path = System.getenv().getOrDefault("PATH", "");
    for (String d : path.split(File.pathSeparator)) {
      Path p = Path.of(d, "prometheus");
      if (Files.isExecutable(p)) {
        return Optional.of(p);
      }
    }
    return Optional.empty();
  }

  /**
   * Starts a server that scrapes {@code target} ({@code host:port}, path {@code /metrics}) every
   * {@code scrapeInterval}, job {@code elasticq}, and waits until it answers.
   *
   * @throws IOException if the binary is missing or the server does not come up; the message says
   *     why and includes the end of its log
   */
  public static PrometheusServer start(String target, Duration scrapeInterval, Path workDir)
      throws IOException {
    Path bin =
        binary()
            .orElseThrow(
                () ->
                    new IOException(
                        "no prometheus binary on the PATH (install the Debian package:"
                            + " apt-get install -y prometheus)"));
    Files.createDirectories(workDir);
    Path data = Files.createDirectories(workDir.resolve("data"));
    Path config = workDir.resolve("prometheus.yml");
    String interval = scrapeInterval.toMillis() + "ms";
    Files.writeString(
        config,
        "global:\n"
            + "  scrape_interval: "
            + interval
            + "\n"
            + "  evaluation_interval: "
            + interval
            + "\n"
            + "scrape_configs:\n"
            + "  - job_name: elasticq\n"
            + "    scrape_interval: "
            + interval
            + "\n"
            + "    static_configs:\n"
            + "      - targets: ['"
            + target
            + "']\n");
    int port = KamonExample.freePort();
    Path log = workDir.resolve("prometheus.log");
    Process p =
        new ProcessBuilder(
                bin.toString(),
                "--config.file=" + config,
                "--storage.tsdb.path=" + data,
                "--web.listen-address=127.0.0.1:" + port,
                "--storage.tsdb.retention.time=1d")
            .redirectErrorStream(true)
            .redirectOutput(log.toFile())
            .start();
    PrometheusServer server = new PrometheusServer(p, port, workDir);
    long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    while (true) {
      if (!p.isAlive()) {
        throw new IOException(
            "prometheus exited with " + p.exitValue() + "; log:\n" + server.logTail());
      }
      try {
        String flags = server.get("/api/v1/status/flags");
        if (!flags.contains(data.toString())) {
          server.close();
          throw new IOException(
              "the server on port " + port + " is not ours (storage path differs): " + flags);
        }
        return server;
      } catch (IOException e) {
        if (System.nanoTime() > deadline) {
          server.close();
          throw new IOException("prometheus did not answer in 30 s; log:\n" + server.logTail(), e);
        }
      }
      try {
        Thread.sleep(200);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        server.close();
        throw new IOException("interrupted while waiting for prometheus", e);
      }
    }
  }

  /** The last lines of the server's log. */
  public String logTail() {
    try {
      String s = Files.readString(workDir.resolve("prometheus.log"));
      return s.length() > 3000 ? s.substring(s.length() - 3000) : s;
    } catch (IOException e) {
      return "(no log: " + e + ")";
    }
  }

  /** The server's port on 127.0.0.1. */
  public int port() {
    return port;
  }

  private String get(String pathAndQuery) throws IOException {
    HttpRequest req =
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + pathAndQuery))
            .timeout(Duration.ofSeconds(10))
            .build();
    try {
      HttpResponse<String> r = http.send(req, HttpResponse.BodyHandlers.ofString());
      if (r.statusCode() != 200) {
        throw new IOException("HTTP " + r.statusCode() + " for " + pathAndQuery + ": " + r.body());
      }
      return r.body();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted", e);
    }
  }

  /** Evaluates an instant PromQL query; returns the API's JSON answer. */
  public String query(String promql) throws IOException {
    return get("/api/v1/query?query=" + URLEncoder.encode(promql, StandardCharsets.UTF_8));
  }

  /** Evaluates a range query over the last {@code range}, one point per {@code step}. */
  public String queryRange(String promql, Duration range, Duration step) throws IOException {
    double end = System.currentTimeMillis() / 1000.0;
    double start = end - range.toSeconds();
    return get(
        "/api/v1/query_range?query="
            + URLEncoder.encode(promql, StandardCharsets.UTF_8)
            + "&start="
            + start
            + "&end="
            + end
            + "&step="
            + step.toSeconds());
  }

  /** Number of series in a query answer (0 for an empty result). */
  public static int seriesCount(String json) {
    int n = 0;
    for (int i = json.indexOf("\"metric\":"); i >= 0; i = json.indexOf("\"metric\":", i + 1)) {
      n++;
    }
    return n;
  }

  /** The first sample value of an instant query answer, or NaN when there is none. */
  public static double firstValue(String json) {
    Matcher m = VALUE.matcher(json);
    return m.find() ? Double.parseDouble(m.group(1)) : Double.NaN;
  }

  /** Waits until the target was scraped successfully at least {@code scrapes} times. */
  public void awaitScrapes(int scrapes, Duration timeout) throws IOException {
    long deadline = System.nanoTime() + timeout.toNanos();
    String q = "count_over_time(up{job=\"elasticq\"}[10m]) and up{job=\"elasticq\"} == 1";
    while (true) {
      double n;
      try {
        n = firstValue(query(q));
      } catch (IOException e) {
        n = Double.NaN; // a slow answer on a loaded machine: ask again until the deadline
      }
      if (!Double.isNaN(n) && n >= scrapes) {
        return;
      }
      if (System.nanoTime() > deadline) {
        throw new IOException(
            "the target was not scraped "
                + scrapes
                + " times within "
                + timeout
                + "; targets: "
                + get("/api/v1/targets"));
      }
      try {
        Thread.sleep(250);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IOException("interrupted", e);
      }
    }
  }

  /** Stops the server (and waits for it). */
  @Override
  public void close() {
    process.destroy();
    try {
      if (!process.waitFor(10, java.util.concurrent.TimeUnit.SECONDS)) {
        process.destroyForcibly().waitFor(10, java.util.concurrent.TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      process.destroyForcibly();
    }
  }
}
