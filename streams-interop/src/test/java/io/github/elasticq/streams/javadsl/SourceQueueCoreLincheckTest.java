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
 * skips the re-poll after parking and expects Lincheck to find the lost wake-up. {@link
 * CompletionScenario} checks completion: with one producer thread that offers and then completes,
 * the stage may end only after emitting every accepted element; its negative control ends the stage
 * on {@code isClosed()} after a park, as the stage once did, and must lose one.
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

  @Test
  void completion_emitsEveryOfferBeforeIt_modelChecking() {
    completionOptions().check(CompletionScenario.class);
  }

  @Test
  void negativeControl_endingOnIsClosed_losesAnElement() {
    assertThatThrownBy(() -> completionOptions().check(EndOnIsClosedScenario.class))
        .isInstanceOf(AssertionError.class)
        .hasMessageContaining("lost at completion");
  }

  private static ModelCheckingOptions completionOptions() {
    // one producer thread (offers, then complete) and the stage: with a single producer, an element
    // still queued when the stage ends was offered before complete() and must have been emitted
    return new ModelCheckingOptions()
        .iterations(30)
        .invocationsPerIteration(300)
        .threads(2)
        .actorsPerThread(3)
        .actorsBefore(0)
        .actorsAfter(0)
        .sequentialSpecification(ClosableFifo.class);
  }

  /**
   * One producer thread offers and completes; the stage pulls as {@code SourceQueueStage} does and
   * ends when {@code drained()} says so. Checked after each scenario: once the stage ended, nothing
   * may be left in the queue (the single producer's offers all returned before its complete).
   */
  @Param(name = "value", gen = IntGen.class, conf = "1:9")
  public static class CompletionScenario {
    final SourceQueueCore<Integer> core =
        new SourceQueueCore<>(SourceBuffer.elastic(TINY), 4, null);

    /** Stage-only: the stage completed. */
    private boolean ended;

    public CompletionScenario() {
      core.attach(() -> {});
    }

    @Operation(nonParallelGroup = "producer")
    public boolean offer(@Param(name = "value") int value) {
      return core.offer(value, 0) == QueueOfferResult.enqueued();
    }

    @Operation(nonParallelGroup = "producer")
    public void complete() {
      core.complete();
    }

    /**
     * The stage's pull: an element, or null (parked, or ended if it decides the stream is done).
     */
    @Operation(nonParallelGroup = "stage")
    public Integer pull() {
      if (ended) {
        return null;
      }
      Integer e = core.pollOrPark();
      if (e == null && endsAfterNull()) {
        ended = true;
      }
      return e;
    }

    /** What {@code SourceQueueStage.pushNext} checks after a null. */
    boolean endsAfterNull() {
      return core.drained();
    }

    @Validate
    public void nothingLostAtCompletion() {
      if (ended && !core.buffer().isEmpty()) {
        throw new IllegalStateException(
            "lost at completion: the stage ended with "
                + core.buffer().size()
                + " element(s) queued");
      }
    }
  }

  /** The stage ending on {@code isClosed()} after any null, the mistake once made: must fail. */
  public static class EndOnIsClosedScenario extends CompletionScenario {
    @Override
    boolean endsAfterNull() {
      return core.isClosed();
    }
  }

  /** Sequential specification of {@link CompletionScenario}: a bounded FIFO that can be closed. */
  public static class ClosableFifo {
    private final ArrayDeque<Integer> deque = new ArrayDeque<>();
    private boolean closed;

    public boolean offer(int value) {
      if (closed || deque.size() >= TINY.maxCapacity()) {
        return false;
      }
      deque.add(value);
      return true;
    }

    public void complete() {
      closed = true;
    }

    public Integer pull() {
      return deque.poll();
    }
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
