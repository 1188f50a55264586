package io.github.elasticq.examples;

import java.awt.BasicStroke;
import java.awt.Color;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jfree.chart.ChartFactory;
import org.jfree.chart.ChartUtils;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.plot.XYPlot;
import org.jfree.chart.renderer.xy.XYLineAndShapeRenderer;
import org.jfree.data.time.Millisecond;
import org.jfree.data.time.TimeSeries;
import org.jfree.data.time.TimeSeriesCollection;

/**
 * Renders the Grafana dashboard's panels to PNG without Grafana: runs {@link KamonExample}, lets a
 * private {@link PrometheusServer} scrape it, then evaluates each panel's queries over the run with
 * {@code /api/v1/query_range} and draws them with JFreeChart, one PNG per panel.
 *
 * <pre>
 * ./mvnw -q -pl examples -am verify -Pdemo -DskipTests \
 *     -Ddemo.mainClass=io.github.elasticq.examples.DashboardSnapshots \
 *     -Dexec.args="examples/dashboards/elasticq.json examples/dashboards/png 90"
 * </pre>
 *
 * <p>Arguments: dashboard JSON, output directory, run length in seconds, relative to the directory
 * Maven runs in (the project root with {@code -pl examples -am}). Needs the {@code prometheus}
 * binary.
 */
public final class DashboardSnapshots {

  private static final Pattern PANEL_TITLE =
      Pattern.compile("\"type\": \"timeseries\",\\s*\"title\": \"((?:[^\"\\\\]|\\\\.)*)\"");
  private static final Pattern TARGET =
      Pattern.compile(
          "\"expr\": \"((?:[^\"\\\\]|\\\\.)*)\",\\s*\"legendFormat\": \"((?:[^\"\\\\]|\\\\.)*)\"");
  private static final Pattern SERIES =
      Pattern.compile("\\{\"metric\":\\{([^}]*)\\},\"values\":\\[(.*?)\\]\\]");
  private static final Pattern LABEL = Pattern.compile("\"([^\"]+)\":\"([^\"]*)\"");
  private static final Pattern POINT = Pattern.compile("\\[([0-9.]+),\"([^\"]+)\"");

  private DashboardSnapshots() {}

  /** One panel: title and (query, legend) pairs. */
  record Panel(String title, List<String[]> targets) {}

  static List<Panel> panels(String json) {
    List<Panel> panels = new ArrayList<>();
    Matcher titles = PANEL_TITLE.matcher(json);
    List<int[]> bounds = new ArrayList<>();
    List<String> names = new ArrayList<>();
    while (titles.find()) {
      bounds.add(new int[] {titles.start()});
      names.add(unescape(titles.group(1)));
    }
    for (int i = 0; i < bounds.size(); i++) {
      int from = bounds.get(i)[0];
      int to = i + 1 < bounds.size() ? bounds.get(i + 1)[0] : json.indexOf("\"templating\"");
      Matcher t = TARGET.matcher(json.substring(from, to));
      List<String[]> targets = new ArrayList<>();
      while (t.find()) {
        targets.add(new String[] {unescape(t.group(1)), unescape(t.group(2))});
      }
      panels.add(new Panel(names.get(i), targets));
    }
    return panels;
  }

  private static String unescape(String s) {
    return s.replace("\\\"", "\"").replace("\\\\", "\\");
  }

  static String resolve(String expr) {
    return expr.replace("$system", KamonExample.SYSTEM)
        .replace("$mailbox", ".*")
        .replace("$__rate_interval", "15s");
  }

  static String legend(String format, Map<String, String> labels) {
    String s = format;
    for (Map.Entry<String, String> e : labels.entrySet()) {
      s = s.replace("{{" + e.getKey() + "}}", e.getValue());
    }
    return s;
  }

  /**
   * Renders every panel of {@code dashboard} from {@code prometheus} over the last {@code range}.
   */
  static List<Path> render(Path dashboard, Path outDir, PrometheusServer prometheus, Duration range)
      throws IOException {
    Files.createDirectories(outDir);
    List<Path> written = new ArrayList<>();
    for (Panel p : panels(Files.readString(dashboard))) {
      TimeSeriesCollection data = new TimeSeriesCollection();
      for (String[] target : p.targets()) {
        String json = prometheus.queryRange(resolve(target[0]), range, Duration.ofSeconds(1));
        Matcher s = SERIES.matcher(json);
        while (s.find()) {
          Map<String, String> labels = new LinkedHashMap<>();
          Matcher l = LABEL.matcher(s.group(1));
          while (l.find()) {
            labels.put(l.group(1), l.group(2));
          }
          TimeSeries ts = new TimeSeries(legend(target[1], labels));
          Matcher pt = POINT.matcher(s.group(2));
          while (pt.find()) {
            double v = Double.parseDouble(pt.group(2).replace("+Inf", "Infinity"));
            if (Double.isFinite(v)) {
              long ms = (long) (Double.parseDouble(pt.group(1)) * 1000);
              ts.addOrUpdate(new Millisecond(new java.util.Date(ms)), v);
            }
          }
          if (!ts.isEmpty()) {
            data.addSeries(ts);
          }
        }
      }
      JFreeChart chart =
          ChartFactory.createTimeSeriesChart(p.title(), "", "", data, true, false, false);
      XYPlot plot = chart.getXYPlot();
      plot.setBackgroundPaint(Color.WHITE);
      plot.setDomainGridlinePaint(Color.LIGHT_GRAY);
      plot.setRangeGridlinePaint(Color.LIGHT_GRAY);
      XYLineAndShapeRenderer r = new XYLineAndShapeRenderer(true, false);
      for (int i = 0; i < data.getSeriesCount(); i++) {
        r.setSeriesStroke(i, new BasicStroke(1.6f));
      }
      plot.setRenderer(r);
      String file =
          p.title().toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9]+", "-").replaceAll("(^-|-$)", "")
              + ".png";
      Path out = outDir.resolve(file);
      ChartUtils.saveChartAsPNG(out.toFile(), chart, 900, 380);
      written.add(out);
    }
    return written;
  }

  /** Runs the example for a while under a private Prometheus, then renders the dashboard. */
  public static void main(String[] args) throws Exception {
    System.setProperty("java.awt.headless", "true");
    Path dashboard = Path.of(args.length > 0 ? args[0] : "examples/dashboards/elasticq.json");
    Path outDir = Path.of(args.length > 1 ? args[1] : "examples/dashboards/png");
    int seconds = args.length > 2 ? Integer.parseInt(args[2]) : 90;
    if (!Files.isReadable(dashboard)) {
      throw new IOException("cannot read the dashboard " + dashboard.toAbsolutePath());
    }
    Path work = Files.createTempDirectory("elasticq-snapshots");
    try (KamonExample example = KamonExample.start(0, work.resolve("example"));
        PrometheusServer prometheus =
            PrometheusServer.start(
                "127.0.0.1:" + example.port(), Duration.ofSeconds(1), work.resolve("prom"))) {
      System.out.println(
          "Example metrics at " + example.metricsUrl() + ", Prometheus on " + prometheus.port());
      prometheus.awaitScrapes(2, Duration.ofSeconds(60));
      Thread.sleep(seconds * 1000L);
      for (Path p : render(dashboard, outDir, prometheus, Duration.ofSeconds(seconds))) {
        System.out.println("wrote " + p);
      }
    }
  }
}
