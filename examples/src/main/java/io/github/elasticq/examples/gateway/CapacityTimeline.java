package io.github.elasticq.examples.gateway;

import io.github.elasticq.queue.QueueStats;
import java.awt.BasicStroke;
import java.awt.Color;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.jfree.chart.ChartFactory;
import org.jfree.chart.ChartUtils;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.plot.PlotOrientation;
import org.jfree.chart.plot.XYPlot;
import org.jfree.chart.renderer.xy.XYLineAndShapeRenderer;
import org.jfree.data.xy.XYSeries;
import org.jfree.data.xy.XYSeriesCollection;

/**
 * Depth and capacity of each processor's mailbox (all levels) over time, sampled by one thread;
 * read after sampling stopped.
 */
final class CapacityTimeline {

  private final XYSeries[] depth;
  private final XYSeries[] capacity;
  private final int[] initial;
  private final int[] peak;
  private final double[] peakAt;
  private final int[] lowAfterPeak;
  private final double[] lowAt;
  private final double[] lastAt;

  CapacityTimeline(int topics) {
    depth = new XYSeries[topics];
    capacity = new XYSeries[topics];
    initial = new int[topics];
    peak = new int[topics];
    peakAt = new double[topics];
    lowAfterPeak = new int[topics];
    lowAt = new double[topics];
    lastAt = new double[topics];
    for (int t = 0; t < topics; t++) {
      depth[t] = new XYSeries(Gateway.topicName(t) + " depth", true, true);
      capacity[t] = new XYSeries(Gateway.topicName(t) + " capacity", true, true);
      initial[t] = -1;
    }
  }

  /** Records one sample of topic {@code t}'s mailbox levels at {@code seconds}. Sampler only. */
  void sample(int t, double seconds, List<QueueStats> levels) {
    if (levels.isEmpty()) {
      return;
    }
    int size = 0;
    int cap = 0;
    for (QueueStats s : levels) {
      size += s.size();
      cap += s.capacity();
    }
    depth[t].add(seconds, size);
    capacity[t].add(seconds, cap);
    lastAt[t] = seconds;
    if (initial[t] < 0) {
      initial[t] = cap;
      lowAfterPeak[t] = cap;
    }
    if (cap > peak[t]) {
      peak[t] = cap;
      peakAt[t] = seconds;
      lowAfterPeak[t] = cap;
      lowAt[t] = seconds;
    } else if (cap < lowAfterPeak[t]) {
      lowAfterPeak[t] = cap;
      lowAt[t] = seconds;
    }
  }

  /** One line per topic: started at, grew to, shrank back to (or that it never grew). */
  List<String> describe() {
    List<String> lines = new ArrayList<>();
    for (int t = 0; t < depth.length; t++) {
      if (initial[t] < 0) {
        continue;
      }
      long depthPeak = (long) depth[t].getMaxY();
      if (peak[t] <= initial[t]) {
        // it never grew: saying "grew to" its starting capacity "at 0.0 s" would be false
        lines.add(
            String.format(
                Locale.ROOT,
                "processor-%s: capacity %d, never grew (depth peak %d)",
                Gateway.topicName(t),
                initial[t],
                depthPeak));
        continue;
      }
      String grew =
          String.format(
              Locale.ROOT,
              "processor-%s: capacity %d -> grew to %d (at %.1f s, depth peak %d)",
              Gateway.topicName(t),
              initial[t],
              peak[t],
              peakAt[t],
              depthPeak);
      // a burst near the end of the run can leave the capacity at its peak, or part of the way
      // down, when the sampling ends: "shrank back to" its peak was reported then
      String after;
      if (lowAfterPeak[t] >= peak[t]) {
        after =
            String.format(
                Locale.ROOT, " -> had not shrunk when the sampling ended (at %.1f s)", lastAt[t]);
      } else {
        after =
            String.format(
                Locale.ROOT,
                " -> shrank %s %d (at %.1f s)",
                lowAfterPeak[t] <= initial[t] ? "back to" : "to",
                lowAfterPeak[t],
                lowAt[t]);
      }
      lines.add(grew + after);
    }
    return lines;
  }

  int peak(int t) {
    return peak[t];
  }

  int lowAfterPeak(int t) {
    return lowAfterPeak[t];
  }

  /** Writes the chart: depth (solid) and capacity (dashed) of each processor's mailbox. */
  void writePng(Path file, String title) throws IOException {
    XYSeriesCollection data = new XYSeriesCollection();
    for (int t = 0; t < depth.length; t++) {
      data.addSeries(depth[t]);
      data.addSeries(capacity[t]);
    }
    JFreeChart chart =
        ChartFactory.createXYLineChart(
            title,
            "seconds",
            "messages (all QoS levels)",
            data,
            PlotOrientation.VERTICAL,
            true,
            false,
            false);
    XYPlot plot = chart.getXYPlot();
    plot.setBackgroundPaint(Color.WHITE);
    plot.setRangeGridlinePaint(Color.LIGHT_GRAY);
    plot.setDomainGridlinePaint(Color.LIGHT_GRAY);
    XYLineAndShapeRenderer renderer = new XYLineAndShapeRenderer(true, false);
    Color[] colors = {
      new Color(0x1f77b4), new Color(0xd62728), new Color(0x2ca02c), new Color(0x9467bd)
    };
    for (int t = 0; t < depth.length; t++) {
      Color c = colors[t % colors.length];
      renderer.setSeriesPaint(2 * t, c);
      renderer.setSeriesStroke(2 * t, new BasicStroke(1.5f));
      renderer.setSeriesPaint(2 * t + 1, c);
      renderer.setSeriesStroke(
          2 * t + 1,
          new BasicStroke(
              2.0f, BasicStroke.CAP_BUTT, BasicStroke.JOIN_MITER, 10f, new float[] {6f, 4f}, 0f));
    }
    plot.setRenderer(renderer);
    ChartUtils.saveChartAsPNG(file.toFile(), chart, 1100, 550);
  }
}
