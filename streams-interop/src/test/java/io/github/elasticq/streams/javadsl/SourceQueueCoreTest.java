package io.github.elasticq.streams.javadsl;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.elasticq.queue.QosQueue;
import io.github.elasticq.queue.QueueConfig;
import io.github.elasticq.queue.QueueStats;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.pekko.stream.QueueOfferResult;
import org.junit.jupiter.api.Test;

/**
 * The stage-side steps of {@link SourceQueueCore} with a chosen interleaving: a buffer whose empty
 * poll runs a producer's action before it returns, the window a stage thread can be preempted in.
 */
class SourceQueueCoreTest {

  private static final QueueConfig CONFIG = StreamTestSupport.config(2, 16);

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
    assertThat(wakeUps.get()).isEqualTo(1);
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
  }
}
