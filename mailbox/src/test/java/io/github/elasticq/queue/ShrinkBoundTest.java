package io.github.elasticq.queue;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.function.Function;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * A shrink never takes the capacity below the number of queued elements (TLA+ invariant
 * NoShrinkBelowSize). With the default threshold x growth < 1 one shrink step can never reach the
 * size, so only a configuration with threshold x growth >= 1 (the case TLC found) can catch a
 * shrink step that forgets the size bound: here 0.75 x 2.0, occupancy held at 45 of 64, where a
 * plain step would go to 32.
 */
class ShrinkBoundTest {
  static final QueueConfig WIDE_THRESHOLD =
      QueueConfig.builder()
          .initialCapacity(64)
          .minCapacity(4)
          .maxCapacity(1024)
          .growthFactor(2.0)
          .shrinkThreshold(0.75)
          .build();

  static Stream<Arguments> impls() {
    return Stream.of(
        Arguments.of(
            "ElasticMpscQueue",
            (Function<QueueConfig, ElasticQueue<Integer>>) ElasticMpscQueue::new),
        Arguments.of(
            "CompactElasticMpscQueue",
            (Function<QueueConfig, ElasticQueue<Integer>>) CompactElasticMpscQueue::new),
        Arguments.of(
            "ElasticBuffer", (Function<QueueConfig, ElasticQueue<Integer>>) ElasticBuffer::new));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("impls")
  void shrink_withThresholdTimesGrowthAboveOne_neverGoesBelowSize(
      String name, Function<QueueConfig, ElasticQueue<Integer>> create) {
    ElasticQueue<Integer> q = create.apply(WIDE_THRESHOLD);
    int size = 45; // <= 0.75 x 64: low enough to shrink, above 64 / 2.0
    for (int i = 0; i < size; i++) {
      assertThat(q.offer(i)).isTrue();
    }
    int next = size;
    int expectedHead = 0;
    for (int op = 0; op < 4_000; op++) {
      assertThat(q.poll()).isEqualTo(expectedHead++);
      assertThat(q.capacity())
          .as("capacity after poll %d, %s", op, q.stats())
          .isGreaterThanOrEqualTo(q.size());
      assertThat(q.offer(next++)).isTrue();
      assertThat(q.capacity())
          .as("capacity after offer %d, %s", op, q.stats())
          .isGreaterThanOrEqualTo(q.size());
    }
    QueueStats stats = q.stats();
    assertThat(stats.shrinks()).as("the scenario must shrink: %s", stats).isPositive();
    assertThat(stats.capacity()).isGreaterThanOrEqualTo(stats.size());
  }
}
