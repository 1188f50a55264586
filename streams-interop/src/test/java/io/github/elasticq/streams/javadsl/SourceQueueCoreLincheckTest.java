package io.github.elasticq.streams.javadsl;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.elasticq.queue.QueueConfig;
import java.util.ArrayDeque;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.pekko.stream.QueueOfferResult;
import org.jetbrains.lincheck.datastructures.IntGen;
import org.jetbrains.lincheck.datastructures.ModelCheckingOptions;
import org.jetbrains.lincheck.datastructures.Operation;
import org.jetbrains.lincheck.datastructures.Param;
import org.jetbrains.lincheck.datastructures.StressOptions;
import org.jetbrains.lincheck.datastructures.Validate;
import org.junit.jupiter.api.Test;

/**
 * Lincheck over {@link SourceQueueCore}: producers {@code offer} from several threads while one
 * thread plays the stage, calling {@code pollOrPark} as the stage does on demand or on a wake-up.
 * The results must linearize to a bounded FIFO (an empty result means "empty at some point"), and
 * after every scenario {@link Scenario#noLostWakeUp()} checks the wake-up protocol: if the stage's
 * last call returned nothing (it parked) and no wake-up was delivered since, the queue must be
 * empty. {@link #negativeControl_withoutRecheck_losesAWakeUp} runs the same check on a core that
 * skips the re-poll after parking and expects Lincheck to find the lost wake-up.
 */
class SourceQueueCoreLincheckTest {

  static final QueueConfig TINY =
      QueueConfig.builder()
          .initialCapacity(1)
          .minCapacity(1)
          .maxCapacity(3)
          .growthFactor(2.0)
          .shrinkThreshold(0.5)
          .build();

  private static ModelCheckingOptions modelChecking() {
    return new ModelCheckingOptions()
        .iterations(8)
        .invocationsPerIteration(250)
        .threads(3)
        .actorsPerThread(3)
        .actorsBefore(1)
        .actorsAfter(0)
        .sequentialSpecification(BoundedFifo.class);
  }

  @Test
  void offerRacingPullAndPark_modelChecking() {
    modelChecking().check(Scenario.class);
  }

  @Test
  void offerRacingPullAndPark_stress() {
    new StressOptions()
        .iterations(5)
        .invocationsPerIteration(600)
        .threads(3)
        .actorsPerThread(3)
        .actorsBefore(1)
        .actorsAfter(0)
        .sequentialSpecification(BoundedFifo.class)
        .check(Scenario.class);
  }

  @Test
  void negativeControl_withoutRecheck_losesAWakeUp() {
    // small scenarios (two threads, two operations each), many of them: the lost wake-up needs
    // an offer between the stage's empty poll and its park, with the park as its last operation
    ModelCheckingOptions options =
        new ModelCheckingOptions()
            .iterations(100)
            .invocationsPerIteration(500)
            .threads(2)
            .actorsPerThread(2)
            .actorsBefore(0)
            .actorsAfter(0)
            .sequentialSpecification(BoundedFifo.class);
    assertThatThrownBy(() -> options.check(BrokenScenario.class))
        .isInstanceOf(AssertionError.class)
        .hasMessageContaining("lost wake-up");
  }

  /** Producers offer; the stage pulls (poll, or park with the wake-up protocol). */
  @Param(name = "value", gen = IntGen.class, conf = "1:9")
  public static class Scenario {
    private final SourceQueueCore<Integer> core = newCore();
    private final AtomicInteger wakeUps = new AtomicInteger();

    /** Stage-only: the last pull returned nothing, so the stage is waiting for a wake-up. */
    private boolean waiting;

    /** The core under test. */
    SourceQueueCore<Integer> newCore() {
      return new SourceQueueCore<>(SourceBuffer.elastic(TINY), 4, null, true);
    }

    public Scenario() {
      core.attach(wakeUps::incrementAndGet);
    }

    @Operation
    public boolean offer(@Param(name = "value") int value) {
      return core.offer(value, 0) == QueueOfferResult.enqueued();
    }

    /** The stage's reaction to demand or to a wake-up. */
    @Operation(nonParallelGroup = "stage")
    public Integer pull() {
      wakeUps.set(0);
      Integer e = core.pollOrPark();
      waiting = e == null;
      return e;
    }

    /** After the scenario: a parked stage with no wake-up on its way must have an empty queue. */
    @Validate
    public void noLostWakeUp() {
      if (waiting && wakeUps.get() == 0 && !core.buffer().isEmpty()) {
        throw new IllegalStateException(
            "lost wake-up: stage parked, " + core.buffer().size() + " element(s) queued");
      }
    }
  }

  /** {@link Scenario} on a core that parks without re-polling: must fail. */
  public static class BrokenScenario extends Scenario {
    @Override
    SourceQueueCore<Integer> newCore() {
      return new SourceQueueCore<>(SourceBuffer.elastic(TINY), 4, null, false);
    }
  }

  /** Sequential specification: a FIFO holding at most max elements. */
  public static class BoundedFifo {
    private final ArrayDeque<Integer> deque = new ArrayDeque<>();

    public boolean offer(int value) {
      if (deque.size() >= TINY.maxCapacity()) {
        return false;
      }
      deque.add(value);
      return true;
    }

    public Integer pull() {
      return deque.poll();
    }
  }
}
