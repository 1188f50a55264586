package io.github.elasticq.queue;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * {@link AbstractElasticMpscQueue#takeUnreleased} and {@link
 * AbstractElasticMpscQueue#releaseTaken}, the consumer batch of {@code ElasticMessageQueue}, on
 * both layouts: taken elements stay counted until released, come out in FIFO order across buffer
 * hops, and under several producers every element is taken exactly once and in per-producer order.
 */
class TakeUnreleasedTest {

  interface Maker {
    AbstractElasticMpscQueue<Integer> make(QueueConfig config);
  }

  static Stream<Maker> layouts() {
    return Stream.of(ElasticMpscQueue::new, CompactElasticMpscQueue::new);
  }

  private static QueueConfig config(int min, int max) {
    return QueueConfig.builder()
        .initialCapacity(min)
        .minCapacity(min)
        .maxCapacity(max)
        .growthFactor(2.0)
        .shrinkThreshold(0.25)
        .build();
  }

  @ParameterizedTest
  @MethodSource("layouts")
  void takenElements_stayCountedUntilReleased(Maker maker) {
    AbstractElasticMpscQueue<Integer> q = maker.make(config(4, 64));
    for (int i = 0; i < 5; i++) {
      assertThat(q.offer(i)).isTrue();
    }
    Object[] out = new Object[8];

    int n = q.takeUnreleased(out, 3);

    assertThat(n).isEqualTo(3);
    assertThat(out).startsWith(0, 1, 2);
    assertThat(q.size()).isEqualTo(5);
    assertThat(q.isEmpty()).isFalse();
    q.releaseTaken(n);
    assertThat(q.size()).isEqualTo(2);
    assertThat(q.stats().dequeued()).isEqualTo(3);
    // The fifth offer grew the queue into a new buffer: a batch stops at the old buffer's end.
    assertThat(q.takeUnreleased(out, 8)).isEqualTo(1);
    assertThat(out[0]).isEqualTo(3);
    q.releaseTaken(1);
    assertThat(q.takeUnreleased(out, 8)).isEqualTo(1);
    assertThat(out[0]).isEqualTo(4);
    q.releaseTaken(1);
    assertThat(q.isEmpty()).isTrue();
    assertThat(q.takeUnreleased(out, 8)).isZero();
    assertThat(q.poll()).isNull();
  }

  @ParameterizedTest
  @MethodSource("layouts")
  void heldElements_stillCountAgainstMaxCapacity(Maker maker) {
    AbstractElasticMpscQueue<Integer> q = maker.make(config(2, 4));
    for (int i = 0; i < 4; i++) {
      assertThat(q.offer(i)).isTrue();
    }
    Object[] out = new Object[4];

    int n = q.takeUnreleased(out, 2);

    assertThat(n).isEqualTo(2);
    assertThat(q.offer(99)).as("held elements still occupy the queue").isFalse();
    q.releaseTaken(n);
    assertThat(q.offer(4)).isTrue();
    assertThat(q.offer(5)).isTrue();
    assertThat(q.offer(6)).isFalse();
    List<Object> rest = new ArrayList<>();
    for (Integer e; (e = q.poll()) != null; ) {
      rest.add(e);
    }
    assertThat(rest).containsExactly(2, 3, 4, 5);
  }

  /** Grows mid-way: the batch stops at the buffer's end, the next one hops to the successor. */
  @ParameterizedTest
  @MethodSource("layouts")
  void batches_crossBufferEnds_inFifoOrder(Maker maker) {
    AbstractElasticMpscQueue<Integer> q = maker.make(config(2, 1024));
    Object[] out = new Object[5];
    List<Object> taken = new ArrayList<>();
    int next = 0;
    for (int round = 0; round < 200; round++) {
      int burst = 1 + (round * 7) % 40; // grows and, drained, shrinks: many buffer ends
      for (int i = 0; i < burst; i++) {
        assertThat(q.offer(next++)).isTrue();
      }
      int n;
      while ((n = q.takeUnreleased(out, 1 + round % 5)) > 0) {
        for (int i = 0; i < n; i++) {
          taken.add(out[i]);
        }
        q.releaseTaken(n);
      }
      assertThat(q.poll()).as("nothing left after the batches").isNull();
    }
    assertThat(taken).hasSize(next);
    for (int i = 0; i < next; i++) {
      assertThat(taken.get(i)).isEqualTo(i);
    }
    assertThat(q.stats().grows()).isPositive();
    assertThat(q.stats().shrinks()).isPositive();
  }

  /**
   * A release of more than {@link AbstractElasticMpscQueue#MAX_OPS_PER_SAMPLE} elements at once
   * passes the index at which the next occupancy sample was due by more than a short: the compact
   * layout keeps that index in 16 bits, so the distance wrapped to a large positive number and the
   * sample (and with it the shrink of an underused queue) was put off by up to 32 767 further
   * consumer operations. Here the queue holds 10 of 65 536 slots after the release, and 8 000
   * offer-poll pairs (about 3 000 take the four low samples of a step at this capacity) must bring
   * a shrink.
   */
  @ParameterizedTest
  @MethodSource("layouts")
  void aReleaseOfMoreThanAShortOfElements_doesNotPutOffTheNextSample(Maker maker) {
    int big = 1 << 16;
    AbstractElasticMpscQueue<Integer> q =
        maker.make(
            QueueConfig.builder()
                .initialCapacity(big)
                .minCapacity(16)
                .maxCapacity(big << 1)
                .growthFactor(2.0)
                .shrinkThreshold(0.25)
                .build());
    int batch = 40_000; // > Short.MAX_VALUE, in the one (initial) buffer
    for (int i = 0; i < batch + 10; i++) {
      assertThat(q.offer(i)).isTrue();
    }
    Object[] out = new Object[batch];
    assertThat(q.takeUnreleased(out, batch)).isEqualTo(batch);
    q.releaseTaken(batch);
    assertThat(q.capacity()).isEqualTo(big);

    int next = batch + 10;
    for (int i = 0; i < 8_000; i++) {
      assertThat(q.offer(next++)).isTrue();
      assertThat(q.poll()).isEqualTo(next - 11);
    }

    assertThat(q.capacity())
        .as("10 of %d slots used for 8 000 operations: shrunk", big)
        .isLessThan(big);
  }

  @ParameterizedTest
  @MethodSource("layouts")
  void badArguments_areRefusedWithTheirValue(Maker maker) {
    AbstractElasticMpscQueue<Integer> q = maker.make(config(2, 8));
    Object[] out = new Object[4];
    assertThatThrownBy(() -> q.takeUnreleased(out, 0))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("was 0");
    assertThatThrownBy(() -> q.takeUnreleased(out, 5))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("[1, 4]");
    assertThatThrownBy(() -> q.releaseTaken(0))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("was 0");
  }

  /**
   * Four producers, one consumer that takes batches of up to 7 and releases each after reading it,
   * the queue between 2 and 64 slots (grows, shrinks, rejections at max): every accepted element is
   * taken once, in per-producer order, and the size never counts more than max.
   */
  @ParameterizedTest
  @MethodSource("layouts")
  void manyProducers_everyElementOnceInProducerOrder(Maker maker) throws Exception {
    AbstractElasticMpscQueue<Integer> q = maker.make(config(2, 64));
    int producers = 4;
    int perProducer = 200_000;
    AtomicBoolean abort = new AtomicBoolean();
    AtomicLong accepted = new AtomicLong();
    AtomicLong takenCount = new AtomicLong();
    List<Thread> threads = new ArrayList<>();
    for (int p = 0; p < producers; p++) {
      int id = p;
      Thread t =
          new Thread(
              () -> {
                for (int s = 0; s < perProducer && !abort.get(); ) {
                  if (q.offer(id * perProducer + s)) {
                    accepted.incrementAndGet();
                    s++;
                  } else {
                    Thread.onSpinWait();
                  }
                }
              });
      t.start();
      threads.add(t);
    }
    int[] nextOf = new int[producers];
    long total = (long) producers * perProducer;
    StallWatchdog.run(
        "take-unreleased",
        Duration.ofSeconds(20),
        abort,
        takenCount::get,
        () -> "taken " + takenCount.get() + " of " + total + ", size " + q.size(),
        () -> {
          Object[] out = new Object[7];
          while (takenCount.get() < total) {
            int n = q.takeUnreleased(out, 1 + (int) (takenCount.get() % 7));
            if (n == 0) {
              Integer e = q.relaxedPoll(16);
              if (e == null) {
                Thread.onSpinWait();
                continue;
              }
              out[0] = e;
              check(out, 1, nextOf, perProducer);
              takenCount.incrementAndGet();
              continue;
            }
            assertThat(q.size()).isBetween(n, 64);
            check(out, n, nextOf, perProducer);
            q.releaseTaken(n);
            takenCount.addAndGet(n);
          }
        });
    for (Thread t : threads) {
      t.join();
    }
    assertThat(accepted.get()).isEqualTo(total);
    assertThat(q.poll()).isNull();
    for (int p = 0; p < producers; p++) {
      assertThat(nextOf[p]).isEqualTo(perProducer);
    }
  }

  private static void check(Object[] out, int n, int[] nextOf, int perProducer) {
    for (int i = 0; i < n; i++) {
      int v = (Integer) out[i];
      int producer = v / perProducer;
      assertThat(v % perProducer)
          .as("producer %d's next element", producer)
          .isEqualTo(nextOf[producer]);
      nextOf[producer]++;
    }
  }
}
