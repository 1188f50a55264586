package io.github.elasticq.queue;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The lazy first buffer of both layouts: a new queue holds no array, the first offer installs one
 * sized from the capacity of that moment, and racing first offers install exactly one.
 */
class LazyFirstBufferTest {

  private static QueueConfig config(int initial, int min, int max) {
    return QueueConfig.builder()
        .initialCapacity(initial)
        .minCapacity(min)
        .maxCapacity(max)
        .growthFactor(2.0)
        .shrinkThreshold(0.25)
        .build();
  }

  private static Function<QueueConfig, AbstractElasticMpscQueue<Integer>> factory(String layout) {
    return switch (layout) {
      case "padded" -> c -> new ElasticMpscQueue<>(c, 0L, 1, 1);
      case "compact" -> c -> new CompactElasticMpscQueue<>(c, 0L, 1, 1);
      default -> throw new IllegalArgumentException(layout);
    };
  }

  @ParameterizedTest
  @ValueSource(strings = {"padded", "compact"})
  void newQueue_holdsNoArrayUntilTheFirstOffer(String layout) {
    AbstractElasticMpscQueue<Integer> q = factory(layout).apply(config(16, 16, 1024));

    assertThat(q.stats().allocatedSlots()).isZero();
    assertThat(q.poll()).isNull();
    assertThat(q.peek()).isNull();
    assertThat(q.size()).isZero();
    assertThat(q.capacity()).isEqualTo(16);
    assertThat(q.stats().allocatedSlots()).as("empty polls allocate nothing").isZero();

    assertThat(q.offer(7)).isTrue();
    assertThat(q.stats().allocatedSlots()).isEqualTo(16);
    assertThat(q.peek()).isEqualTo(7);
    assertThat(q.poll()).isEqualTo(7);
    assertThat(q.poll()).isNull();
  }

  @ParameterizedTest
  @ValueSource(strings = {"padded", "compact"})
  void shrinkBeforeTheFirstOffer_sizesTheFirstArrayFromTheShrunkCapacity(String layout) {
    AbstractElasticMpscQueue<Integer> q = factory(layout).apply(config(64, 4, 1024));

    assertThat(q.poll()).isNull(); // one low sample is a streak of 1: shrinks to min at once
    assertThat(q.capacity()).isEqualTo(4);
    assertThat(q.stats().shrinks()).isEqualTo(1);
    assertThat(q.stats().allocatedSlots()).isZero();

    for (int i = 0; i < 100; i++) {
      assertThat(q.offer(i)).isTrue();
    }
    assertThat(q.stats().grows()).isPositive();
    for (int i = 0; i < 100; i++) {
      assertThat(q.poll()).isEqualTo(i);
    }
    assertThat(q.poll()).isNull();
  }

  /**
   * Many rounds of: a new queue, three producers offering at once (so that they race to install the
   * first array) while the consumer polls. Every element must arrive exactly once, in each
   * producer's order.
   */
  @ParameterizedTest
  @ValueSource(strings = {"padded", "compact"})
  // A lost element makes poll spin forever: time out on a separate thread, so the run fails.
  @Timeout(value = 120, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
  void racingFirstOffers_installOneArray_andLoseNothing(String layout) throws Exception {
    Function<QueueConfig, AbstractElasticMpscQueue<Integer>> factory = factory(layout);
    QueueConfig config = config(2, 2, 64);
    int producers = 3;
    int perProducer = 4;
    int rounds = 2_000;
    CyclicBarrier start = new CyclicBarrier(producers + 1);
    AtomicReference<AbstractElasticMpscQueue<Integer>> current = new AtomicReference<>();
    List<Thread> threads = new ArrayList<>();
    List<Throwable> failures = new ArrayList<>();
    for (int p = 0; p < producers; p++) {
      int producer = p;
      Thread t =
          new Thread(
              () -> {
                try {
                  for (int r = 0; r < rounds; r++) {
                    start.await(); // the barrier orders this after the set
                    AbstractElasticMpscQueue<Integer> q = current.get();
                    for (int i = 0; i < perProducer; i++) {
                      while (!q.offer(producer * 100 + i)) {
                        Thread.onSpinWait();
                      }
                    }
                  }
                } catch (Exception e) {
                  synchronized (failures) {
                    failures.add(e);
                  }
                }
              });
      t.setDaemon(true); // a failed round leaves producers at the barrier
      t.start();
      threads.add(t);
    }
    for (int r = 0; r < rounds; r++) {
      AbstractElasticMpscQueue<Integer> q = factory.apply(config);
      current.set(q);
      start.await();
      int[] next = new int[producers];
      int received = 0;
      while (received < producers * perProducer) {
        Integer v = q.poll();
        if (v == null) {
          Thread.yield();
          continue;
        }
        int producer = v / 100;
        assertThat(v % 100)
            .as("round %d, producer %d order", r, producer)
            .isEqualTo(next[producer]);
        next[producer]++;
        received++;
      }
      assertThat(q.poll()).as("round %d: nothing beyond what was offered", r).isNull();
      assertThat(q.stats().enqueued()).isEqualTo((long) producers * perProducer);
    }
    for (Thread t : threads) {
      t.join();
    }
    assertThat(failures).isEmpty();
  }
}
