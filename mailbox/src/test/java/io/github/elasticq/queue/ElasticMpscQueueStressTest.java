package io.github.elasticq.queue;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Several producers push unique values through a queue that is forced to grow and shrink all the
 * time (min 2, max 64, shrink decided on every consumer operation) while the consumer races the
 * resizes. Every value must arrive exactly once and in per-producer order. The consumer runs under
 * a {@link StallWatchdog}: a lost publication fails the test within seconds, naming the counts.
 */
class ElasticMpscQueueStressTest {

  @ParameterizedTest(name = "producers={0} perProducer={1} offset={2}")
  @CsvSource({"4, 50000, 0", "3, 40000, 4294967000", "2, 40000, 0"})
  @Timeout(value = 300, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
  void everyValueExactlyOnce_perProducerFifo_acrossResizes(
      int producers, int perProducer, long offset) throws Exception {
    ElasticMpscQueue<Long> q = new ElasticMpscQueue<>(CONFIG, offset, 1, 2);
    QueueStats stats = run(q, producers, perProducer, STALL_LIMIT);
    assertThat(stats.grows()).as("grows").isPositive();
    assertThat(stats.shrinks()).as("shrinks").isPositive();
  }

  /** Min 2, max 64: the queue grows and shrinks all the time. */
  static final QueueConfig CONFIG =
      QueueConfig.builder()
          .initialCapacity(2)
          .minCapacity(2)
          .maxCapacity(64)
          .growthFactor(2.0)
          .shrinkThreshold(0.25)
          .build();

  /** A consumer that sees no element at all for this long is stuck, not slow. */
  static final Duration STALL_LIMIT = Duration.ofSeconds(10);

  /**
   * Runs the scenario on {@code q} (configured as {@link #CONFIG}); the consumer runs under a
   * {@link StallWatchdog}, so a lost publication fails within {@code stallLimit} instead of
   * spinning forever. Returns the final stats after checking every count.
   */
  static QueueStats run(
      AbstractElasticMpscQueue<Long> q, int producers, int perProducer, Duration stallLimit)
      throws Exception {
    CountDownLatch start = new CountDownLatch(1);
    AtomicBoolean abort = new AtomicBoolean();
    AtomicLong rejected = new AtomicLong();
    AtomicLong[] offered = new AtomicLong[producers];
    List<Thread> threads = new ArrayList<>();
    for (int p = 0; p < producers; p++) {
      final long producer = p;
      AtomicLong mine = offered[p] = new AtomicLong();
      Thread t =
          new Thread(
              () -> {
                SplittableRandom random = new SplittableRandom(producer);
                awaitQuietly(start);
                for (long seq = 0; seq < perProducer && !abort.get(); seq++) {
                  Long value = (producer << 32) | seq;
                  while (!q.offer(value)) {
                    rejected.incrementAndGet();
                    if (abort.get()) {
                      return;
                    }
                    Thread.yield(); // full at max: give the consumer the core (2-core CI)
                  }
                  mine.set(seq + 1);
                  if (random.nextInt(64) == 0) {
                    Thread.yield(); // bursty producers make the occupancy swing
                  }
                }
              },
              "producer-" + p);
      t.setDaemon(true);
      t.start();
      threads.add(t);
    }
    long[] nextSeq = new long[producers];
    AtomicLong received = new AtomicLong();
    long total = (long) producers * perProducer;
    int[] maxSizeSeen = new int[1];
    start.countDown();
    StallWatchdog.run(
        "ElasticMpscQueue stress",
        stallLimit,
        abort,
        received::get,
        () -> {
          StringBuilder b = new StringBuilder("queue ").append(q.stats()).append(", offered");
          for (AtomicLong o : offered) {
            b.append(' ').append(o.get());
          }
          return b.append(", next expected per producer ")
              .append(Arrays.toString(nextSeq))
              .toString();
        },
        () -> {
          SplittableRandom consumerRandom = new SplittableRandom(42);
          while (received.get() < total) {
            maxSizeSeen[0] = Math.max(maxSizeSeen[0], q.size());
            Long v = q.poll();
            if (v == null) {
              Thread.yield();
              continue;
            }
            int producer = (int) (v >>> 32);
            long seq = v & 0xffffffffL;
            assertThat(seq).as("producer %d order", producer).isEqualTo(nextSeq[producer]);
            nextSeq[producer]++;
            received.incrementAndGet();
            if (consumerRandom.nextInt(512) == 0) {
              Thread.sleep(0, 50_000); // let the queue fill to max now and then
            }
          }
        });
    for (Thread t : threads) {
      t.join();
    }
    assertThat(q.poll()).as("nothing left over, nothing duplicated").isNull();
    for (int p = 0; p < producers; p++) {
      assertThat(nextSeq[p]).isEqualTo(perProducer);
    }
    QueueStats stats = q.stats();
    assertThat(stats.enqueued()).isEqualTo(total);
    assertThat(stats.dequeued()).isEqualTo(total);
    assertThat(maxSizeSeen[0]).isLessThanOrEqualTo(64);
    assertThat(stats.rejected()).isEqualTo(rejected.get());
    return stats;
  }

  private static void awaitQuietly(CountDownLatch latch) {
    try {
      latch.await();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }
}
