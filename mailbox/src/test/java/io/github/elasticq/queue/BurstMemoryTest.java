package io.github.elasticq.queue;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Queue;
import java.util.function.Function;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * {@link QueueConfig#burstMemory()} on the three elastic queues: recurring bursts keep the capacity
 * they need (no grow or shrink after the first burst), and a drained queue whose consumer keeps
 * polling still returns to min, within at most about {@code 2 × maxCapacity} consumer operations.
 * The same bursts without burst memory resize on every burst: the control that shows the first test
 * can fail.
 */
class BurstMemoryTest {

  private static final int MIN = 16;
  private static final int MAX = 1024;
  private static final int BURST = 600;
  private static final int BURSTS = 50;

  private static QueueConfig config(boolean burstMemory) {
    return QueueConfig.builder()
        .initialCapacity(MIN)
        .minCapacity(MIN)
        .maxCapacity(MAX)
        .burstMemory(burstMemory)
        .build();
  }

  static Stream<Arguments> queues() {
    Function<QueueConfig, Queue<Integer>> padded = ElasticMpscQueue::new;
    Function<QueueConfig, Queue<Integer>> compact = CompactElasticMpscQueue::new;
    Function<QueueConfig, Queue<Integer>> buffer = ElasticBuffer::new;
    return Stream.of(
        Arguments.of("ElasticMpscQueue", padded),
        Arguments.of("CompactElasticMpscQueue", compact),
        Arguments.of("ElasticBuffer", buffer));
  }

  private static QueueStats stats(Queue<Integer> q) {
    return q instanceof ElasticBuffer<Integer> b
        ? b.stats()
        : ((AbstractElasticMpscQueue<Integer>) q).stats();
  }

  private static int capacity(Queue<Integer> q) {
    return stats(q).capacity();
  }

  /** One burst of {@link #BURST} offers, then a drain to the first empty poll; checks FIFO. */
  private static void burstThenDrain(Queue<Integer> q) {
    for (int i = 0; i < BURST; i++) {
      assertThat(q.offer(i)).as("offer %d", i).isTrue();
    }
    for (int i = 0; i < BURST; i++) {
      assertThat(q.poll()).isEqualTo(i);
    }
    assertThat(q.poll()).isNull();
  }

  /** One burst, drained; returns the capacity it left, above min. */
  private static int capacityAfterABurst(Queue<Integer> q) {
    burstThenDrain(q);
    int big = capacity(q);
    assertThat(big).isGreaterThan(MIN);
    return big;
  }

  /** What a mailbox run with one message does: offer, take it, then the closing empty poll. */
  private static void oneMessageRun(Queue<Integer> q, int message) {
    assertThat(q.offer(message)).isTrue();
    assertThat(q.poll()).isEqualTo(message);
    assertThat(q.poll()).isNull();
  }

  /** {@code bursts} bursts, each drained; returns the stats after the last. */
  private static QueueStats afterBursts(Queue<Integer> q, int bursts) {
    for (int b = 0; b < bursts; b++) {
      burstThenDrain(q);
    }
    return stats(q);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("queues")
  void recurringBursts_keepTheirCapacity(String name, Function<QueueConfig, Queue<Integer>> make) {
    Queue<Integer> q = make.apply(config(true));
    QueueStats first = afterBursts(q, 1);
    assertThat(first.capacity()).as("capacity after the first burst").isGreaterThanOrEqualTo(BURST);
    QueueStats last = afterBursts(q, BURSTS - 1);
    assertThat(last.grows()).as("grows after the first burst").isEqualTo(first.grows());
    assertThat(last.shrinks()).as("shrinks after the first burst").isEqualTo(first.shrinks());
    assertThat(last.capacity()).isEqualTo(first.capacity());
    assertThat(last.dequeued()).isEqualTo((long) BURST * BURSTS);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("queues")
  void withoutBurstMemory_everyBurstResizes(
      String name, Function<QueueConfig, Queue<Integer>> make) {
    Queue<Integer> q = make.apply(config(false));
    long grows = afterBursts(q, 1).grows();
    // The control: the short streak shrinks during or right after each drain, so each burst
    // grows again. If this ever stops holding, the test above proves nothing.
    assertThat(afterBursts(q, BURSTS - 1).grows()).isGreaterThanOrEqualTo(grows + BURSTS - 1);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("queues")
  void drainedQueue_stillReturnsToMin_whileTheConsumerPolls(
      String name, Function<QueueConfig, Queue<Integer>> make) {
    Queue<Integer> q = make.apply(config(true));
    int big = capacityAfterABurst(q);
    // A few empty polls are not enough: that is the memory.
    for (int i = 0; i < 8; i++) {
      assertThat(q.poll()).isNull();
    }
    assertThat(capacity(q)).as("capacity after 8 empty polls").isEqualTo(big);
    // But the number of consumer operations it waits is bounded: about maxCapacity for the MPSC
    // queues (an empty queue takes every step to min at once), twice that for ElasticBuffer (one
    // step per streak: C + C/2 + ...).
    int polls = 0;
    while (capacity(q) > MIN && polls < 4 * MAX) {
      assertThat(q.poll()).isNull();
      polls++;
    }
    assertThat(capacity(q)).as("capacity after %d more empty polls", polls).isEqualTo(MIN);
    assertThat(polls).isLessThanOrEqualTo(2 * MAX);
    assertThat(stats(q).allocatedSlots()).as("memory follows capacity").isLessThanOrEqualTo(MIN);
  }

  /**
   * A trickle between bursts, as a Pekko mailbox sees it: one message per run, and each run ends
   * with an empty poll. Every one of those empty polls was a whole occupancy sample, so the burst
   * capacity went after 64 runs (128 consumer operations at 1024 slots; after 47 runs at 65 536)
   * instead of about {@code capacity} operations.
   */
  @ParameterizedTest(name = "{0}")
  @MethodSource("queues")
  void trickleBetweenBursts_keepsTheCapacity_forAboutCapacityOperations(
      String name, Function<QueueConfig, Queue<Integer>> make) {
    Queue<Integer> q = make.apply(config(true));
    int big = capacityAfterABurst(q);
    int runs = big / 4; // half of capacity in consumer operations: two per run
    for (int i = 0; i < runs; i++) {
      oneMessageRun(q, i);
    }
    assertThat(capacity(q)).as("capacity after %d one-message runs", runs).isEqualTo(big);
    // Still bounded: the trickle keeps the occupancy low, so the steps come within a few capacity
    // operations more.
    int more = 0;
    while (capacity(q) > MIN && more < 4 * MAX) {
      oneMessageRun(q, more++);
    }
    assertThat(capacity(q)).as("capacity after %d more one-message runs", more).isEqualTo(MIN);
  }

  @Test
  void trimIfEmpty_shrinksOnlyAnEmptyQueueAboveMin_toMinWithItsArray() {
    for (AbstractElasticMpscQueue<Integer> q :
        List.of(
            new ElasticMpscQueue<Integer>(config(true)),
            new CompactElasticMpscQueue<Integer>(config(true)))) {
      assertThat(q.trimIfEmpty()).as("at min already").isFalse();
      burstThenDrain(q);
      int kept = capacity(q);
      assertThat(kept).as("burst memory keeps the capacity").isGreaterThanOrEqualTo(BURST);
      q.offer(-1);
      assertThat(q.trimIfEmpty()).as("not empty").isFalse();
      assertThat(capacity(q)).isEqualTo(kept);
      assertThat(q.poll()).isEqualTo(-1);

      long shrinks = stats(q).shrinks();
      assertThat(q.trimIfEmpty()).as("empty above min").isTrue();
      QueueStats s = stats(q);
      assertThat(s.capacity()).isEqualTo(MIN);
      assertThat(s.allocatedSlots()).as("the large array is dropped at once").isEqualTo(MIN);
      assertThat(s.shrinks()).isEqualTo(shrinks + 1);

      burstThenDrain(q); // still a working queue: FIFO, no loss
      assertThat(stats(q).enqueued()).isEqualTo(2L * BURST + 1);
    }
  }
}
