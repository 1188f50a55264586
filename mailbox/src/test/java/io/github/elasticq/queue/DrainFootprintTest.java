package io.github.elasticq.queue;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.function.Function;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * What the lock-free queues allocate on the way down. A shrink step links a smaller buffer at the
 * producers' index, and the consumer reaches it only after the elements already queued; until then
 * both arrays are held. The consumer therefore takes a step only once a producer has claimed an
 * index since its previous sample and it has reached the buffer of the previous step, or when the
 * queue is empty: a queue drained with no producer offering links only the min buffer, once empty,
 * not the descending chain (every step's array, none of them ever used), and ends at min. With a
 * producer offering at low occupancy the steps follow each other down to min.
 */
class DrainFootprintTest {

  private static final int MIN = 1024;
  private static final int BURST = 20_000; // grows 1024 -> 32768, as BurstDrainBenchmark does
  private static final QueueConfig CONFIG = QueueConfig.defaults();

  static Stream<Arguments> queues() {
    Function<QueueConfig, AbstractElasticMpscQueue<Integer>> padded = ElasticMpscQueue::new;
    Function<QueueConfig, AbstractElasticMpscQueue<Integer>> compact = CompactElasticMpscQueue::new;
    return Stream.of(
        Arguments.of("ElasticMpscQueue", padded), Arguments.of("CompactElasticMpscQueue", compact));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("queues")
  void drainWithoutProducers_goesToMinInOneStepOnceEmpty(
      String name, Function<QueueConfig, AbstractElasticMpscQueue<Integer>> create) {
    assertThat(CONFIG.minCapacity()).isEqualTo(MIN);
    AbstractElasticMpscQueue<Integer> q = create.apply(CONFIG);
    for (int round = 0; round < 3; round++) {
      for (int i = 0; i < BURST; i++) {
        assertThat(q.offer(i)).isTrue();
      }
      int full = q.capacity();
      long shrinksBefore = q.stats().shrinks();
      long held = q.allocatedSlots();
      long linkedDuringDrain = 0; // with no producer, only shrink steps make the chain longer
      for (int i = 0; i < BURST; i++) {
        assertThat(q.poll()).isEqualTo(i);
        long now = q.allocatedSlots();
        linkedDuringDrain += Math.max(0, now - held);
        held = now;
      }
      assertThat(q.poll()).isNull();
      // At most the min buffer (if the take that empties the queue is a sample), where a step at
      // every due sample linked 16384 + 8192 + 4096 + 2048 + 1024 slots that no producer used,
      // and a step once the previous one was reached 16384 + 1024.
      assertThat(full).as("round %d: the burst grew the queue", round).isGreaterThan(MIN);
      assertThat(linkedDuringDrain)
          .as("round %d: slots linked by the drain's shrinks, %s", round, q.stats())
          .isLessThanOrEqualTo(MIN);
      assertThat(q.stats().shrinks() - shrinksBefore)
          .as("round %d: shrink steps in the drain, %s", round, q.stats())
          .isEqualTo(1L);
      assertThat(q.capacity()).as("round %d: capacity once empty", round).isEqualTo(MIN);
      assertThat(q.allocatedSlots()).as("round %d: slots once empty", round).isEqualTo(MIN);
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("queues")
  void lowOccupancyWithAProducer_stillStepsDownToMin(
      String name, Function<QueueConfig, AbstractElasticMpscQueue<Integer>> create) {
    AbstractElasticMpscQueue<Integer> q = create.apply(CONFIG);
    for (int i = 0; i < BURST; i++) {
      assertThat(q.offer(i)).isTrue();
    }
    int next = BURST;
    int expected = 0;
    // Drain to 100 elements, then one offer per poll: the queue is never empty, so only the
    // step-by-step shrinks (each reached by the consumer before the next) can bring it to min.
    while (q.size() > 100) {
      assertThat(q.poll()).isEqualTo(expected++);
    }
    long shrinksBefore = q.stats().shrinks();
    for (int op = 0; op < 200_000 && q.capacity() > MIN; op++) {
      assertThat(q.poll()).isEqualTo(expected++);
      assertThat(q.offer(next++)).isTrue();
    }
    assertThat(q.capacity()).as("%s", q.stats()).isEqualTo(MIN);
    assertThat(q.stats().shrinks() - shrinksBefore).as("%s", q.stats()).isGreaterThan(1);
    for (int op = 0; op < 2 * MIN; op++) { // the consumer passes the last step's base
      assertThat(q.poll()).isEqualTo(expected++);
      assertThat(q.offer(next++)).isTrue();
    }
    assertThat(q.allocatedSlots()).as("%s", q.stats()).isEqualTo(MIN);
  }
}
