package io.github.elasticq.bench.report;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigParseOptions;
import com.typesafe.config.ConfigSyntax;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * The figures of one {@code BusyConsumerRace} run: every round's rate per queue, in the order the
 * queues ran, and where it ran. Written as JSON next to the race's markdown so that {@link
 * QueueReport} can read it back.
 *
 * @param elements elements per round
 * @param rounds rounds per queue (the warm-up round not included)
 * @param cores cores available to the race's JVM
 * @param loadBefore load averages before the first round
 * @param loadAfter load averages after the last round
 * @param jvm the race's JVM
 * @param rates elements per microsecond of each round, by queue, in run order
 */
public record RaceResult(
    long elements,
    int rounds,
    int cores,
    String loadBefore,
    String loadAfter,
    String jvm,
    Map<String, List<Double>> rates) {
  /** The queue the ratios are taken of. */
  public static final String OURS = "ElasticMpscQueue";

  /** The median rate of {@code queue}, NaN if it did not run. */
  public double median(String queue) {
    List<Double> r = rates.get(queue);
    return r == null || r.isEmpty() ? Double.NaN : median(r);
  }

  /** The median of {@code values} (the mean of the middle two for an even count). */
  public static double median(List<Double> values) {
    double[] v = values.stream().mapToDouble(Double::doubleValue).sorted().toArray();
    return v.length % 2 == 1 ? v[v.length / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
  }

  /** How the race ran, one sentence. */
  public String setup() {
    return String.format(
        Locale.ROOT,
        "%,d elements per round, median of %d alternating rounds, bound 1 M for every queue; %d"
            + " cores; load average before %s, after %s; %s.",
        elements,
        rounds,
        cores,
        loadBefore,
        loadAfter,
        jvm);
  }

  /** The table of medians, every round, and {@value #OURS} / each queue. */
  public String markdownTable() {
    StringBuilder b = new StringBuilder();
    b.append("| queue | median elements/µs | rounds | ").append(OURS).append(" / this |\n");
    b.append("|---|---:|---|---:|\n");
    double ours = median(OURS);
    for (Map.Entry<String, List<Double>> e : rates.entrySet()) {
      double m = median(e.getValue());
      String rs =
          e.getValue().stream()
              .map(v -> String.format(Locale.ROOT, "%.1f", v))
              .collect(Collectors.joining(", "));
      b.append(
          String.format(Locale.ROOT, "| %s | %.1f | %s | %.2fx |%n", e.getKey(), m, rs, ours / m));
    }
    return b.toString();
  }

  /** This result as JSON (read back by {@link #read}). */
  public String toJson() {
    StringBuilder b = new StringBuilder("{\n");
    b.append("  \"elements\": ").append(elements).append(",\n");
    b.append("  \"rounds\": ").append(rounds).append(",\n");
    b.append("  \"cores\": ").append(cores).append(",\n");
    b.append("  \"loadBefore\": ").append(quote(loadBefore)).append(",\n");
    b.append("  \"loadAfter\": ").append(quote(loadAfter)).append(",\n");
    b.append("  \"jvm\": ").append(quote(jvm)).append(",\n");
    b.append("  \"queues\": [\n");
    int i = 0;
    for (Map.Entry<String, List<Double>> e : rates.entrySet()) {
      b.append("    {\"name\": ")
          .append(quote(e.getKey()))
          .append(", \"rates\": [")
          .append(
              e.getValue().stream()
                  .map(v -> String.format(Locale.ROOT, "%.4f", v))
                  .collect(Collectors.joining(", ")))
          .append("]}")
          .append(++i < rates.size() ? ",\n" : "\n");
    }
    b.append("  ]\n}\n");
    return b.toString();
  }

  /** Reads a file written from {@link #toJson}. */
  public static RaceResult read(Path file) throws IOException {
    Config c =
        ConfigFactory.parseString(
            Files.readString(file), ConfigParseOptions.defaults().setSyntax(ConfigSyntax.JSON));
    Map<String, List<Double>> rates = new LinkedHashMap<>();
    for (Config q : c.getConfigList("queues")) {
      rates.put(q.getString("name"), q.getDoubleList("rates"));
    }
    return new RaceResult(
        c.getLong("elements"),
        c.getInt("rounds"),
        c.getInt("cores"),
        c.getString("loadBefore"),
        c.getString("loadAfter"),
        c.getString("jvm"),
        rates);
  }

  private static String quote(String s) {
    return '"' + s.replace("\\", "\\\\").replace("\"", "\\\"") + '"';
  }
}
