package io.github.elasticq.bench.persistence;

import io.github.elasticq.bench.persistence.PersistenceBenchmark.Row;
import io.github.elasticq.bench.persistence.PersistenceBenchmark.Target;
import java.awt.Color;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.jfree.chart.ChartFactory;
import org.jfree.chart.ChartUtils;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.plot.CategoryPlot;
import org.jfree.chart.plot.PlotOrientation;
import org.jfree.chart.plot.ValueMarker;
import org.jfree.data.category.DefaultCategoryDataset;

/**
 * PNG bar charts of a persistence run (JFreeChart, headless): per scenario, each journal's events/s
 * relative to the scenario's reference row (the JDBC/H2 peer, or the raw fsync loop for one actor),
 * and one chart of the targets (measured / goal, 1.0 = met). Ratios, not absolute figures: only
 * ratios from one run on a shared machine mean anything.
 */
final class ResultCharts {
  private static final int WIDTH = 1100;
  private static final int ROW_HEIGHT = 34;

  private ResultCharts() {}

  /**
   * Writes the charts into {@code dir}.
   *
   * @return the file names written, in report order
   */
  static List<String> write(List<Row> rows, List<Target> targets, Path dir) throws IOException {
    System.setProperty("java.awt.headless", "true");
    Files.createDirectories(dir);
    List<String> written = new ArrayList<>();
    Map<String, List<Row>> byScenario = new LinkedHashMap<>();
    for (Row r : rows) {
      byScenario.computeIfAbsent(r.scenario(), k -> new ArrayList<>()).add(r);
    }
    for (Map.Entry<String, List<Row>> e : byScenario.entrySet()) {
      Row reference = reference(e.getValue());
      if (reference == null) {
        continue;
      }
      DefaultCategoryDataset data = new DefaultCategoryDataset();
      for (Row r : e.getValue()) {
        if (r != reference && usable(r.eventsPerSecond())) {
          data.addValue(r.eventsPerSecond() / reference.eventsPerSecond(), "ratio", r.journal());
        }
      }
      if (data.getColumnCount() == 0) {
        continue;
      }
      String file = fileName(e.getKey()) + ".png";
      save(
          chart(
              e.getKey() + ": events/s relative to " + reference.journal(),
              "× " + reference.journal(),
              data),
          dir.resolve(file),
          data.getColumnCount());
      written.add(file);
    }
    DefaultCategoryDataset goals = new DefaultCategoryDataset();
    for (Target t : targets) {
      if (usable(t.value())) {
        goals.addValue(t.score(), "measured / goal", t.name());
      }
    }
    if (goals.getColumnCount() > 0) {
      save(
          chart("issue 14 targets: measured / goal (1.0 = met)", "measured / goal", goals),
          dir.resolve("targets.png"),
          goals.getColumnCount());
      written.add("targets.png");
    }
    return written;
  }

  /** The peer that a scenario's ratios are taken against, or null if it has none. */
  private static Row reference(List<Row> rows) {
    Row jdbc = null;
    for (Row r : rows) {
      if (r.journal().equals("raw FileChannel.force loop") && usable(r.eventsPerSecond())) {
        return r;
      }
      if (r.journal().startsWith(Journal.JDBC_H2.label) && usable(r.eventsPerSecond())) {
        jdbc = r;
      }
    }
    return jdbc;
  }

  private static boolean usable(double v) {
    return !Double.isNaN(v) && !Double.isInfinite(v) && v > 0;
  }

  private static JFreeChart chart(String title, String axis, DefaultCategoryDataset data) {
    JFreeChart chart =
        ChartFactory.createBarChart(
            title, null, axis, data, PlotOrientation.HORIZONTAL, false, false, false);
    chart.setBackgroundPaint(Color.WHITE);
    CategoryPlot plot = chart.getCategoryPlot();
    plot.setBackgroundPaint(Color.WHITE);
    plot.setRangeGridlinePaint(Color.LIGHT_GRAY);
    plot.getDomainAxis().setMaximumCategoryLabelWidthRatio(0.6f);
    plot.addRangeMarker(new ValueMarker(1.0, Color.RED, new java.awt.BasicStroke(1.5f)));
    plot.getRenderer().setSeriesPaint(0, new Color(0x33, 0x66, 0x99));
    return chart;
  }

  private static void save(JFreeChart chart, Path file, int bars) throws IOException {
    ChartUtils.saveChartAsPNG(file.toFile(), chart, WIDTH, 120 + bars * ROW_HEIGHT);
  }

  private static String fileName(String scenario) {
    return scenario.toLowerCase().replaceAll("[^a-z0-9]+", "-").replaceAll("(^-|-$)", "");
  }
}
