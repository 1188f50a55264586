package io.github.elasticq.examples;

import io.github.elasticq.queue.ElasticMpscQueue;
import io.github.elasticq.queue.QueueConfig;
import io.github.elasticq.queue.QueueStats;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * The first demo: several producer threads fire bursts of messages into one {@link
 * ElasticMpscQueue} while a slower consumer drains it. A live line every 100 ms shows the capacity
 * growing under each burst and shrinking back when the queue is idle; a final summary checks that
 * every message arrived exactly once and in per-producer order.
 */
public final class BurstDemo {

  /** Outcome of one run; the test asserts on it. */
  public record Summary(
      long sent,
      long received,
      long lost,
      long duplicatesOrReordered,
      long retriesAtMax,
      QueueStats stats,
      int peakCapacity,
      int finalCapacity) {}

  private final int producers;
  private final int bursts;
  private final int messagesPerBurst;
  private final QueueConfig config;
  private final PrintStream out;

  /**
   * Creates a demo run.
   *
   * @param producers producer threads
   * @param bursts bursts per producer
   * @param messagesPerBurst messages per producer per burst
   * @param config queue sizing
   * @param out where the live view goes
   */
  public BurstDemo(
      int producers, int bursts, int messagesPerBurst, QueueConfig config, PrintStream out) {
    this.producers = producers;
    this.bursts = bursts;
    this.messagesPerBurst = messagesPerBurst;
    this.config = config;
    this.out = out;
  }

  /** Runs the demo: {@code ./mvnw -q -pl examples -am verify -Pdemo -DskipTests}. */
  public static void main(String[] args) throws InterruptedException {
    QueueConfig config =
        QueueConfig.builder()
            .initialCapacity(16)
            .minCapacity(16)
            .maxCapacity(65536)
            .growthFactor(2.0)
            .shrinkThreshold(0.25)
            .build();
    Summary s = new BurstDemo(4, 3, 40_000, config, System.out).run();
    if (s.lost() != 0 || s.duplicatesOrReordered() != 0) {
      throw new IllegalStateException("demo lost or reordered messages: " + s);
    }
  }

  /**
   * Runs producers, consumer and the live view until every message is consumed.
   *
   * @return the summary, also printed
   */
  public Summary run() throws InterruptedException {
    ElasticMpscQueue<Long> queue = new ElasticMpscQueue<>(config);
    long total = (long) producers * bursts * messagesPerBurst;
    AtomicLong retries = new AtomicLong();
    AtomicBoolean consuming = new AtomicBoolean(true);
    CountDownLatch burstGate = new CountDownLatch(1);
    List<Thread> threads = new ArrayList<>();
    out.printf(
        Locale.ROOT,
        "ElasticQ burst demo: %d producers x %d bursts x %,d messages, queue %s%n",
        producers,
        bursts,
        messagesPerBurst,
        config);
    for (int p = 0; p < producers; p++) {
      final long producer = p;
      Thread t =
          new Thread(
              () -> produce(queue, producer, burstGate, retries), "demo-producer-" + producer);
      threads.add(t);
      t.start();
    }
    long[] nextSeq = new long[producers];
    AtomicLong received = new AtomicLong();
    AtomicLong disorder = new AtomicLong();
    Thread consumer =
        new Thread(
            () -> {
              while (consuming.get() || !queue.isEmpty()) {
                queue.drain(
                    v -> {
                      int producer = (int) (v >>> 40);
                      long seq = v & ((1L << 40) - 1);
                      if (seq != nextSeq[producer]) {
                        disorder.incrementAndGet();
                      }
                      nextSeq[producer] = seq + 1;
                      received.incrementAndGet();
                    },
                    256);
                // drain ends with a poll that finds the queue empty: that is the occupancy sample
                // that lets an idle queue shrink back, so the idle loop needs nothing else.
                // A deliberately slower consumer, so that bursts pile up.
                LockSupport.parkNanos(TimeUnit.MICROSECONDS.toNanos(200));
              }
            },
            "demo-consumer");
    consumer.start();
    burstGate.countDown();
    int peakCapacity = queue.capacity();
    long start = System.nanoTime();
    long lastReceived = -1;
    long lastProgress = System.nanoTime();
    while (received.get() < total) {
      Thread.sleep(100);
      if (received.get() != lastReceived) {
        lastReceived = received.get();
        lastProgress = System.nanoTime();
      } else if (System.nanoTime() - lastProgress > TimeUnit.SECONDS.toNanos(10)) {
        break; // no progress for 10 s: report the missing messages instead of waiting forever
      }
      QueueStats s = queue.stats();
      peakCapacity = Math.max(peakCapacity, s.capacity());
      printLine(s, (System.nanoTime() - start) / 1_000_000, received.get(), total);
    }
    for (Thread t : threads) {
      t.join();
    }
    // Idle phase: the consumer keeps polling an empty queue; capacity returns to min.
    for (int i = 0; i < 5; i++) {
      Thread.sleep(100);
      printLine(queue.stats(), (System.nanoTime() - start) / 1_000_000, received.get(), total);
    }
    consuming.set(false);
    consumer.join();
    QueueStats stats = queue.stats();
    long lost = total - received.get();
    Summary summary =
        new Summary(
            total,
            received.get(),
            lost,
            disorder.get(),
            retries.get(),
            stats,
            Math.max(peakCapacity, stats.peakSize()),
            stats.capacity());
    out.printf(
        Locale.ROOT,
        "%nSummary: messages=%,d received=%,d lost=%d duplicates/reordered=%d grows=%d shrinks=%d"
            + " peak capacity=%,d final capacity=%d allocated slots=%d offers retried at max=%,d%n",
        summary.sent(),
        summary.received(),
        summary.lost(),
        summary.duplicatesOrReordered(),
        stats.grows(),
        stats.shrinks(),
        summary.peakCapacity(),
        summary.finalCapacity(),
        stats.allocatedSlots(),
        summary.retriesAtMax());
    return summary;
  }

  private void produce(
      ElasticMpscQueue<Long> queue, long producer, CountDownLatch gate, AtomicLong retries) {
    try {
      gate.await();
      long seq = 0;
      for (int burst = 0; burst < bursts; burst++) {
        for (int i = 0; i < messagesPerBurst; i++) {
          long value = (producer << 40) | seq++;
          while (!queue.offer(value)) {
            retries.incrementAndGet(); // full at max: back off, never drop
            LockSupport.parkNanos(50_000);
          }
        }
        Thread.sleep(700); // quiet period between bursts: watch the queue shrink
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private void printLine(QueueStats s, long millis, long received, long total) {
    int width = 40;
    int bar = (int) Math.round(width * Math.log(s.capacity()) / Math.log(config.maxCapacity()));
    out.printf(
        Locale.ROOT,
        "t=%5dms size=%6d capacity=%6d [%-40s] grows=%3d shrinks=%3d received=%,d/%,d%n",
        millis,
        s.size(),
        s.capacity(),
        "#".repeat(Math.max(0, Math.min(width, bar))),
        s.grows(),
        s.shrinks(),
        received,
        total);
  }
}
