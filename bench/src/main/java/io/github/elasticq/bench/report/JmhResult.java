package io.github.elasticq.bench.report;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigObject;
import com.typesafe.config.ConfigParseOptions;
import com.typesafe.config.ConfigSyntax;
import com.typesafe.config.ConfigValue;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * One row of a JMH JSON result file ({@code -rf json}). Group benchmarks with a {@code polled}
 * counter (elements that reached a consumer) report that counter, not JMH's sum over the group's
 * methods.
 *
 * @param benchmark the simple class name and the method or group, e.g. {@code
 *     MpscThroughputBenchmark.p1c1}
 * @param params the {@code @Param} values, by name
 * @param score the score (or the {@code polled} counter)
 * @param error half the 99.9 % confidence interval; NaN with too few iterations
 * @param unit the score's unit, e.g. {@code ops/us}
 * @param polled whether the score is the {@code polled} counter
 * @param threads benchmark threads (the group's total for a group)
 * @param setup forks, warm-up and measurement iterations, as one phrase
 * @param vm the forked JVM's name and version
 * @param jvmArgs the forked JVM's arguments
 */
public record JmhResult(
    String benchmark,
    Map<String, String> params,
    double score,
    double error,
    String unit,
    boolean polled,
    int threads,
    String setup,
    String vm,
    List<String> jvmArgs) {
  /** The counter that group benchmarks report as their throughput. */
  static final String POLLED = "polled";

  /** Reads every row of a JMH JSON result file. */
  public static List<JmhResult> read(Path file) throws IOException {
    // Typesafe Config (on Pekko's class path) reads JSON, but wants an object at the root.
    Config root =
        ConfigFactory.parseString(
            "{\"results\": " + Files.readString(file) + "}",
            ConfigParseOptions.defaults().setSyntax(ConfigSyntax.JSON));
    List<JmhResult> rows = new ArrayList<>();
    for (Config c : root.getConfigList("results")) {
      rows.add(parse(c));
    }
    return rows;
  }

  private static JmhResult parse(Config c) {
    String name = c.getString("benchmark");
    String[] parts = name.split("\\.");
    String benchmark =
        parts.length >= 2 ? parts[parts.length - 2] + "." + parts[parts.length - 1] : name;
    Map<String, String> params = new TreeMap<>();
    if (c.hasPath("params")) {
      for (Map.Entry<String, ConfigValue> p : c.getObject("params").entrySet()) {
        params.put(p.getKey(), String.valueOf(p.getValue().unwrapped()));
      }
    }
    Config metric = c.getConfig("primaryMetric");
    boolean polled = false;
    if (c.hasPath("secondaryMetrics")) {
      // Looked up as a map key: other counters' names (-prof gc) contain dots.
      ConfigObject secondary = c.getObject("secondaryMetrics");
      if (secondary.get(POLLED) instanceof ConfigObject counter) {
        metric = counter.toConfig();
        polled = true;
      }
    }
    String setup =
        String.format(
            "forks %d, warm-up %d × %s, measurement %d × %s",
            c.getInt("forks"),
            c.getInt("warmupIterations"),
            c.getString("warmupTime"),
            c.getInt("measurementIterations"),
            c.getString("measurementTime"));
    return new JmhResult(
        benchmark,
        params,
        metric.getDouble("score"),
        metric.getDouble("scoreError"),
        metric.getString("scoreUnit"),
        polled,
        c.getInt("threads"),
        setup,
        c.getString("vmName") + " " + c.getString("vmVersion"),
        c.hasPath("jvmArgs") ? c.getStringList("jvmArgs") : List.of());
  }
}
