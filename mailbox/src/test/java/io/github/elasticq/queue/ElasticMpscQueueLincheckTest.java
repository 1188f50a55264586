package io.github.elasticq.queue;

import java.util.ArrayDeque;
import org.jetbrains.lincheck.datastructures.IntGen;
import org.jetbrains.lincheck.datastructures.ModelCheckingOptions;
import org.jetbrains.lincheck.datastructures.Operation;
import org.jetbrains.lincheck.datastructures.Param;
import org.jetbrains.lincheck.datastructures.StressOptions;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Linearizability of {@link ElasticMpscQueue} and {@link CompactElasticMpscQueue} against a bounded
 * FIFO, checked by Lincheck's model checker (which explores thread interleavings at every
 * shared-memory access) and by its stress mode. The consumer operations share one non-parallel
 * group: one consumer thread. Capacities are tiny (min 2, max 8, shrink sampled on every consumer
 * operation) so that short scenarios cross grows and shrinks. {@code isEmpty} runs on any thread;
 * adding it found that reading the producers' word before the consumer index made a queue that was
 * never empty look empty (an offer and a poll between the two reads); the model checker finds that
 * order in every run.
 */
class ElasticMpscQueueLincheckTest {

  static final QueueConfig TINY =
      QueueConfig.builder()
          .initialCapacity(2)
          .minCapacity(2)
          .maxCapacity(8)
          .growthFactor(2.0)
          .shrinkThreshold(0.5)
          .build();

  static ModelCheckingOptions modelChecking() {
    return new ModelCheckingOptions()
        .iterations(LincheckRuns.iterations(30))
        .invocationsPerIteration(1_000)
        .threads(3)
        .actorsPerThread(4)
        .actorsBefore(4)
        .sequentialSpecification(BoundedFifo.class);
  }

  @Test
  void modelChecking_correctQueue() {
    modelChecking().check(Scenario.class);
  }

  /**
   * The same algorithm on the unpadded field layout of the mailboxes. Tagged {@code long}: the
   * default build model-checks that layout's offer, poll and size in {@link
   * RelaxedPollLincheckTest} and {@link TrimIfEmptyLincheckTest}.
   */
  @Test
  @Tag("long")
  void modelChecking_compactQueue() {
    modelChecking().check(CompactScenario.class);
  }

  @Test
  void stress_correctQueue() {
    new StressOptions()
        .iterations(LincheckRuns.iterations(20))
        .invocationsPerIteration(2_000)
        .threads(3)
        .actorsPerThread(4)
        .sequentialSpecification(BoundedFifo.class)
        .check(Scenario.class);
  }

  /** The operations Lincheck runs; subclasses swap in fault-injected queues. */
  @Param(name = "value", gen = IntGen.class, conf = "1:9")
  public static class Scenario {
    /** The queue the operations run on; for the operations subclasses add. */
    protected final AbstractElasticMpscQueue<Integer> queue = newQueue();

    /** The queue under test. */
    protected AbstractElasticMpscQueue<Integer> newQueue() {
      return new ElasticMpscQueue<>(TINY, 0L, 1, 1);
    }

    @Operation
    public boolean offer(@Param(name = "value") int value) {
      return queue.offer(value);
    }

    @Operation(nonParallelGroup = "consumer")
    public Integer poll() {
      return queue.poll();
    }

    @Operation(nonParallelGroup = "consumer")
    public Integer peek() {
      return queue.peek();
    }

    @Operation
    public int size() {
      return queue.size();
    }

    @Operation
    public boolean isEmpty() {
      return queue.isEmpty();
    }
  }

  /** {@link Scenario} over {@link CompactElasticMpscQueue}. */
  public static class CompactScenario extends Scenario {
    @Override
    protected AbstractElasticMpscQueue<Integer> newQueue() {
      return new CompactElasticMpscQueue<>(TINY, 0L, 1, 1);
    }
  }

  /** Sequential specification: a FIFO that refuses offers at {@code maxCapacity}. */
  public static class BoundedFifo {
    private final ArrayDeque<Integer> items = new ArrayDeque<>();

    public boolean offer(int value) {
      if (items.size() == TINY.maxCapacity()) {
        return false;
      }
      return items.add(value);
    }

    public Integer poll() {
      return items.poll();
    }

    /** {@code TakeUnreleasedLincheckTest}'s take, release, else poll: one poll. */
    public Integer takeThenPoll() {
      return items.poll();
    }

    /** {@code RelaxedPollLincheckTest}'s relaxedPoll(2)-then-poll: one poll. */
    public Integer spinThenPoll() {
      return items.poll();
    }

    public Integer peek() {
      return items.peek();
    }

    public int size() {
      return items.size();
    }

    public boolean isEmpty() {
      return items.isEmpty();
    }
  }
}
