package io.github.elasticq.streams.javadsl;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.elasticq.queue.QosQueue;
import io.github.elasticq.queue.QueueConfig;
import io.github.elasticq.queue.QueueStats;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.pekko.stream.QueueOfferResult;
import org.junit.jupiter.api.Test;

/**
 * The stage-side steps of {@link SourceQueueCore} with a chosen interleaving: a buffer whose empty
 * poll runs a producer's action before it returns, the window a stage thread can be preempted in.
 */
class SourceQueueCoreTest {

  private static final QueueConfig CONFIG = StreamTestSupport.config(2, 16);

  /**
   * watchCompletion completes only after every leftover went to the undelivered handler: a producer
   * whose offer races the termination may take over the drain (terminate's own drain then returns
   * at once), and the completion used to come before that producer had handed the leftovers over.
   * Checked at the moment the future completes, over many racing trials.
   */
  @Test
  void watchCompletion_waitsForAProducersDrainOfTheLeftovers() throws Exception {
    int preload = 50;
    long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    int producerDrains = 0;
    for (int trial = 0; trial < 3_000 && System.nanoTime() < end; trial++) {
      AtomicIntegerArray handled = new AtomicIntegerArray(preload);
      AtomicReference<Thread> producerThread = new AtomicReference<>();
      AtomicBoolean producerDrained = new AtomicBoolean();
      SourceQueueCore<Integer> core =
          new SourceQueueCore<>(
              SourceBuffer.elastic(StreamTestSupport.config(64, 1 << 20)),
              4,
              e -> {
                if (Thread.currentThread() == producerThread.get()) {
                  producerDrained.set(true);
                  Thread.onSpinWait();
                }
                if (e < preload) {
                  handled.set(e, 1);
                }
              });
      core.attach(() -> {});
      for (int i = 0; i < preload; i++) {
        core.offer(i, 0);
      }
      AtomicInteger missingAtCompletion = new AtomicInteger(-1);
      CompletableFuture<Void> checked =
          core.watchCompletion()
              .thenRun(
                  () -> {
                    int missing = 0;
                    for (int i = 0; i < preload; i++) {
                      missing += 1 - handled.get(i);
                    }
                    missingAtCompletion.set(missing);
                  })
              .toCompletableFuture();
      Thread producer =
          terminateWhile(
              core,
              () -> {
                producerThread.set(Thread.currentThread());
                int x = 1_000_000;
                while (core.offer(x++, 0) == QueueOfferResult.enqueued()) {
                  Thread.onSpinWait();
                }
              },
              200);
      checked.get(10, TimeUnit.SECONDS);
      producer.join();
      producerDrains += producerDrained.get() ? 1 : 0;
      assertThat(missingAtCompletion)
          .as("trial %d: leftovers not handed over when watchCompletion completed", trial)
          .hasValue(0);
      assertThat(core.undeliveredCount()).isGreaterThanOrEqualTo(preload);
    }
    System.out.println("producer drains: " + producerDrains);
  }

  /** watchCompletion completes only after every waiting offerAsync was completed. */
  @Test
  void watchCompletion_waitsForTheWaitingOffers() throws Exception {
    long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    for (int trial = 0; trial < 1_000 && System.nanoTime() < end; trial++) {
      SourceQueueCore<Integer> core =
          new SourceQueueCore<>(
              SourceBuffer.elastic(StreamTestSupport.config(1, 1)), 1 << 20, null);
      core.attach(() -> {});
      assertThat(core.offer(0, 0)).isEqualTo(QueueOfferResult.enqueued()); // full: offers wait
      Queue<CompletableFuture<QueueOfferResult>> returned = new ConcurrentLinkedQueue<>();
      for (int i = 0; i < 200; i++) {
        returned.add(core.offerAsync(i + 1, 0).toCompletableFuture());
      }
      AtomicInteger pendingAtCompletion = new AtomicInteger(-1);
      CompletableFuture<Void> checked =
          core.watchCompletion()
              .thenRun(
                  () ->
                      pendingAtCompletion.set(
                          (int) returned.stream().filter(f -> !f.isDone()).count()))
              .toCompletableFuture();
      Thread producer =
          terminateWhile(
              core,
              () -> {
                int x = 1_000_000;
                while (!core.isClosed()) {
                  returned.add(core.offerAsync(x++, 0).toCompletableFuture());
                }
              },
              2_000);
      checked.get(10, TimeUnit.SECONDS);
      producer.join();
      assertThat(pendingAtCompletion)
          .as("trial %d: waiting offers still pending when watchCompletion completed", trial)
          .hasValue(0);
    }
  }

  /**
   * An Error thrown by the undelivered handler does not stop the drain or leave watchCompletion
   * pending: every leftover is counted and handed on, the future completes, then the Error
   * propagates.
   */
  @Test
  void handlerError_finishesTheDrainAndTheCompletion_thenPropagates() {
    List<Integer> handed = new ArrayList<>();
    SourceQueueCore<Integer> core =
        new SourceQueueCore<>(
            SourceBuffer.elastic(CONFIG),
            4,
            e -> {
              handed.add(e);
              if (e == 1) {
                throw new AssertionError("handler failed on " + e);
              }
            });
    core.attach(() -> {});
    for (int i = 0; i < 5; i++) {
      assertThat(core.offer(i, 0)).isEqualTo(QueueOfferResult.enqueued());
    }
    assertThatThrownBy(() -> core.terminate(null))
        .isInstanceOf(AssertionError.class)
        .hasMessage("handler failed on 1");
    assertThat(handed).containsExactly(0, 1, 2, 3, 4);
    assertThat(core.undeliveredCount()).isEqualTo(5);
    assertThat(core.watchCompletion().toCompletableFuture()).isCompleted();
  }

  /**
   * Starts a producer running {@code offers}, lets it run a random number (below {@code maxSpins})
   * of spin waits, then terminates {@code core} as the stage's postStop does; returns the producer.
   */
  private static Thread terminateWhile(SourceQueueCore<Integer> core, Runnable offers, int maxSpins)
      throws InterruptedException {
    CountDownLatch started = new CountDownLatch(1);
    Thread producer =
        new Thread(
            () -> {
              started.countDown();
              offers.run();
            });
    producer.start();
    started.await();
    for (int i = ThreadLocalRandom.current().nextInt(maxSpins); i > 0; i--) {
      Thread.onSpinWait();
    }
    core.terminate(null);
    return producer;
  }

  @Test
  void offerAndComplete_betweenTheStagesEmptyPollAndItsStateRead_isEmittedNotDiscarded() {
    List<Integer> undelivered = new ArrayList<>();
    HookedBuffer buffer = new HookedBuffer(SourceBuffer.elastic(CONFIG));
    SourceQueueCore<Integer> core = new SourceQueueCore<>(buffer, 4, undelivered::add);
    core.attach(() -> {});
    buffer.onEmptyPoll =
        () -> {
          assertThat(core.offer(1, 0)).isEqualTo(QueueOfferResult.enqueued());
          core.complete(); // offer returned before complete: the element must be emitted
        };

    assertThat(core.pollOrPark()).isEqualTo(1);
    assertThat(core.drained()).isFalse();
    assertThat(core.pollOrPark()).isNull();
    assertThat(core.drained()).as("closed and empty: the stage completes").isTrue();
    core.terminate(null);
    assertThat(undelivered).isEmpty();
    assertThat(core.undeliveredCount()).isZero();
  }

  @Test
  void offerAndComplete_afterThePark_doNotEndTheStage_theWakeUpDeliversTheElement() {
    List<Integer> undelivered = new ArrayList<>();
    AtomicInteger wakeUps = new AtomicInteger();
    SourceQueueCore<Integer> core =
        new SourceQueueCore<>(SourceBuffer.elastic(CONFIG), 4, undelivered::add);
    core.attach(wakeUps::incrementAndGet);

    assertThat(core.pollOrPark()).isNull(); // empty: parked
    assertThat(core.isParked()).isTrue();
    // before the stage acts on that null, a producer offers (and wakes it) and closes the queue
    assertThat(core.offer(1, 0)).isEqualTo(QueueOfferResult.enqueued());
    core.complete();
    // the offer's wake-up, and complete()'s, which it sends whether or not the stage is parked
    // (a stage without demand must hear of it too); the stage ignores the one it does not need
    assertThat(wakeUps.get()).isEqualTo(2);
    assertThat(core.isClosed()).isTrue();
    assertThat(core.drained()).as("a null that parked is not the end").isFalse();

    assertThat(core.pollOrPark()).isEqualTo(1); // the wake-up's pull
    assertThat(core.pollOrPark()).isNull();
    assertThat(core.drained()).isTrue();
    core.terminate(null);
    assertThat(undelivered).isEmpty();
  }

  @Test
  void completeWhileParked_wakesTheStage_whichFindsItDrained() {
    AtomicInteger wakeUps = new AtomicInteger();
    SourceQueueCore<Integer> core = new SourceQueueCore<>(SourceBuffer.elastic(CONFIG), 4, null);
    core.attach(wakeUps::incrementAndGet);
    assertThat(core.pollOrPark()).isNull();
    assertThat(core.drained()).isFalse();
    core.complete();
    assertThat(wakeUps.get()).isEqualTo(1);
    assertThat(core.pollOrPark()).isNull();
    assertThat(core.drained()).isTrue();
  }

  /**
   * complete() wakes a stage that is not parked too (it has no demand, so it never parked): the
   * stage then finds the queue closed and empty and completes without a pull. It used to wake only
   * a parked stage, and a stream whose downstream had stopped pulling never completed.
   */
  @Test
  void completeWithoutDemand_wakesTheStage_whichFindsItClosedAndEmpty() {
    AtomicInteger wakeUps = new AtomicInteger();
    SourceQueueCore<Integer> core = new SourceQueueCore<>(SourceBuffer.elastic(CONFIG), 4, null);
    core.attach(wakeUps::incrementAndGet);
    assertThat(core.offer(1, 0)).isEqualTo(QueueOfferResult.enqueued());
    assertThat(core.pollOrPark()).isEqualTo(1); // emitted; no demand after it, so no park
    assertThat(core.closedAndEmpty()).isFalse(); // open
    core.complete();
    assertThat(wakeUps.get()).as("wake-ups of a stage that was not parked").isEqualTo(1);
    assertThat(core.closedAndEmpty()).isTrue();
    assertThat(core.drained()).isTrue();
  }

  /**
   * An element offered before complete() counts as held, also between its producer's claim and its
   * store: the stage without demand does not complete over it.
   */
  @Test
  void closedAndEmpty_countsAnElementOfferedBeforeTheClose() {
    SourceQueueCore<Integer> core = new SourceQueueCore<>(SourceBuffer.elastic(CONFIG), 4, null);
    core.attach(() -> {});
    assertThat(core.offer(7, 0)).isEqualTo(QueueOfferResult.enqueued());
    core.complete();
    assertThat(core.closedAndEmpty()).isFalse();
    assertThat(core.drained()).isFalse();
    assertThat(core.pollOrPark()).isEqualTo(7);
    assertThat(core.closedAndEmpty()).isTrue();
  }

  /**
   * ElasticSourceQueue promises that one thread's elements are emitted in the order it offered
   * them, and that waiting offers are admitted in FIFO order. A plain offer used to take the slot
   * the stage freed before the stage served the waiting offer (it serves waiters after it emits),
   * so a producer that falls back to offerAsync when offer drops saw its next element overtake the
   * waiting one. The stage's steps driven by hand: poll (a slot frees), the producer's offer,
   * afterEmit.
   */
  @Test
  void plainOffer_whileAnOfferWaits_isDropped_soItCannotOvertakeIt() {
    SourceQueueCore<String> core =
        new SourceQueueCore<>(SourceBuffer.elastic(StreamTestSupport.config(1, 1)), 16, null);
    core.attach(() -> {});
    assertThat(core.offer("x", 0)).isEqualTo(QueueOfferResult.enqueued()); // full (max 1)
    CompletableFuture<QueueOfferResult> a = core.offerAsync("a", 0).toCompletableFuture();
    assertThat(a).isNotDone();

    List<String> emitted = new ArrayList<>();
    emitted.add(core.pollOrPark()); // the stage takes x: a slot is free, a still waits
    assertThat(core.offer("b", 0)).as("b while a waits").isEqualTo(QueueOfferResult.dropped());
    core.afterEmit(); // a admitted
    assertThat(a).isCompletedWithValue(QueueOfferResult.enqueued());
    assertThat(core.offer("b", 0)).isEqualTo(QueueOfferResult.dropped()); // full again: a is in
    emitted.add(core.pollOrPark());
    assertThat(core.offer("b", 0)).as("b once nobody waits").isEqualTo(QueueOfferResult.enqueued());
    emitted.add(core.pollOrPark());
    assertThat(emitted).containsExactly("x", "a", "b");
    assertThat(core.stats().rejected()).as("both drops counted").isEqualTo(2);
  }

  /** The same on a QoS buffer: only waiters of the offer's own level make it drop. */
  @Test
  void plainOffer_isDroppedOnlyWhileOffersOfItsOwnLevelWait() {
    QueueConfig one = StreamTestSupport.config(1, 1);
    SourceQueueCore<String> core =
        new SourceQueueCore<>(
            SourceBuffer.qos(new QosQueue<>(2, QosQueue.Fairness.STRICT, null, one), one),
            16,
            null);
    core.attach(() -> {});
    assertThat(core.offer("low", 0)).isEqualTo(QueueOfferResult.enqueued());
    CompletableFuture<QueueOfferResult> waiting = core.offerAsync("low2", 0).toCompletableFuture();
    assertThat(waiting).isNotDone();
    assertThat(core.offer("high", 1))
        .as("another level's waiter")
        .isEqualTo(QueueOfferResult.enqueued());
    assertThat(core.pollOrPark()).isEqualTo("high");
    assertThat(core.pollOrPark()).isEqualTo("low"); // level 0 has room now; low2 still waits
    assertThat(core.offer("low3", 0)).isEqualTo(QueueOfferResult.dropped());
    core.afterEmit();
    assertThat(waiting).isCompletedWithValue(QueueOfferResult.enqueued());
  }

  @Test
  void sameWindow_onAQosBuffer() {
    List<Integer> undelivered = new ArrayList<>();
    HookedBuffer buffer =
        new HookedBuffer(
            SourceBuffer.qos(new QosQueue<>(2, QosQueue.Fairness.STRICT, null, CONFIG), CONFIG));
    SourceQueueCore<Integer> core = new SourceQueueCore<>(buffer, 4, undelivered::add);
    core.attach(() -> {});
    buffer.onEmptyPoll =
        () -> {
          core.offer(7, 1);
          core.offer(8, 0);
          core.complete();
        };

    List<Integer> emitted = new ArrayList<>();
    Integer e;
    while ((e = core.pollOrPark()) != null) {
      emitted.add(e);
    }
    assertThat(core.drained()).isTrue();
    core.terminate(null);
    assertThat(emitted).containsExactlyInAnyOrder(7, 8);
    assertThat(undelivered).isEmpty();
  }

  /**
   * The levels' capacities are independent, so a waiting offer waits only behind waiting offers to
   * its own level. With one FIFO for all levels, an offer to the high level, which had room, waited
   * behind the low level's waiters (a priority inversion: it got in only after the stage had
   * emitted enough low-priority elements to admit every waiter ahead of it).
   */
  @Test
  void waitingOffers_ofOneLevel_doNotHoldBackAnotherLevels() {
    QueueConfig two = StreamTestSupport.config(1, 2);
    SourceQueueCore<Integer> core =
        new SourceQueueCore<>(
            SourceBuffer.qos(new QosQueue<>(2, QosQueue.Fairness.STRICT, null, two), two),
            16,
            null);
    QueueOfferResult enqueued = QueueOfferResult.enqueued();
    assertThat(core.offer(1, 0)).isEqualTo(enqueued);
    assertThat(core.offer(2, 0)).isEqualTo(enqueued);
    CompletableFuture<QueueOfferResult> low3 = core.offerAsync(3, 0).toCompletableFuture();
    CompletableFuture<QueueOfferResult> low4 = core.offerAsync(4, 0).toCompletableFuture();
    assertThat(low3).isNotDone();

    assertThat(core.offerAsync(10, 1).toCompletableFuture())
        .as("level 1 has room: in at once, not behind level 0's waiters")
        .isCompletedWithValue(enqueued);
    assertThat(core.offer(11, 1)).isEqualTo(enqueued);
    CompletableFuture<QueueOfferResult> high12 = core.offerAsync(12, 1).toCompletableFuture();
    assertThat(high12).isNotDone();
    assertThat(core.waitingOffers()).isEqualTo(3);

    assertThat(core.pollOrPark()).isEqualTo(10); // the highest level first
    core.afterEmit();
    assertThat(high12)
        .as("a slot of level 1 admits its waiter while level 0 is still full")
        .isCompletedWithValue(enqueued);
    assertThat(low3).isNotDone();

    List<Integer> emitted = new ArrayList<>();
    Integer e;
    while ((e = core.pollOrPark()) != null) {
      emitted.add(e);
      core.afterEmit();
    }
    assertThat(emitted).containsExactly(11, 12, 1, 2, 3, 4);
    assertThat(low3).isCompletedWithValue(enqueued);
    assertThat(low4).isCompletedWithValue(enqueued);
    assertThat(core.waitingOffers()).isZero();
  }

  @Test
  void offerBetweenTheEmptyPollAndThePark_wakesOrIsFoundByTheRecheck() {
    AtomicInteger wakeUps = new AtomicInteger();
    HookedBuffer buffer = new HookedBuffer(SourceBuffer.elastic(CONFIG));
    SourceQueueCore<Integer> core = new SourceQueueCore<>(buffer, 4, null);
    core.attach(wakeUps::incrementAndGet);
    buffer.onEmptyPoll = () -> core.offer(5, 0);

    Integer e = core.pollOrPark();
    assertThat(e != null || wakeUps.get() > 0).as("emitted or woken").isTrue();
    assertThat(e).isEqualTo(5); // the recheck after parking finds it
    assertThat(core.isParked()).isFalse();
  }

  /** Delegates to a real buffer; the first poll that finds it empty runs {@link #onEmptyPoll}. */
  private static final class HookedBuffer implements SourceBuffer<Integer> {
    private final SourceBuffer<Integer> delegate;
    Runnable onEmptyPoll;

    HookedBuffer(SourceBuffer<Integer> delegate) {
      this.delegate = delegate;
    }

    @Override
    public Integer poll() {
      Integer e = delegate.poll();
      Runnable hook = onEmptyPoll;
      if (e == null && hook != null) {
        onEmptyPoll = null;
        hook.run();
      }
      return e;
    }

    @Override
    public boolean offer(Integer element, int level) {
      return delegate.offer(element, level);
    }

    @Override
    public boolean hasRoom(int level) {
      return delegate.hasRoom(level);
    }

    @Override
    public boolean isEmpty() {
      return delegate.isEmpty();
    }

    @Override
    public int size() {
      return delegate.size();
    }

    @Override
    public int capacity() {
      return delegate.capacity();
    }

    @Override
    public QueueStats stats() {
      return delegate.stats();
    }

    @Override
    public QueueConfig config() {
      return delegate.config();
    }

    @Override
    public int levels() {
      return delegate.levels();
    }
  }
}
