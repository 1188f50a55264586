package io.github.elasticq.queue;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Single-threaded behaviour of {@link ElasticMpscQueue}: sizing, bounds, hazards of the original.
 */
class ElasticMpscQueueTest {

  private static QueueConfig config(int initial, int min, int max) {
    return QueueConfig.builder()
        .initialCapacity(initial)
        .minCapacity(min)
        .maxCapacity(max)
        .growthFactor(2.0)
        .shrinkThreshold(0.25)
        .build();
  }

  @Test
  void offer_growsByGrowthFactorUntilMax() {
    ElasticMpscQueue<Integer> q = new ElasticMpscQueue<>(config(4, 4, 20));
    List<Integer> capacities = new ArrayList<>();
    for (int i = 0; i < 20; i++) {
      assertThat(q.offer(i)).isTrue();
      if (capacities.isEmpty() || capacities.get(capacities.size() - 1) != q.capacity()) {
        capacities.add(q.capacity());
      }
    }
    // 4 -> 8 -> 16 -> min(20, 32) = 20: capacity is honoured exactly, not rounded to a power of 2.
    assertThat(capacities).containsExactly(4, 8, 16, 20);
    assertThat(q.stats().grows()).isEqualTo(3);
  }

  @Test
  void offer_whenFullAtMax_returnsFalseAndCountsRejection() {
    ElasticMpscQueue<Integer> q = new ElasticMpscQueue<>(config(2, 2, 5));
    for (int i = 0; i < 5; i++) {
      assertThat(q.offer(i)).isTrue();
    }
    assertThat(q.offer(99)).isFalse();
    assertThat(q.offer(100)).isFalse();
    assertThat(q.size()).isEqualTo(5);
    assertThat(q.stats().rejected()).isEqualTo(2);
    assertThat(q.poll()).isEqualTo(0);
    assertThat(q.offer(5)).isTrue();
    List<Integer> out = new ArrayList<>();
    q.drain(out::add, 100);
    assertThat(out).containsExactly(1, 2, 3, 4, 5);
  }

  @Test
  void offer_null_isRejected() {
    ElasticMpscQueue<Integer> q = new ElasticMpscQueue<>(config(2, 2, 4));
    assertThatThrownBy(() -> q.offer(null)).isInstanceOf(NullPointerException.class);
    assertThat(q.size()).isZero();
  }

  @Test
  void poll_onEmpty_returnsNull_andPeekDoesNotRemove() {
    ElasticMpscQueue<String> q = new ElasticMpscQueue<>(config(2, 2, 4));
    assertThat(q.poll()).isNull();
    assertThat(q.peek()).isNull();
    q.offer("a");
    assertThat(q.peek()).isEqualTo("a");
    assertThat(q.peek()).isEqualTo("a");
    assertThat(q.poll()).isEqualTo("a");
    assertThat(q.isEmpty()).isTrue();
  }

  @Test
  void drain_respectsLimitAndOrder() {
    ElasticMpscQueue<Integer> q = new ElasticMpscQueue<>(config(2, 2, 64));
    for (int i = 0; i < 50; i++) {
      q.offer(i);
    }
    List<Integer> out = new ArrayList<>();
    assertThat(q.drain(out::add, 20)).isEqualTo(20);
    assertThat(q.drain(out::add, 100)).isEqualTo(30);
    assertThat(q.drain(out::add, 100)).isZero();
    for (int i = 0; i < 50; i++) {
      assertThat(out.get(i)).isEqualTo(i);
    }
    assertThatThrownBy(() -> q.drain(out::add, -1))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("limit");
  }

  @Test
  void shrink_afterBurstToMaxDrains_memoryFollowsCapacity() {
    int min = 16;
    ElasticMpscQueue<Integer> q = new ElasticMpscQueue<>(config(min, min, 1 << 16));
    for (int i = 0; i < (1 << 16); i++) {
      assertThat(q.offer(i)).isTrue();
    }
    assertThat(q.capacity()).isEqualTo(1 << 16);
    assertThat(q.offer(-1)).isFalse();
    for (int i = 0; i < (1 << 16); i++) {
      assertThat(q.poll()).isEqualTo(i);
    }
    // Bounded number of further consumer operations on the idle, drained queue.
    for (int i = 0; i < ElasticMpscQueue.SHRINK_STREAK; i++) {
      assertThat(q.poll()).isNull();
    }
    QueueStats stats = q.stats();
    assertThat(stats.capacity()).isEqualTo(min);
    assertThat(stats.allocatedSlots()).isLessThanOrEqualTo(2L * min);
    assertThat(stats.shrinks()).isPositive();
    assertThat(stats.peakSize()).isEqualTo(1 << 16);

    // The README's "back to its small size within 4 empty polls" where the drain itself took
    // hardly any low sample (the loop above follows SHRINK_STREAK, and its long drain had the
    // streak due before the first empty poll): grown once, 16 -> 32, and drained in 17 polls.
    ElasticMpscQueue<Integer> once = new ElasticMpscQueue<>(config(min, min, 1 << 16));
    for (int i = 0; i <= min; i++) {
      assertThat(once.offer(i)).isTrue();
    }
    assertThat(once.capacity()).isEqualTo(2 * min);
    for (int i = 0; i <= min; i++) {
      assertThat(once.poll()).isEqualTo(i);
    }
    for (int i = 0; i < 4; i++) {
      assertThat(once.poll()).isNull();
    }
    assertThat(once.capacity()).as("after 4 empty polls: %s", once.stats()).isEqualTo(min);
  }

  @Test
  void shrink_neverBelowMinOrCurrentSize() {
    ElasticMpscQueue<Integer> q = new ElasticMpscQueue<>(config(8, 8, 1024), 0L, 1, 1);
    for (int i = 0; i < 1024; i++) {
      q.offer(i);
    }
    // One offer per two polls: a producer claims between samples, so steps are taken while the
    // queue still holds elements (a drain with no producer waits until it is empty).
    int polled = 0;
    int next = 1024;
    while (q.size() > 0) {
      int sizeBefore = q.size();
      assertThat(q.poll()).isEqualTo(polled);
      polled++;
      assertThat(q.capacity()).isGreaterThanOrEqualTo(Math.max(8, sizeBefore - 1));
      assertThat(q.capacity()).isGreaterThanOrEqualTo(q.size());
      if (polled % 2 == 0 && next < 2048) {
        assertThat(q.offer(next++)).isTrue();
        assertThat(q.capacity()).isGreaterThanOrEqualTo(q.size());
      }
    }
    assertThat(q.stats().shrinks()).as("steps while not empty: %s", q.stats()).isGreaterThan(1);
    q.poll();
    assertThat(q.capacity()).isEqualTo(8);
  }

  @Test
  void hysteresis_loadOscillatingAroundShrinkThreshold_doesNotResizeEveryCycle() {
    ElasticMpscQueue<Integer> q = new ElasticMpscQueue<>(config(16, 16, 4096), 0L, 1, 4);
    for (int i = 0; i < 1024; i++) {
      q.offer(i);
    }
    // Drain down to around a quarter of capacity, then oscillate 20%..30% of 1024 for many cycles.
    while (q.size() > 300) {
      q.poll();
    }
    long resizesBefore = q.stats().grows() + q.stats().shrinks();
    int next = 1024;
    for (int cycle = 0; cycle < 200; cycle++) {
      while (q.size() > 205) {
        q.poll();
      }
      while (q.size() < 307) {
        q.offer(next++);
      }
    }
    long resizes = q.stats().grows() + q.stats().shrinks() - resizesBefore;
    assertThat(resizes).as("resizes over 200 oscillation cycles").isLessThanOrEqualTo(2);
  }

  @Test
  void hysteresis_loadOscillatingAroundFull_growsOnceThenStable() {
    ElasticMpscQueue<Integer> q = new ElasticMpscQueue<>(config(64, 64, 4096), 0L, 1, 4);
    int next = 0;
    for (int cycle = 0; cycle < 200; cycle++) {
      while (q.size() < 70) {
        q.offer(next++);
      }
      while (q.size() > 58) {
        q.poll();
      }
    }
    assertThat(q.stats().grows()).isEqualTo(1);
    assertThat(q.stats().shrinks()).isZero();
  }

  /**
   * The Rust original used 32-bit indexes that wrapped after 2^32 operations. Our indexes are 64
   * bits; starting them just below 2^32 (and far beyond) must change nothing.
   */
  @ParameterizedTest
  @ValueSource(longs = {(1L << 31) - 7, (1L << 32) - 9, (1L << 61) - 5})
  void indexes_nearLargeOffset_areHarmless(long offset) {
    ElasticMpscQueue<Integer> q = new ElasticMpscQueue<>(config(2, 2, 16), offset, 1, 1);
    int next = 0;
    int expected = 0;
    for (int round = 0; round < 50; round++) {
      for (int i = 0; i < 16; i++) {
        assertThat(q.offer(next++)).isTrue();
      }
      assertThat(q.offer(-1)).isFalse();
      for (int i = 0; i < 16; i++) {
        assertThat(q.poll()).isEqualTo(expected++);
      }
      assertThat(q.poll()).isNull();
      assertThat(q.size()).isZero();
    }
    assertThat(q.stats().enqueued()).isEqualTo(800);
    assertThat(q.stats().dequeued()).isEqualTo(800);
    assertThat(q.stats().grows()).isPositive();
    assertThat(q.stats().shrinks()).isPositive();
  }

  @Test
  void iterator_isUnsupported_withClearMessage() {
    ElasticMpscQueue<Integer> q = new ElasticMpscQueue<>(config(2, 2, 4));
    assertThatThrownBy(q::iterator)
        .isInstanceOf(UnsupportedOperationException.class)
        .hasMessageContaining("drain");
  }

  @Test
  void tableSizeFor_roundsUpToPowerOfTwo() {
    assertThat(ElasticMpscQueue.tableSizeFor(1)).isEqualTo(1);
    assertThat(ElasticMpscQueue.tableSizeFor(2)).isEqualTo(2);
    assertThat(ElasticMpscQueue.tableSizeFor(3)).isEqualTo(4);
    assertThat(ElasticMpscQueue.tableSizeFor(20)).isEqualTo(32);
    assertThat(ElasticMpscQueue.tableSizeFor(1 << 20)).isEqualTo(1 << 20);
  }
}
