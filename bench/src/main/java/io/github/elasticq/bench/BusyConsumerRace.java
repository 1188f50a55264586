package io.github.elasticq.bench;

import io.github.elasticq.bench.report.CommandLine;
import io.github.elasticq.bench.report.Machine;
import io.github.elasticq.bench.report.RaceResult;
import io.github.elasticq.queue.ElasticMpscQueue;
import io.github.elasticq.queue.QueueConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.function.Supplier;
import org.agrona.concurrent.ManyToOneConcurrentArrayQueue;
import org.jctools.queues.MpscArrayQueue;
import org.jctools.queues.MpscChunkedArrayQueue;

/**
 * 1 -> 1 the way users compare queues: one producer thread offers N elements as fast as it can
 * (retrying a refused offer), one consumer thread busy-polls until it has taken N; no shared
 * flow-control counter (unlike {@code MpscThroughputBenchmark.p1c1}, whose consumer pays one opaque
 * store per element). Every queue is bounded at 1 M elements. Rounds alternate between the queues
 * and the median of each queue's rounds is reported, with the ratios of ElasticMpscQueue to every
 * peer from the same run.
 *
 * <pre>
 * java -cp bench/target/benchmarks.jar io.github.elasticq.bench.BusyConsumerRace \
 *   [elements=20000000] [rounds=5] [out=bench/results/busy-consumer.md]
 * </pre>
 *
 * With {@code out=X.md} the figures are also written to {@code X.json} ({@link RaceResult}), which
 * {@code QueueReport} reads back.
 *
 * <p>Not a JMH benchmark: one timed round is one transfer of N elements, start to last poll,
 * measured with {@code System.nanoTime} on the consumer; the JVM is warmed by a first unreported
 * round of every queue.
 */
public final class BusyConsumerRace {
  private static final Object ELEMENT = "element";
  private static final int MAX = 1 << 20;

  private BusyConsumerRace() {}

  static Map<String, Supplier<Queue<Object>>> queues() {
    Map<String, Supplier<Queue<Object>>> q = new LinkedHashMap<>();
    QueueConfig elastic =
        QueueConfig.builder().initialCapacity(1024).minCapacity(1024).maxCapacity(MAX).build();
    q.put("ElasticMpscQueue", () -> new ElasticMpscQueue<>(elastic));
    q.put("MpscChunkedArrayQueue", () -> new MpscChunkedArrayQueue<>(1024, MAX));
    q.put("MpscArrayQueue", () -> new MpscArrayQueue<>(MAX));
    q.put("ConcurrentLinkedQueue", ConcurrentLinkedQueue::new);
    q.put("ManyToOneConcurrentArrayQueue", () -> new ManyToOneConcurrentArrayQueue<>(MAX));
    return q;
  }

  /** One transfer of {@code n} elements; returns elements per microsecond. */
  static double round(Queue<Object> q, long n) throws InterruptedException {
    Thread producer =
        new Thread(
            () -> {
              for (long i = 0; i < n; i++) {
                while (!q.offer(ELEMENT)) {
                  Thread.onSpinWait();
                }
              }
            },
            "race-producer");
    long start = System.nanoTime();
    producer.start();
    long taken = 0;
    while (taken < n) {
      if (q.poll() != null) {
        taken++;
      }
    }
    long elapsed = System.nanoTime() - start;
    producer.join();
    return n / (elapsed / 1_000.0);
  }

  /**
   * Runs the race.
   *
   * @param args {@code elements=N rounds=R out=FILE}
   * @throws Exception if a round is interrupted or the output cannot be written
   */
  public static void main(String[] args) throws Exception {
    CommandLine options = CommandLine.parseOptions(args, List.of("elements", "rounds", "out"));
    long n = options.count("elements", 20_000_000);
    int rounds = options.intCount("rounds", 5);
    String out = options.get("out");
    Map<String, Supplier<Queue<Object>>> queues = queues();
    Map<String, List<Double>> results = new LinkedHashMap<>();
    for (Map.Entry<String, Supplier<Queue<Object>>> e : queues.entrySet()) {
      round(e.getValue().get(), Math.min(n, 2_000_000)); // warm-up, not reported
      results.put(e.getKey(), new ArrayList<>());
    }
    String load0 = Machine.loadAverage();
    for (int r = 0; r < rounds; r++) {
      for (Map.Entry<String, Supplier<Queue<Object>>> e : queues.entrySet()) {
        double rate = round(e.getValue().get(), n);
        results.get(e.getKey()).add(rate);
        System.out.printf(Locale.ROOT, "round %d %-30s %8.1f elements/us%n", r, e.getKey(), rate);
      }
    }
    RaceResult result =
        new RaceResult(
            n, rounds, Machine.cores(), load0, Machine.loadAverage(), Machine.jvm(), results);
    String report =
        "# 1 -> 1 with a busy-polling consumer (no flow-control counter)\n\n"
            + result.setup()
            + "\n\n"
            + result.markdownTable();
    System.out.println(report);
    if (out != null) {
      Path md = Path.of(out);
      Files.writeString(md, report);
      String name = md.getFileName().toString();
      Path json =
          md.resolveSibling(
              (name.endsWith(".md") ? name.substring(0, name.length() - 3) : name) + ".json");
      Files.writeString(json, result.toJson());
      System.out.println("written to " + md + " and " + json);
    }
  }
}
