package io.github.elasticq.queue;

import java.lang.reflect.Method;
import java.util.ArrayDeque;
import java.util.List;
import org.jetbrains.kotlinx.lincheck.Actor;
import org.jetbrains.kotlinx.lincheck.execution.ExecutionScenario;
import org.jetbrains.lincheck.datastructures.IntGen;
import org.jetbrains.lincheck.datastructures.ModelCheckingOptions;
import org.jetbrains.lincheck.datastructures.Operation;
import org.jetbrains.lincheck.datastructures.Param;
import org.junit.jupiter.api.Test;

/**
 * Linearizability of {@link QosQueue#isEmpty()} across levels, which reads one level after another:
 * offers to either level from any thread, polls of one level on the consumer thread (a per-level
 * poll keeps the sequential model free of the scheduler; each level is its own linearizable queue),
 * and {@code isEmpty} from any thread. Without its check that no element was polled during the
 * scan, an offer to the level already scanned and a poll of the last element of the other level
 * make a queue that was never empty look empty: the model checker finds that interleaving in the
 * custom scenario within seconds (it failed so on the scan alone, {@code isEmpty(): true ‖ offer(2,
 * 1): true ‖ poll(0): 1}).
 */
class QosQueueLincheckTest {

  /** Each level: min 2, max 8, as in the single-queue check, so short scenarios cross resizes. */
  static final QueueConfig TINY = ElasticMpscQueueLincheckTest.TINY;

  @Test
  void modelChecking_isEmptyAcrossLevels() throws Exception {
    new ModelCheckingOptions()
        .iterations(LincheckRuns.iterations(20))
        .invocationsPerIteration(1_000)
        .threads(3)
        .actorsPerThread(3)
        .actorsBefore(2)
        .sequentialSpecification(Levels.class)
        .addCustomScenario(offerHighAndPollLastLowDuringIsEmpty())
        .check(Scenario.class);
  }

  /**
   * The interleaving that needs all three threads at once, which random scenarios rarely draw: the
   * low level holds one element; then, in parallel, {@code isEmpty()}, an offer to the high level,
   * and a poll of the low level. The model checker explores every interleaving of it.
   */
  private static ExecutionScenario offerHighAndPollLastLowDuringIsEmpty() throws Exception {
    Method offer = Scenario.class.getMethod("offer", int.class, int.class);
    Method poll = Scenario.class.getMethod("poll", int.class);
    Method isEmpty = Scenario.class.getMethod("isEmpty");
    return new ExecutionScenario(
        List.of(actor(offer, 1, 0)),
        List.of(List.of(actor(isEmpty)), List.of(actor(offer, 2, 1)), List.of(actor(poll, 0))),
        List.of(),
        null);
  }

  private static Actor actor(Method method, Object... arguments) {
    return new Actor(method, List.of(arguments), false, false, false, false, false);
  }

  /** The operations Lincheck runs, on a strict two-level queue. */
  @Param(name = "value", gen = IntGen.class, conf = "1:9")
  @Param(name = "level", gen = IntGen.class, conf = "0:1")
  public static class Scenario {
    private final QosQueue<Integer> queue = QosQueue.strict(2, TINY);

    @Operation
    public boolean offer(@Param(name = "value") int value, @Param(name = "level") int level) {
      return queue.offer(value, level);
    }

    @Operation(nonParallelGroup = "consumer")
    public Integer poll(@Param(name = "level") int level) {
      return queue.poll(level);
    }

    @Operation
    public boolean isEmpty() {
      return queue.isEmpty();
    }
  }

  /** Sequential specification: one bounded FIFO per level. */
  public static final class Levels {
    private final ArrayDeque<Integer> low = new ArrayDeque<>();
    private final ArrayDeque<Integer> high = new ArrayDeque<>();

    private ArrayDeque<Integer> level(int level) {
      return level == 0 ? low : high;
    }

    public boolean offer(int value, int level) {
      ArrayDeque<Integer> q = level(level);
      return q.size() < TINY.maxCapacity() && q.add(value);
    }

    public Integer poll(int level) {
      return level(level).poll();
    }

    public boolean isEmpty() {
      return low.isEmpty() && high.isEmpty();
    }
  }
}
