package io.github.elasticq.bench;

import io.github.elasticq.queue.ElasticBuffer;
import io.github.elasticq.queue.QueueStats;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;

/**
 * How often an {@link ElasticBuffer} resizes under {@link BlockingQueueBenchmark}'s timed workload
 * (2 producers and 2 consumers calling {@code offer}/{@code poll} with a 1 ms timeout on the same
 * constant element), printed as a markdown table: grows and shrinks per second and per 1 000
 * elements moved, and where the size was when sampled. Not a speed measurement (JMH is, in {@code
 * BlockingQueueBenchmark}); it says what the elastic sizing does under that load, for each
 * configuration of {@link Queues#mpmc} named.
 *
 * <p>Run: {@code java -cp bench/target/benchmarks.jar io.github.elasticq.bench.BufferResizeReport
 * [seconds [name...]]}: each configuration is warmed up for 2 s, then measured for {@code seconds}
 * (default 5); the names default to {@code ElasticBuffer ElasticBuffer+burstMemory
 * ElasticBuffer+fixed}.
 */
public final class BufferResizeReport {
  private static final Object ELEMENT = "element";
  private static final long WARMUP_NANOS = TimeUnit.SECONDS.toNanos(2);

  private BufferResizeReport() {}

  /**
   * Prints the table.
   *
   * @param args optional seconds, then optional configuration names
   * @throws InterruptedException if interrupted while measuring
   */
  public static void main(String[] args) throws InterruptedException {
    int seconds = args.length > 0 ? seconds(args[0]) : 5;
    if (seconds < 1) {
      throw new IllegalArgumentException("seconds must be >= 1, was " + seconds);
    }
    List<String> names = new ArrayList<>();
    for (int i = 1; i < args.length; i++) {
      names.add(args[i]);
    }
    if (names.isEmpty()) {
      names.addAll(
          List.of(
              Queues.ELASTIC_BUFFER,
              Queues.ELASTIC_BUFFER_BURST_MEMORY,
              Queues.ELASTIC_BUFFER_FIXED));
    }
    System.out.println(
        "| queue | elements moved | grows / s | shrinks / s | resizes per 1 000 elements |"
            + " size sampled: empty / below 1 024 / below max / at max | capacity at the end |");
    System.out.println("|---|---:|---:|---:|---:|---|---:|");
    for (String name : names) {
      System.out.println(measure(name, seconds).row());
    }
    System.out.println(
        "\n"
            + Runtime.getRuntime().availableProcessors()
            + " processors; 2 producers, 2 consumers.");
  }

  private static int seconds(String arg) {
    try {
      return Integer.parseInt(arg);
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("seconds must be a whole number, was '" + arg + "'", e);
    }
  }

  /** One configuration's figures over the measured seconds. */
  record Result(
      String name,
      long elements,
      double seconds,
      long grows,
      long shrinks,
      long[] sizes,
      int capacityAtEnd) {

    /** The table row. */
    String row() {
      return String.format(
          "| %s | %,d | %.0f | %.0f | %.3f | %d / %d / %d / %d | %,d |",
          name,
          elements,
          grows / seconds,
          shrinks / seconds,
          elements == 0 ? 0.0 : 1000.0 * (grows + shrinks) / elements,
          sizes[0],
          sizes[1],
          sizes[2],
          sizes[3],
          capacityAtEnd);
    }
  }

  /** Runs the workload on a new queue of configuration {@code name}: 2 s warm-up, then measures. */
  static Result measure(String name, int seconds) throws InterruptedException {
    BlockingQueue<Object> queue = Queues.mpmc(name);
    if (!(queue instanceof ElasticBuffer<Object> buffer)) {
      throw new IllegalArgumentException(name + " is not an ElasticBuffer configuration");
    }
    LongAdder moved = new LongAdder();
    List<Thread> threads = new ArrayList<>();
    for (String n : List.of("1", "2")) {
      threads.add(new Thread(() -> produce(queue), "producer-" + n));
      threads.add(new Thread(() -> consume(queue, moved), "consumer-" + n));
    }
    threads.forEach(Thread::start);
    try {
      Thread.sleep(TimeUnit.NANOSECONDS.toMillis(WARMUP_NANOS));
      QueueStats before = buffer.stats();
      long movedBefore = moved.sum();
      long[] sizes = new long[4];
      long start = System.nanoTime();
      long end = start + TimeUnit.SECONDS.toNanos(seconds);
      int max = buffer.config().heldAtMost();
      while (System.nanoTime() < end) {
        int size = buffer.size();
        sizes[size == 0 ? 0 : size < 1024 ? 1 : size < max ? 2 : 3]++;
        Thread.sleep(1);
      }
      double elapsed = (System.nanoTime() - start) / 1e9;
      QueueStats after = buffer.stats();
      long elements = moved.sum() - movedBefore;
      return new Result(
          name,
          elements,
          elapsed,
          after.grows() - before.grows(),
          after.shrinks() - before.shrinks(),
          sizes,
          after.capacity());
    } finally {
      threads.forEach(Thread::interrupt);
      for (Thread t : threads) {
        t.join();
      }
    }
  }

  private static void produce(BlockingQueue<Object> queue) {
    try {
      while (true) {
        queue.offer(ELEMENT, 1, TimeUnit.MILLISECONDS);
      }
    } catch (InterruptedException e) {
      // the measurement is over
    }
  }

  private static void consume(BlockingQueue<Object> queue, LongAdder moved) {
    try {
      while (true) {
        if (queue.poll(1, TimeUnit.MILLISECONDS) != null) {
          moved.increment();
        }
      }
    } catch (InterruptedException e) {
      // the measurement is over
    }
  }
}
