package io.github.elasticq.queue;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The peak counters of both layouts: {@code stats().peakSize()} (all time) and {@code
 * takePeakWindow()} (since the previous take, for a metrics poller, which Kamon and the management
 * endpoint use). Taking windows must never lower the all-time peak, not even while takes race
 * offers and stats reads. Proven able to fail (when the peaks were two fields): a peak update that
 * raised the window but returned before it raised the all-time peak failed the racing test at once
 * ({@code all-time peak 4220 < window 4240}), as did a take that reset the window before the
 * all-time peak held its value. Raising both, but the window first, opened a gap of a few
 * instructions that this test caught once in four clean-clone CI runs; the peaks are one word now,
 * and {@code PeakWindowLincheckTest} catches that two-step raise, planted, in every run.
 */
class PeakWindowTest {

  private static final QueueConfig CONFIG =
      QueueConfig.builder()
          .initialCapacity(16)
          .minCapacity(16)
          .maxCapacity(1 << 20) // above every element the racing test offers
          .growthFactor(2.0)
          .shrinkThreshold(0.25)
          .build();

  private static Supplier<AbstractElasticMpscQueue<Integer>> factory(String layout) {
    return switch (layout) {
      case "padded" -> () -> new ElasticMpscQueue<>(CONFIG);
      case "compact" -> () -> new CompactElasticMpscQueue<>(CONFIG);
      default -> throw new IllegalArgumentException(layout);
    };
  }

  @ParameterizedTest
  @ValueSource(strings = {"padded", "compact"})
  void windowsAndAllTimePeak_sequential(String layout) {
    AbstractElasticMpscQueue<Integer> q = factory(layout).get();
    assertThat(q.takePeakWindow()).isZero();

    offer(q, 10);
    assertThat(q.takePeakWindow()).isEqualTo(10);
    poll(q, 8);
    assertThat(q.takePeakWindow())
        .as("the new window started at the size of the take")
        .isEqualTo(10);
    assertThat(q.takePeakWindow()).as("then at 2").isEqualTo(2);
    offer(q, 5);
    assertThat(q.takePeakWindow()).isEqualTo(7);
    assertThat(q.stats().peakSize()).as("all time, across four closed windows").isEqualTo(10);

    offer(q, 20); // size 27, a new all-time peak inside an open window
    assertThat(q.stats().peakSize()).isEqualTo(27);
    poll(q, 27);
    assertThat(q.stats().peakSize()).isEqualTo(27);
    assertThat(q.takePeakWindow()).isEqualTo(27);
    assertThat(q.takePeakWindow()).isZero();
    assertThat(q.stats().peakSize())
        .as("taking windows never lowers the all-time peak")
        .isEqualTo(27);
  }

  /**
   * Producers offer while the consumer polls, one thread takes windows and another reads {@code
   * stats()}: the all-time peak read must never decrease and must cover every window taken; after
   * the threads stop, one more offer run without polls must be recorded exactly.
   */
  @ParameterizedTest
  @ValueSource(strings = {"padded", "compact"})
  @Timeout(value = 120, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
  void takesRacingOffersAndStatsReads_allTimePeakNeverReadsLow(String layout) throws Exception {
    AbstractElasticMpscQueue<Integer> q = factory(layout).get();
    int producers = 2;
    int perProducer = 300_000;
    AtomicBoolean done = new AtomicBoolean();
    AtomicReference<Throwable> failure = new AtomicReference<>();
    CountDownLatch producersDone = new CountDownLatch(producers);
    int[] largestTaken = new int[1];

    for (int p = 0; p < producers; p++) {
      start(
          failure,
          () -> {
            for (int i = 0; i < perProducer; i++) {
              while (!q.offer(i)) {
                Thread.onSpinWait();
              }
              if ((i & 4095) == 0) {
                Thread.yield(); // let the size swing: windows with different peaks
              }
            }
            producersDone.countDown();
          });
    }
    Thread consumer =
        start(
            failure,
            () -> {
              long taken = 0;
              while (taken < (long) producers * perProducer) {
                if (q.poll() != null) {
                  taken++;
                } else {
                  Thread.onSpinWait();
                }
              }
            });
    Thread taker =
        start(
            failure,
            () -> {
              while (!done.get()) {
                int window = q.takePeakWindow();
                int allTime = q.stats().peakSize();
                if (allTime < window) {
                  throw new AssertionError("all-time peak " + allTime + " < window " + window);
                }
                largestTaken[0] = Math.max(largestTaken[0], window);
              }
            });
    Thread reader =
        start(
            failure,
            () -> {
              int last = 0;
              while (!done.get()) {
                int now = q.stats().peakSize();
                if (now < last) {
                  throw new AssertionError("all-time peak went down: " + last + " -> " + now);
                }
                last = now;
              }
            });

    assertThat(producersDone.await(90, TimeUnit.SECONDS)).as("producers finished").isTrue();
    consumer.join(TimeUnit.SECONDS.toMillis(90));
    done.set(true);
    taker.join(TimeUnit.SECONDS.toMillis(10));
    reader.join(TimeUnit.SECONDS.toMillis(10));
    assertThat(failure.get()).as("no thread failed").isNull();
    assertThat(consumer.isAlive()).as("consumer drained every element").isFalse();

    int before = q.stats().peakSize();
    assertThat(before).isGreaterThanOrEqualTo(largestTaken[0]).isPositive();
    offer(q, before + 5);
    assertThat(q.stats().peakSize()).isEqualTo(before + 5);
    assertThat(q.takePeakWindow()).isEqualTo(before + 5);
  }

  private static Thread start(AtomicReference<Throwable> failure, Runnable body) {
    Thread t =
        new Thread(
            () -> {
              try {
                body.run();
              } catch (Throwable e) {
                failure.compareAndSet(null, e);
              }
            });
    t.setDaemon(true);
    t.start();
    return t;
  }

  private static void offer(AbstractElasticMpscQueue<Integer> q, int n) {
    for (int i = 0; i < n; i++) {
      assertThat(q.offer(i)).isTrue();
    }
  }

  private static void poll(AbstractElasticMpscQueue<Integer> q, int n) {
    for (int i = 0; i < n; i++) {
      assertThat(q.poll()).isNotNull();
    }
  }
}
