package io.github.elasticq.queue;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Several producers push unique values through a queue that is forced to grow and shrink all the
 * time (min 2, max 64, shrink decided on every consumer operation) while the consumer races the
 * resizes. Every value must arrive exactly once and in per-producer order.
 */
class ElasticMpscQueueStressTest {

  @ParameterizedTest(name = "producers={0} perProducer={1} offset={2}")
  @CsvSource({"4, 50000, 0", "3, 40000, 4294967000", "2, 40000, 0"})
  @Timeout(300)
  void everyValueExactlyOnce_perProducerFifo_acrossResizes(
      int producers, int perProducer, long offset) throws Exception {
    QueueConfig config =
        QueueConfig.builder()
            .initialCapacity(2)
            .minCapacity(2)
            .maxCapacity(64)
            .growthFactor(2.0)
            .shrinkThreshold(0.25)
            .build();
    ElasticMpscQueue<Long> q = new ElasticMpscQueue<>(config, offset, 1, 2);
    CountDownLatch start = new CountDownLatch(1);
    AtomicLong rejected = new AtomicLong();
    List<Thread> threads = new ArrayList<>();
    for (int p = 0; p < producers; p++) {
      final long producer = p;
      Thread t =
          new Thread(
              () -> {
                SplittableRandom random = new SplittableRandom(producer);
                awaitQuietly(start);
                for (long seq = 0; seq < perProducer; seq++) {
                  Long value = (producer << 32) | seq;
                  while (!q.offer(value)) {
                    rejected.incrementAndGet();
                    Thread.yield(); // full at max: give the consumer the core (2-core CI)
                  }
                  if (random.nextInt(64) == 0) {
                    Thread.yield(); // bursty producers make the occupancy swing
                  }
                }
              },
              "producer-" + p);
      t.start();
      threads.add(t);
    }
    long[] nextSeq = new long[producers];
    long received = 0;
    long total = (long) producers * perProducer;
    int maxSizeSeen = 0;
    SplittableRandom consumerRandom = new SplittableRandom(42);
    start.countDown();
    while (received < total) {
      maxSizeSeen = Math.max(maxSizeSeen, q.size());
      Long v = q.poll();
      if (v == null) {
        Thread.yield();
        continue;
      }
      int producer = (int) (v >>> 32);
      long seq = v & 0xffffffffL;
      assertThat(seq).as("producer %d order", producer).isEqualTo(nextSeq[producer]);
      nextSeq[producer]++;
      received++;
      if (consumerRandom.nextInt(512) == 0) {
        Thread.sleep(0, 50_000); // let the queue fill to max now and then
      }
    }
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
    assertThat(maxSizeSeen).isLessThanOrEqualTo(64);
    assertThat(stats.grows()).as("grows").isPositive();
    assertThat(stats.shrinks()).as("shrinks").isPositive();
    assertThat(stats.rejected()).isEqualTo(rejected.get());
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
