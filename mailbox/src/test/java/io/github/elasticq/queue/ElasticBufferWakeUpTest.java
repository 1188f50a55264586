package io.github.elasticq.queue;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.reflect.Field;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Function;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Blocked {@code put}/{@code take} calls mixed with the asynchronous ones: every blocked thread is
 * woken while there is an element (space) for it. Two wake-ups used to be lost: an element refilled
 * from a pending {@code putAsync} woke no blocked taker, and a {@code put} woken for space that
 * then handed its element to a pending {@code takeAsync} did not pass the wake-up on. Also: streams
 * over a buffer in use, and a shrink ring that cannot be allocated.
 */
@Timeout(value = 2, unit = TimeUnit.MINUTES, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class ElasticBufferWakeUpTest {

  private static QueueConfig config(int min, int initial, int max) {
    return ElasticBufferTest.config(min, initial, max, 2.0, 0.25);
  }

  /**
   * The buffer's lock, held by the test to make two operations happen before a woken thread runs.
   */
  private static ReentrantLock lockOf(ElasticBuffer<?> b) throws ReflectiveOperationException {
    Field f = ElasticBuffer.class.getDeclaredField("lock");
    f.setAccessible(true);
    return (ReentrantLock) f.get(b);
  }

  @Test
  void elementRefilledFromAPendingPutAsync_wakesABlockedTaker() throws Exception {
    ElasticBuffer<Integer> b = new ElasticBuffer<>(config(1, 1, 1));
    AtomicReference<Object> r1 = new AtomicReference<>();
    AtomicReference<Object> r2 = new AtomicReference<>();
    Thread t1 = ElasticBufferTest.startThread("take-1", () -> r1.set(b.take()), r1);
    ElasticBufferTest.awaitParked(t1);
    Thread t2 = ElasticBufferTest.startThread("take-2", () -> r2.set(b.take()), r2);
    ElasticBufferTest.awaitParked(t2);
    CompletableFuture<Void> put;
    ReentrantLock lock = lockOf(b);
    lock.lock();
    try {
      assertThat(b.offer(1)).isTrue(); // wakes take-1 only
      put = b.putAsync(2); // full at max: pending
      assertThat(put).isNotDone();
    } finally {
      lock.unlock();
    }
    t1.join(10_000);
    assertThat(r1.get()).isEqualTo(1);
    assertThat(put).isDone(); // take-1 refilled 2 from the pending put
    t2.join(10_000);
    assertThat(t2.getState())
        .as("take-2 blocked while the queue holds %s", List.of(b.toArray()))
        .isEqualTo(Thread.State.TERMINATED);
    assertThat(r2.get()).isEqualTo(2);
  }

  @Test
  void putWokenForSpaceThatHandsToAPendingTakeAsync_passesTheWakeUpOn() throws Exception {
    ElasticBuffer<Integer> b = new ElasticBuffer<>(config(1, 1, 1));
    assertThat(b.offer(0)).isTrue();
    AtomicReference<Object> f1 = new AtomicReference<>();
    AtomicReference<Object> f2 = new AtomicReference<>();
    Thread p1 = ElasticBufferTest.startThread("put-1", () -> b.put(1), f1);
    ElasticBufferTest.awaitParked(p1);
    Thread p2 = ElasticBufferTest.startThread("put-2", () -> b.put(2), f2);
    ElasticBufferTest.awaitParked(p2);
    CompletableFuture<Integer> first;
    ReentrantLock lock = lockOf(b);
    lock.lock();
    try {
      assertThat(b.poll()).isZero(); // wakes put-1 only
      first = b.takeAsync(); // empty: pending, so put-1 will hand 1 to it
      assertThat(first).isNotDone();
    } finally {
      lock.unlock();
    }
    p1.join(10_000);
    assertThat(first.get(10, TimeUnit.SECONDS)).isEqualTo(1);
    CompletableFuture<Integer> second = b.takeAsync();
    p2.join(10_000);
    assertThat(p2.getState())
        .as("put-2 blocked with size %d below max 1", b.size())
        .isEqualTo(Thread.State.TERMINATED);
    assertThat(second.get(10, TimeUnit.SECONDS)).isEqualTo(2);
    assertThat(f1.get()).isNull();
    assertThat(f2.get()).isNull();
  }

  /** The first wake-up under real interleavings: blocked takers, putAsync producers. */
  @Test
  void blockedTakers_putAsyncProducers_allFinish() throws Exception {
    rounds(
        (b, base) -> {
          CompletableFuture<Void> last = null;
          for (int i = 0; i < PER_THREAD; i++) {
            last = b.putAsync(base + i);
            if ((i & 7) == 0) {
              last.join();
            }
          }
          last.join();
        },
        b -> b::take);
  }

  /** The second wake-up under real interleavings: blocked putters, takeAsync consumers. */
  @Test
  void blockedPutters_takeAsyncConsumers_allFinish() throws Exception {
    rounds(
        (b, base) -> {
          for (int i = 0; i < PER_THREAD; i++) {
            b.put(base + i);
          }
        },
        b -> () -> b.takeAsync().get());
  }

  private static final int PER_THREAD = 2_000;

  /** One producer's work: {@code PER_THREAD} elements from {@code base} into the buffer. */
  private interface Produce {
    void run(ElasticBuffer<Integer> b, int base) throws Exception;
  }

  private interface Take {
    int next() throws Exception;
  }

  /**
   * 20 rounds on a buffer of max 1: 4 producers running {@code produce} beside 4 consumers of
   * {@code PER_THREAD} elements each; every round waits up to 20 s and checks that nobody is left
   * blocked and every element arrived.
   */
  private static void rounds(Produce produce, Function<ElasticBuffer<Integer>, Take> consumer)
      throws InterruptedException {
    for (int round = 0; round < 20; round++) {
      ElasticBuffer<Integer> b = new ElasticBuffer<>(config(1, 1, 1));
      Take take = consumer.apply(b);
      List<Thread> threads = new ArrayList<>();
      AtomicLong taken = new AtomicLong();
      AtomicLong sum = new AtomicLong();
      for (int p = 0; p < 4; p++) {
        int base = p * PER_THREAD;
        threads.add(daemon(() -> produce.run(b, base)));
      }
      for (int c = 0; c < 4; c++) {
        threads.add(
            daemon(
                () -> {
                  for (int i = 0; i < PER_THREAD; i++) {
                    sum.addAndGet(take.next());
                    taken.incrementAndGet();
                  }
                }));
      }
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
      for (Thread t : threads) {
        t.join(Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime())));
      }
      long stuck = threads.stream().filter(Thread::isAlive).count();
      int left = b.size();
      threads.forEach(Thread::interrupt);
      long n = 4L * PER_THREAD;
      assertThat(stuck)
          .as(
              "round %d: %d threads still blocked, size %d, taken %d of %d",
              round, stuck, left, taken.get(), n)
          .isZero();
      assertThat(sum.get())
          .as("round %d: sum of the elements taken", round)
          .isEqualTo(n * (n - 1) / 2);
    }
  }

  private static Thread daemon(ElasticBufferTest.ThrowingRunnable body) {
    Thread t =
        new Thread(
            () -> {
              try {
                body.run();
              } catch (InterruptedException e) {
                // the test gave up on this thread
              } catch (Exception e) {
                throw new AssertionError(e);
              }
            });
    t.setDaemon(true);
    t.start();
    return t;
  }

  /** The inherited spliterator was sized from size(), read at another moment than the snapshot. */
  @Test
  void streamWhileOtherThreadsOfferAndClear_isASnapshot() throws Exception {
    ElasticBuffer<Integer> b = new ElasticBuffer<>(config(16, 16, 1 << 16));
    AtomicReference<Object> failed = new AtomicReference<>();
    AtomicReference<Boolean> stop = new AtomicReference<>(false);
    Thread producer =
        ElasticBufferTest.startThread(
            "producer",
            () -> {
              int i = 0;
              while (!stop.get()) {
                b.offer(i++);
                if ((i & 1023) == 0) {
                  b.clear();
                }
              }
            },
            failed);
    try {
      long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(2);
      while (System.nanoTime() < end) {
        Object[] seen = b.stream().toArray();
        for (int i = 1; i < seen.length; i++) {
          assertThat((Integer) seen[i]).isEqualTo((Integer) seen[i - 1] + 1); // FIFO, no gap
        }
      }
    } finally {
      stop.set(true);
      producer.join();
    }
    assertThat(failed.get()).isNull();
  }

  /** A shrink step only returns memory: if its ring cannot be allocated, no element is lost. */
  @Test
  void shrinkRingThatCannotBeAllocated_losesNoElement() {
    AtomicReference<Boolean> fail = new AtomicReference<>(false);
    AtomicLong refused = new AtomicLong();
    ElasticBuffer<Integer> b =
        new ElasticBuffer<>(
            config(2, 2, 8),
            1,
            length -> {
              if (fail.get()) {
                refused.incrementAndGet();
                throw new OutOfMemoryError("test: no ring of " + length);
              }
              return new Object[length];
            });
    for (int i = 0; i < 8; i++) {
      assertThat(b.offer(i)).isTrue();
    }
    fail.set(true);
    List<Integer> out = new ArrayList<>();
    List<Throwable> errors = new ArrayList<>();
    for (int i = 0; i < 8; i++) {
      try {
        out.add(b.poll());
      } catch (OutOfMemoryError e) { // caught here so that a failure fails this test, not the JVM
        errors.add(e);
      }
    }
    assertThat(out).as("polled; errors: %s", errors).containsExactly(0, 1, 2, 3, 4, 5, 6, 7);
    assertThat(refused.get()).as("shrink rings refused").isPositive();
    assertThat(b.capacity()).as("no step taken").isEqualTo(8);
    fail.set(false);
    assertThat(b.poll()).isNull();
    assertThat(b.offer(8)).isTrue();
    assertThat(b.poll()).isEqualTo(8);
  }
}
