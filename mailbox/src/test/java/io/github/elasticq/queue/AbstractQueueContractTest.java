package io.github.elasticq.queue;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The contract every queue of this project honours, run over each implementation by a subclass (in
 * the manner of JCTools' {@code QueueSanityTest}), and over a JCTools queue as a control so that
 * the suite is shown to test the contract and not one implementation's quirks.
 *
 * <p>Subclasses supply {@link #newQueue(QueueConfig)} and say through {@link #isElastic()} and
 * {@link #isMultiConsumer()} which parts apply. Elastic subclasses also expose the logical capacity
 * and the stats through {@link #capacityOf(Queue)} and {@link #statsOf(Queue)}.
 *
 * <p>Every test runs under a class-wide timeout in a separate thread: a queue whose consumer spins
 * forever in {@code poll} (a lost publication) fails that test after a minute instead of holding
 * the build until CI's limit, which a same-thread timeout cannot do.
 */
@Timeout(value = 1, unit = TimeUnit.MINUTES, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
abstract class AbstractQueueContractTest {

  /** Small bounds so that every test crosses several grow and shrink steps. */
  static final QueueConfig SMALL =
      QueueConfig.builder()
          .initialCapacity(2)
          .minCapacity(2)
          .maxCapacity(64)
          .growthFactor(2.0)
          .shrinkThreshold(0.25)
          .build();

  static final int PRODUCERS = 4;
  static final int PER_PRODUCER = 50_000;

  /** A new, empty queue sized by {@code config}. */
  protected abstract Queue<Integer> newQueue(QueueConfig config);

  /** Whether the queue resizes between min and max capacity; false skips elasticity checks. */
  protected boolean isElastic() {
    return true;
  }

  /** Whether several threads may consume at once; true enables the multi-consumer stress. */
  protected boolean isMultiConsumer() {
    return false;
  }

  /** The queue's current logical capacity; elastic subclasses must override. */
  protected int capacityOf(Queue<?> queue) {
    throw new UnsupportedOperationException(
        getClass().getSimpleName() + " is elastic but does not override capacityOf");
  }

  /** The queue's stats; elastic subclasses must override. */
  protected QueueStats statsOf(Queue<?> queue) {
    throw new UnsupportedOperationException(
        getClass().getSimpleName() + " is elastic but does not override statsOf");
  }

  // ------------------------------------------------------------------ single thread

  @Test
  void poll_whenEmpty_returnsNull() {
    Queue<Integer> q = newQueue(SMALL);
    assertThat(q.poll()).isNull();
    assertThat(q.peek()).isNull();
    assertThat(q.size()).isZero();
    assertThat(q.isEmpty()).isTrue();
  }

  @Test
  void element_whenEmpty_throwsNoSuchElement() {
    Queue<Integer> q = newQueue(SMALL);
    assertThatThrownBy(q::element).isInstanceOf(NoSuchElementException.class);
    assertThatThrownBy(q::remove).isInstanceOf(NoSuchElementException.class);
  }

  @Test
  void offer_thenPoll_isFifo() {
    Queue<Integer> q = newQueue(SMALL);
    for (int i = 0; i < 50; i++) {
      assertThat(q.offer(i)).isTrue();
    }
    for (int i = 0; i < 50; i++) {
      assertThat(q.peek()).isEqualTo(i);
      assertThat(q.poll()).isEqualTo(i);
    }
    assertThat(q.poll()).isNull();
  }

  @Test
  void offer_whenInterleavedWithPoll_staysFifoAcrossResizes() {
    Queue<Integer> q = newQueue(SMALL);
    int next = 0;
    int expected = 0;
    // Waves of 40 in, 35 out: the ring wraps while it grows and shrinks.
    for (int wave = 0; wave < 20; wave++) {
      int in = wave % 2 == 0 ? 40 : 5;
      for (int i = 0; i < in && q.size() < SMALL.maxCapacity(); i++) {
        assertThat(q.offer(next++)).isTrue();
      }
      int out = wave % 2 == 0 ? 35 : 10;
      for (int i = 0; i < out; i++) {
        Integer e = q.poll();
        if (e == null) {
          break;
        }
        assertThat(e).isEqualTo(expected++);
      }
    }
    Integer e;
    while ((e = q.poll()) != null) {
      assertThat(e).isEqualTo(expected++);
    }
    assertThat(expected).isEqualTo(next);
  }

  @Test
  void offer_null_throwsNullPointerException() {
    Queue<Integer> q = newQueue(SMALL);
    q.offer(1);
    assertThatThrownBy(() -> q.offer(null)).isInstanceOf(NullPointerException.class);
    assertThat(q.size()).isEqualTo(1);
    assertThat(q.poll()).isEqualTo(1);
  }

  @Test
  void size_tracksOffersAndPolls() {
    Queue<Integer> q = newQueue(SMALL);
    for (int i = 1; i <= 30; i++) {
      q.offer(i);
      assertThat(q.size()).isEqualTo(i);
    }
    for (int i = 29; i >= 0; i--) {
      q.poll();
      assertThat(q.size()).isEqualTo(i);
    }
    q.poll();
    assertThat(q.size()).isZero();
    assertThat(q.isEmpty()).isTrue();
  }

  @Test
  void offer_whenFullAtMax_returnsFalse() {
    Queue<Integer> q = newQueue(SMALL);
    int max = SMALL.maxCapacity();
    for (int i = 0; i < max; i++) {
      assertThat(q.offer(i)).as("offer #%d below max", i).isTrue();
      assertThat(q.size()).isLessThanOrEqualTo(max);
      if (isElastic()) {
        assertThat(capacityOf(q))
            .isBetween(SMALL.minCapacity(), max)
            .isGreaterThanOrEqualTo(q.size());
      }
    }
    assertThat(q.offer(-1)).isFalse();
    assertThat(q.offer(-2)).isFalse();
    assertThat(q.size()).isEqualTo(max);
    assertThat(q.poll()).isZero();
    assertThat(q.offer(max)).isTrue();
    assertThat(q.offer(-3)).isFalse();
    for (int i = 1; i <= max; i++) {
      assertThat(q.poll()).isEqualTo(i);
    }
    assertThat(q.poll()).isNull();
    if (isElastic()) {
      assertThat(statsOf(q).rejected()).isEqualTo(3);
    }
  }

  // ------------------------------------------------------------------ elasticity

  @Test
  void capacity_growsUnderBurst() {
    assumeTrue(isElastic(), "not elastic");
    Queue<Integer> q = newQueue(SMALL);
    assertThat(capacityOf(q)).isEqualTo(SMALL.initialCapacity());
    int previous = capacityOf(q);
    for (int i = 0; i < SMALL.maxCapacity(); i++) {
      q.offer(i);
      int cap = capacityOf(q);
      assertThat(cap)
          .isBetween(SMALL.minCapacity(), SMALL.maxCapacity())
          .isGreaterThanOrEqualTo(q.size())
          .isGreaterThanOrEqualTo(previous);
      previous = cap;
    }
    assertThat(capacityOf(q)).isEqualTo(SMALL.maxCapacity());
    QueueStats stats = statsOf(q);
    assertThat(stats.grows()).isPositive();
    assertThat(stats.peakSize()).isEqualTo(SMALL.maxCapacity());
    assertThat(stats.allocatedSlots()).isGreaterThanOrEqualTo(SMALL.maxCapacity());
  }

  @Test
  void capacity_shrinksToMinAfterDrain() {
    assumeTrue(isElastic(), "not elastic");
    Queue<Integer> q = newQueue(SMALL);
    for (int i = 0; i < SMALL.maxCapacity(); i++) {
      q.offer(i);
    }
    for (int i = 0; i < SMALL.maxCapacity(); i++) {
      assertThat(q.poll()).isEqualTo(i);
      assertThat(capacityOf(q)).isGreaterThanOrEqualTo(q.size());
    }
    // Shrinking is driven by consumer operations: polls on the empty queue must get it to min
    // within a bounded number of operations.
    int ops = 0;
    while (capacityOf(q) > SMALL.minCapacity() && ops < 100_000) {
      assertThat(q.poll()).isNull();
      ops++;
    }
    assertThat(capacityOf(q)).as("capacity after %d empty polls", ops).isEqualTo(2);
    QueueStats stats = statsOf(q);
    assertThat(stats.shrinks()).isPositive();
    assertThat(stats.allocatedSlots()).isLessThanOrEqualTo(2L * SMALL.minCapacity());
    // Still a working queue, and able to grow again.
    for (int i = 0; i < 10; i++) {
      assertThat(q.offer(i)).isTrue();
    }
    assertThat(capacityOf(q)).isGreaterThanOrEqualTo(10);
    for (int i = 0; i < 10; i++) {
      assertThat(q.poll()).isEqualTo(i);
    }
  }

  /**
   * With a growth factor below 2 one division no longer shrinks a small capacity ({@code ceil(2 /
   * 1.5) = 2}): a shrink step must still take at least one slot off, or a drained queue stays above
   * min for good (ElasticBuffer) or its consumer loops for ever stepping down to min while holding
   * the resize bit (ElasticMpscQueue, which hung here before {@link QueueConfig#shrunkCapacity} was
   * made to always progress). The 10 s timeout in its own thread turns such a hang into a failure.
   */
  @ParameterizedTest(name = "growthFactor {0}")
  @ValueSource(doubles = {1.1, 1.5, 1.9})
  @Timeout(value = 10, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
  void capacity_shrinksToMinAfterDrain_withGrowthFactorBelowTwo(double growthFactor) {
    assumeTrue(isElastic(), "not elastic");
    QueueConfig slow =
        QueueConfig.builder()
            .initialCapacity(1)
            .minCapacity(1)
            .maxCapacity(32)
            .growthFactor(growthFactor)
            .shrinkThreshold(0.25)
            .build();
    Queue<Integer> q = newQueue(slow);
    for (int i = 0; i < slow.maxCapacity(); i++) {
      assertThat(q.offer(i)).isTrue();
    }
    for (int i = 0; i < slow.maxCapacity(); i++) {
      assertThat(q.poll()).isEqualTo(i);
    }
    int ops = 0;
    while (capacityOf(q) > slow.minCapacity() && ops < 100_000) {
      assertThat(q.poll()).isNull();
      ops++;
    }
    assertThat(capacityOf(q)).as("capacity after %d empty polls", ops).isEqualTo(1);
    assertThat(q.offer(7)).isTrue();
    assertThat(q.poll()).isEqualTo(7);
  }

  // ------------------------------------------------------------------ concurrency

  @Test
  @Timeout(value = 3, unit = TimeUnit.MINUTES, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
  void offer_fromManyProducers_eachValueOnceInProducerOrder() throws Exception {
    Queue<Integer> q = newQueue(SMALL);
    Queue<Throwable> errors = new ConcurrentLinkedQueue<>();
    CountDownLatch start = new CountDownLatch(1);
    AtomicBoolean abort = new AtomicBoolean();
    List<Thread> producers = startProducers(q, start, errors, abort);
    int[] next = new int[PRODUCERS];
    AtomicInteger received = new AtomicInteger();
    start.countDown();
    // A lost publication makes poll spin forever; the watchdog fails the test within seconds.
    StallWatchdog.run(
        getClass().getSimpleName(),
        Duration.ofSeconds(10),
        abort,
        received::get,
        () -> "size " + q.size() + ", next expected per producer " + Arrays.toString(next),
        () -> {
          while (received.get() < PRODUCERS * PER_PRODUCER) {
            Integer v = q.poll();
            if (v == null) {
              assertThat(errors).isEmpty();
              Thread.yield();
              continue;
            }
            int producer = v / PER_PRODUCER;
            int seq = v % PER_PRODUCER;
            assertThat(seq).as("value from producer %d", producer).isEqualTo(next[producer]);
            next[producer]++;
            received.incrementAndGet();
            if (isElastic()) {
              assertThat(capacityOf(q)).isBetween(SMALL.minCapacity(), SMALL.maxCapacity());
            }
          }
        });
    for (Thread t : producers) {
      t.join();
    }
    assertThat(errors).isEmpty();
    assertThat(next).containsOnly(PER_PRODUCER);
    assertThat(q.poll()).isNull();
    if (isElastic()) {
      assertGrewAndShrinks(q);
    }
  }

  @Test
  @Timeout(value = 3, unit = TimeUnit.MINUTES, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
  void poll_fromTwoConsumers_eachValueExactlyOnce() throws Exception {
    assumeTrue(isMultiConsumer(), "single consumer");
    Queue<Integer> q = newQueue(SMALL);
    Queue<Throwable> errors = new ConcurrentLinkedQueue<>();
    CountDownLatch start = new CountDownLatch(1);
    int total = PRODUCERS * PER_PRODUCER;
    AtomicInteger received = new AtomicInteger();
    List<List<Integer>> perConsumer = new ArrayList<>();
    List<Thread> consumers = new ArrayList<>();
    for (int c = 0; c < 2; c++) {
      List<Integer> mine = new ArrayList<>();
      perConsumer.add(mine);
      Thread t =
          new Thread(
              () -> {
                try {
                  start.await();
                  while (received.get() < total && errors.isEmpty()) {
                    Integer v = q.poll();
                    if (v == null) {
                      Thread.yield();
                    } else {
                      mine.add(v);
                      received.incrementAndGet();
                    }
                  }
                } catch (Throwable e) {
                  errors.add(e);
                }
              },
              "consumer-" + c);
      t.start();
      consumers.add(t);
    }
    List<Thread> producers = startProducers(q, start, errors, new AtomicBoolean());
    start.countDown();
    for (Thread t : producers) {
      t.join();
    }
    for (Thread t : consumers) {
      t.join();
    }
    assertThat(errors).isEmpty();
    int[] seen = new int[total];
    for (List<Integer> mine : perConsumer) {
      int[] last = new int[PRODUCERS];
      Arrays.fill(last, -1);
      for (int v : mine) {
        seen[v]++;
        int producer = v / PER_PRODUCER;
        int seq = v % PER_PRODUCER;
        // A FIFO queue hands each consumer a producer's values in that producer's order.
        assertThat(seq).isGreaterThan(last[producer]);
        last[producer] = seq;
      }
    }
    assertThat(seen).containsOnly(1);
    assertThat(q.poll()).isNull();
    if (isElastic()) {
      assertGrewAndShrinks(q);
    }
  }

  private List<Thread> startProducers(
      Queue<Integer> q, CountDownLatch start, Queue<Throwable> errors, AtomicBoolean abort) {
    List<Thread> producers = new ArrayList<>();
    for (int p = 0; p < PRODUCERS; p++) {
      int base = p * PER_PRODUCER;
      Thread t =
          new Thread(
              () -> {
                try {
                  start.await();
                  for (int s = 0; s < PER_PRODUCER; s++) {
                    Integer v = base + s;
                    while (!q.offer(v)) {
                      if (abort.get()) {
                        return;
                      }
                      Thread.yield();
                    }
                  }
                } catch (Throwable e) {
                  errors.add(e);
                }
              },
              "producer-" + p);
      t.setDaemon(true);
      t.start();
      producers.add(t);
    }
    return producers;
  }

  /** After a stress run: growth was observed, and the drained queue shrinks back to min. */
  private void assertGrewAndShrinks(Queue<Integer> q) {
    assertThat(statsOf(q).grows()).isPositive();
    int ops = 0;
    while (capacityOf(q) > SMALL.minCapacity() && ops < 100_000) {
      q.poll();
      ops++;
    }
    assertThat(capacityOf(q)).isEqualTo(SMALL.minCapacity());
    QueueStats stats = statsOf(q);
    assertThat(stats.shrinks()).isPositive();
    assertThat(stats.enqueued()).isEqualTo((long) PRODUCERS * PER_PRODUCER);
    assertThat(stats.dequeued()).isEqualTo((long) PRODUCERS * PER_PRODUCER);
    assertThat(stats.size()).isZero();
  }
}
