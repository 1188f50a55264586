package io.github.elasticq.queue;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Level queues of {@link QosQueue} are created by the first offer to their level. */
class QosQueueLazyLevelsTest {

  private static final QueueConfig SMALL =
      QueueConfig.builder().initialCapacity(4).minCapacity(4).maxCapacity(64).build();

  @Test
  void unusedLevels_holdNothing_andReadAsEmptyQueuesAtInitialCapacity() {
    QosQueue<String> q = QosQueue.weighted(SMALL, 1, 2, 4);
    assertThat(q.poll()).isNull();
    assertThat(q.isEmpty()).isTrue();

    assertThat(q.offer("a", 1)).isTrue();

    List<QueueStats> levels = q.levelStats();
    assertThat(levels.get(0)).isEqualTo(new QueueStats(4, 0, 0, 0, 0, 0, 0, 0, 0));
    assertThat(levels.get(2)).isEqualTo(new QueueStats(4, 0, 0, 0, 0, 0, 0, 0, 0));
    assertThat(levels.get(1).enqueued()).isEqualTo(1);
    assertThat(levels.get(1).allocatedSlots()).isEqualTo(4);
    assertThat(q.stats().allocatedSlots()).isEqualTo(4);
    assertThat(q.size()).isEqualTo(1);
    assertThat(q.size(0)).isZero();
    assertThat(q.peek(0)).isNull();
    assertThat(q.poll(2)).isNull();
    assertThat(q.poll()).isEqualTo("a");
    assertThat(q.isEmpty()).isTrue();
  }

  /**
   * Many rounds of: a new queue, three producers whose first offers race to create the same level
   * while the consumer polls. Every element arrives exactly once, in each producer's order: no
   * producer offered into a level queue that lost the creation race.
   */
  @Test
  // A lost element makes poll spin forever: time out on a separate thread, so the run fails.
  @Timeout(value = 120, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
  void racingFirstOffersToOneLevel_createOneQueue_andLoseNothing() throws Exception {
    int producers = 3;
    int perProducer = 3;
    int rounds = 2_000;
    CyclicBarrier start = new CyclicBarrier(producers + 1);
    AtomicReference<QosQueue<Integer>> current = new AtomicReference<>();
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
                    for (int i = 0; i < perProducer; i++) {
                      assertThat(current.get().offer(producer * 100 + i, 1)).isTrue();
                    }
                  }
                } catch (Throwable e) {
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
      QosQueue<Integer> q = QosQueue.strict(3, SMALL);
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
      assertThat(q.poll()).isNull();
      assertThat(q.stats(1).enqueued()).isEqualTo((long) producers * perProducer);
    }
    for (Thread t : threads) {
      t.join();
    }
    assertThat(failures).isEmpty();
  }
}
