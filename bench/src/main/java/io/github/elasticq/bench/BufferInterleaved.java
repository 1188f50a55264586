package io.github.elasticq.bench;

import io.github.elasticq.streams.javadsl.ElasticFlow;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.pekko.NotUsed;
import org.apache.pekko.actor.ActorSystem;
import org.apache.pekko.stream.OverflowStrategy;
import org.apache.pekko.stream.javadsl.Flow;
import org.apache.pekko.stream.javadsl.Sink;
import org.apache.pekko.stream.javadsl.Source;

/**
 * {@link StreamsBenchmark#bufferThroughGraph}'s graph ({@code Source.range(1, 100000) -> buffer ->
 * async -> Sink.ignore}), with the buffers interleaved in one JVM: each round materializes the
 * graph once per buffer, in rotating order, and records wall time and process CPU time per
 * materialization. On a 2-core machine the default dispatcher (8 fork-join threads) flips between a
 * fast and a slow state (about 3x apart) that lasts for many materializations and that a JMH fork
 * may sit in for its whole run; in one JVM with interleaved rounds every buffer sees the same
 * states, so the per-buffer medians compare the buffers and the slow counts show the state.
 *
 * <p>Run: {@code java -Xms1g -Xmx1g -cp bench/target/benchmarks.jar
 * io.github.elasticq.bench.BufferInterleaved 400 out.md} (rounds, optional output file; the first
 * fifth of the rounds is warm-up and not reported). Up to commit 25d3853 it also ran the stage the
 * ring replaced (results in bench/results/streams.md).
 */
public final class BufferInterleaved {

  /** A materialization slower than this is counted in the slow state (fast ones take ~25 ms). */
  static final double SLOW_MS = 45.0;

  private BufferInterleaved() {}

  public static void main(String[] args) throws Exception {
    int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 400;
    Map<String, Flow<Integer, Integer, NotUsed>> buffers = new LinkedHashMap<>();
    buffers.put("ElasticFlow.buffer", ElasticFlow.buffer(StreamsBenchmark.config(1024, 65536)));
    buffers.put(
        ".buffer(n,backpressure)",
        Flow.<Integer>create().buffer(65536, OverflowStrategy.backpressure()));
    List<String> names = new ArrayList<>(buffers.keySet());
    int n = names.size();
    double[][] wallMs = new double[n][rounds];
    double[][] cpuMs = new double[n][rounds];
    com.sun.management.OperatingSystemMXBean os =
        (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
    ActorSystem system = StreamsBenchmark.newSystem();
    try {
      for (int r = 0; r < rounds; r++) {
        for (int k = 0; k < n; k++) {
          int i = (r + k) % n;
          long cpu0 = os.getProcessCpuTime();
          long t0 = System.nanoTime();
          Source.range(1, StreamsBenchmark.ELEMENTS)
              .via(buffers.get(names.get(i)))
              .async()
              .runWith(Sink.ignore(), system)
              .toCompletableFuture()
              .join();
          wallMs[i][r] = (System.nanoTime() - t0) / 1e6;
          cpuMs[i][r] = (os.getProcessCpuTime() - cpu0) / 1e6;
        }
      }
    } finally {
      StreamsBenchmark.terminate(system);
    }
    int skip = rounds / 5;
    StringBuilder out = new StringBuilder();
    out.append(
        String.format(
            Locale.ROOT,
            "%d rounds (first %d not reported), %d elements per materialization%n%n",
            rounds,
            skip,
            StreamsBenchmark.ELEMENTS));
    out.append(
        "| buffer | median ms | ops/µs at median | p10 ms | p90 ms | slow (> 45 ms) | CPU ms per"
            + " fast run |\n|---|---:|---:|---:|---:|---:|---:|\n");
    for (int i = 0; i < n; i++) {
      double[] wall = Arrays.copyOfRange(wallMs[i], skip, rounds);
      double[] cpu = Arrays.copyOfRange(cpuMs[i], skip, rounds);
      double[] sorted = wall.clone();
      Arrays.sort(sorted);
      int slow = 0;
      double fastCpu = 0;
      for (int j = 0; j < wall.length; j++) {
        if (wall[j] > SLOW_MS) {
          slow++;
        } else {
          fastCpu += cpu[j];
        }
      }
      double median = sorted[sorted.length / 2];
      out.append(
          String.format(
              Locale.ROOT,
              "| %s | %.1f | %.2f | %.1f | %.1f | %d of %d | %.1f |%n",
              names.get(i),
              median,
              StreamsBenchmark.ELEMENTS / (median * 1000),
              sorted[sorted.length / 10],
              sorted[sorted.length * 9 / 10],
              slow,
              wall.length,
              slow == wall.length ? 0 : fastCpu / (wall.length - slow)));
    }
    System.out.print(out);
    if (args.length > 1) {
      Files.writeString(Path.of(args[1]), out.toString(), StandardCharsets.UTF_8);
    }
  }
}
