package io.github.elasticq.bench.persistence;

import io.github.elasticq.bench.persistence.PersistenceBenchmark.Row;
import io.github.elasticq.bench.report.BarCharts;
import io.github.elasticq.bench.report.Target;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.jfree.data.category.DefaultCategoryDataset;

/**
 * PNG bar charts of a persistence run ({@link BarCharts}): per scenario, each journal's events/s
 * relative to the scenario's reference row (the JDBC/H2 peer, or the raw fsync loop for one actor),
 * and one chart of the targets (measured / goal, 1.0 = met).
 */
final class ResultCharts {
  private ResultCharts() {}

  /**
   * Writes the charts into {@code dir}.
   *
   * @return the file names written, in report order
   */
  static List<String> write(List<Row> rows, List<Target> targets, Path dir) throws IOException {
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
        if (r != reference && BarCharts.usable(r.eventsPerSecond())) {
          data.addValue(r.eventsPerSecond() / reference.eventsPerSecond(), "ratio", r.journal());
        }
      }
      if (data.getColumnCount() == 0) {
        continue;
      }
      String file = BarCharts.fileName(e.getKey()) + ".png";
      BarCharts.write(
          dir.resolve(file),
          e.getKey() + ": events/s relative to " + reference.journal(),
          "× " + reference.journal(),
          data);
      written.add(file);
    }
    if (BarCharts.writeTargets(
        dir.resolve("targets.png"), "issue 14 targets: measured / goal (1.0 = met)", targets)) {
      written.add("targets.png");
    }
    return written;
  }

  /** The peer that a scenario's ratios are taken against, or null if it has none. */
  private static Row reference(List<Row> rows) {
    Row jdbc = null;
    for (Row r : rows) {
      if (r.journal().equals("raw FileChannel.force loop")
          && BarCharts.usable(r.eventsPerSecond())) {
        return r;
      }
      if (r.journal().startsWith(Journal.JDBC_H2.label) && BarCharts.usable(r.eventsPerSecond())) {
        jdbc = r;
      }
    }
    return jdbc;
  }
}
