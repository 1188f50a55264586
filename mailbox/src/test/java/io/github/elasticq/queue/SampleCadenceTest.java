package io.github.elasticq.queue;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The consumer's occupancy samples come exactly every {@code sampleInterval} consumer operations
 * (plus the capacity-dependent delay, 0 here), on both layouts, wherever the indexes stand. The
 * layouts keep the index at which the next sample is due (the compact one its low 16 bits), so the
 * starting indexes sit just below the 16-bit and 32-bit wrap-arounds. With a streak of 2, the
 * second sample shrinks: the capacity must still be 64 after 7 operations and below it after the
 * 8th. A take that forgets to sample, a wrong wrap of the stored index, or an empty scan that does
 * not count all fail here.
 */
class SampleCadenceTest {
  private static final int INTERVAL = 4;
  private static final int STREAK = 2;
  private static final int OPS_TO_SHRINK = INTERVAL * STREAK;

  private static final QueueConfig CONFIG =
      QueueConfig.builder()
          .initialCapacity(64)
          .minCapacity(2)
          .maxCapacity(1024)
          .growthFactor(2.0)
          .build();

  static Stream<Arguments> queues() {
    return Stream.of(0L, 65_530L, (1L << 32) - 5, (1L << 40) + 65_533)
        .flatMap(
            start ->
                Stream.of(
                    Arguments.of("ElasticMpscQueue", start),
                    Arguments.of("CompactElasticMpscQueue", start)));
  }

  static AbstractElasticMpscQueue<Integer> create(String layout, long start) {
    return layout.equals("ElasticMpscQueue")
        ? new ElasticMpscQueue<>(CONFIG, start, INTERVAL, STREAK)
        : new CompactElasticMpscQueue<>(CONFIG, start, INTERVAL, STREAK);
  }

  @ParameterizedTest(name = "{0} from index {1}")
  @MethodSource("queues")
  void takesFromANonEmptyQueue_sampleEveryInterval(String layout, long start) {
    AbstractElasticMpscQueue<Integer> q = create(layout, start);
    assertThat(q.offer(-1)).isTrue(); // one element stays queued: every take finds a successor
    for (int op = 1; op <= 3 * OPS_TO_SHRINK; op++) {
      assertThat(q.offer(op)).isTrue();
      assertThat(q.poll()).isEqualTo(op - 1 == 0 ? -1 : op - 1);
      int expected = 64 >> (op / OPS_TO_SHRINK);
      assertThat(q.capacity())
          .as("capacity after %d takes at size 1, %s", op, q.stats())
          .isEqualTo(expected);
    }
  }

  @ParameterizedTest(name = "{0} from index {1}")
  @MethodSource("queues")
  void emptyScans_countAsOperations(String layout, long start) {
    AbstractElasticMpscQueue<Integer> q = create(layout, start);
    for (int op = 1; op < OPS_TO_SHRINK; op++) {
      assertThat(q.scanPoll()).isNull();
      assertThat(q.capacity()).as("capacity after %d empty scans", op).isEqualTo(64);
    }
    assertThat(q.scanPoll()).isNull();
    assertThat(q.capacity())
        .as("an empty queue goes to min at the sample that completes the streak")
        .isEqualTo(2);
  }
}
