package io.github.elasticq.bench.report;

import java.awt.BasicStroke;
import java.awt.Color;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import org.jfree.chart.ChartFactory;
import org.jfree.chart.ChartUtils;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.annotations.CategoryLineAnnotation;
import org.jfree.chart.plot.CategoryPlot;
import org.jfree.chart.plot.PlotOrientation;
import org.jfree.chart.plot.ValueMarker;
import org.jfree.data.category.DefaultCategoryDataset;

/**
 * Horizontal PNG bar charts of ratios (JFreeChart, headless), with a red line at 1.0: ours / peer
 * (above 1.0 we are faster) or measured / goal (1.0 = met); or, for paired rounds, median ratios
 * with their intervals and a red line at the goal. Ratios, not absolute figures: only ratios from
 * one run on a shared machine mean anything.
 */
public final class BarCharts {
  private static final int WIDTH = 1100;
  private static final int BAR_HEIGHT = 34;
  private static final Color[] SERIES = {
    new Color(0x33, 0x66, 0x99), new Color(0xE6, 0x8A, 0x00), new Color(0x4D, 0x99, 0x4D)
  };

  private BarCharts() {}

  /**
   * Writes one chart: a bar per column of {@code data}, one colour per row (series); a legend when
   * there is more than one series.
   */
  public static void write(Path file, String title, String axis, DefaultCategoryDataset data)
      throws IOException {
    JFreeChart chart = barChart(title, axis, data, 1.0);
    save(file, chart, data.getColumnCount() * data.getRowCount(), data.getRowCount() > 1);
  }

  /**
   * One bar with the interval around it, for {@link #writeWithIntervals}.
   *
   * @param label the bar's category
   * @param value the bar's length (a median)
   * @param low lower end of the interval drawn over the bar
   * @param high upper end of the interval
   */
  public record IntervalBar(String label, double value, double low, double high) {}

  /**
   * Writes a chart of one bar per {@code bars} element with its interval drawn across it as a black
   * line, and a red line at {@code marker} (the goal). The axis reaches past the highest interval.
   */
  public static void writeWithIntervals(
      Path file, String title, String axis, List<IntervalBar> bars, double marker)
      throws IOException {
    DefaultCategoryDataset data = new DefaultCategoryDataset();
    double top = marker;
    for (IntervalBar b : bars) {
      data.addValue(b.value(), axis, b.label());
      top = Math.max(top, Math.max(b.value(), b.high()));
    }
    JFreeChart chart = barChart(title, axis, data, marker);
    CategoryPlot plot = chart.getCategoryPlot();
    for (IntervalBar b : bars) {
      plot.addAnnotation(
          new CategoryLineAnnotation(
              b.label(), b.low(), b.label(), b.high(), Color.BLACK, new BasicStroke(3f)));
    }
    plot.getRangeAxis().setRange(0, top * 1.08);
    save(file, chart, bars.size(), false);
  }

  private static JFreeChart barChart(
      String title, String axis, DefaultCategoryDataset data, double marker) {
    System.setProperty("java.awt.headless", "true");
    boolean legend = data.getRowCount() > 1;
    JFreeChart chart =
        ChartFactory.createBarChart(
            title, null, axis, data, PlotOrientation.HORIZONTAL, legend, false, false);
    chart.setBackgroundPaint(Color.WHITE);
    CategoryPlot plot = chart.getCategoryPlot();
    plot.setBackgroundPaint(Color.WHITE);
    plot.setRangeGridlinePaint(Color.LIGHT_GRAY);
    plot.getDomainAxis().setMaximumCategoryLabelWidthRatio(0.6f);
    plot.getDomainAxis().setMaximumCategoryLabelLines(2);
    plot.addRangeMarker(new ValueMarker(marker, Color.RED, new BasicStroke(1.5f)));
    for (int i = 0; i < data.getRowCount(); i++) {
      plot.getRenderer().setSeriesPaint(i, SERIES[i % SERIES.length]);
    }
    return chart;
  }

  private static void save(Path file, JFreeChart chart, int bars, boolean legend)
      throws IOException {
    if (file.getParent() != null) {
      Files.createDirectories(file.getParent());
    }
    ChartUtils.saveChartAsPNG(
        file.toFile(), chart, WIDTH, 120 + (legend ? 30 : 0) + bars * BAR_HEIGHT);
  }

  /**
   * Writes the chart of measured / goal (1.0 = met) of the measured targets.
   *
   * @return false, and no file, if no target was measured
   */
  public static boolean writeTargets(Path file, String title, List<Target> targets)
      throws IOException {
    DefaultCategoryDataset goals = new DefaultCategoryDataset();
    for (Target t : targets) {
      if (usable(t.value())) {
        goals.addValue(t.score(), "measured / goal", t.name());
      }
    }
    if (goals.getColumnCount() == 0) {
      return false;
    }
    write(file, title, "measured / goal", goals);
    return true;
  }

  /** A finite positive figure: one a ratio can be taken of. */
  public static boolean usable(double v) {
    return !Double.isNaN(v) && !Double.isInfinite(v) && v > 0;
  }

  /** A file name (without extension) for a chart about {@code subject}. */
  public static String fileName(String subject) {
    return subject.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9]+", "-").replaceAll("(^-|-$)", "");
  }
}
