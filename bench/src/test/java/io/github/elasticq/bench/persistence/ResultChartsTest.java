package io.github.elasticq.bench.persistence;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.elasticq.bench.persistence.PersistenceBenchmark.Row;
import io.github.elasticq.bench.report.Target;
import java.awt.image.BufferedImage;
import java.nio.file.Path;
import java.util.List;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The persistence charts: one per scenario that has a reference row, and the targets. */
class ResultChartsTest {
  private static Row row(String scenario, String journal, double eventsPerSecond) {
    return new Row(scenario, journal, eventsPerSecond, Double.NaN, Double.NaN, Double.NaN, null);
  }

  @Test
  void write_chartsEveryScenarioWithAReferenceAndTheMeasuredTargets(@TempDir Path dir)
      throws Exception {
    String everyWrite = Journal.ELASTICQ_EVERY_WRITE.label;
    List<Row> rows =
        List.of(
            row("100 actors, persist", everyWrite, 5_000),
            row("100 actors, persist", Journal.JDBC_H2.label, 1_000),
            row("single actor, persist", everyWrite, 200),
            row("single actor, persist", "raw FileChannel.force loop", 250),
            row("no reference", everyWrite, 10));
    List<Target> targets =
        List.of(
            new Target("measured", 4.0, 5.0, "x", false),
            new Target("not run", Double.NaN, 1.0, "x", false));

    List<String> written = ResultCharts.write(rows, targets, dir);

    assertThat(written)
        .containsExactly("100-actors-persist.png", "single-actor-persist.png", "targets.png");
    for (String file : written) {
      BufferedImage image = ImageIO.read(dir.resolve(file).toFile());
      assertThat(image).as(file).isNotNull();
      assertThat(image.getWidth()).isEqualTo(1100);
    }
  }
}
