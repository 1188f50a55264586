package io.github.elasticq.queue;

import io.github.elasticq.queue.ElasticMpscQueueLincheckTest.BoundedFifo;
import org.jetbrains.lincheck.datastructures.IntGen;
import org.jetbrains.lincheck.datastructures.Operation;
import org.jetbrains.lincheck.datastructures.Param;
import org.jetbrains.lincheck.datastructures.StressOptions;
import org.jetbrains.lincheck.datastructures.Validate;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * {@link AbstractElasticMpscQueue#trimIfEmpty} under Lincheck: a consumer operation that must not
 * change the contents (linearizable as a no-op of a bounded FIFO) however it races the producers'
 * claims, stores and grows. The queue remembers bursts ({@link QueueConfig#burstMemory()}), so its
 * own sampling almost never shrinks it in a short scenario and the trims do the shrinking; a trim
 * that shrank below the size, or closed the producers' buffer at an index other than the claimed
 * one, loses or duplicates an element here. {@code @Validate} then checks that the queue still
 * drains completely, and that a trim of the drained queue brings it to {@code minCapacity} with one
 * array of that length.
 */
class TrimIfEmptyLincheckTest {

  static final QueueConfig TINY_BURSTY =
      ElasticMpscQueueLincheckTest.TINY.toBuilder().burstMemory(true).build();

  @Test
  void modelChecking_compactQueue() {
    ElasticMpscQueueLincheckTest.modelChecking()
        .iterations(LincheckRuns.iterations(30))
        .sequentialSpecification(Spec.class)
        .check(Scenario.class);
  }

  /**
   * Tagged {@code long}: the default build checks the trim on the padded layout in {@code
   * BurstMemoryTest} and, with a real actor system, in {@code BurstMemoryMailboxTest}.
   */
  @Test
  @Tag("long")
  void stress_paddedQueue() {
    new StressOptions()
        .iterations(LincheckRuns.iterations(20))
        .invocationsPerIteration(2_000)
        .threads(3)
        .actorsPerThread(4)
        .sequentialSpecification(Spec.class)
        .check(PaddedScenario.class);
  }

  /** The operations Lincheck runs, on the compact layout. */
  @Param(name = "value", gen = IntGen.class, conf = "1:9")
  public static class Scenario {
    private final AbstractElasticMpscQueue<Integer> queue = newQueue();

    /** The queue under test. */
    protected AbstractElasticMpscQueue<Integer> newQueue() {
      return new CompactElasticMpscQueue<>(TINY_BURSTY, 0L, 1, 1);
    }

    @Operation
    public boolean offer(@Param(name = "value") int value) {
      return queue.offer(value);
    }

    @Operation(nonParallelGroup = "consumer")
    public Integer poll() {
      return queue.poll();
    }

    /** Must not change what the queue holds (its result, shrank or not, is not specified). */
    @Operation(nonParallelGroup = "consumer")
    public void trim() {
      queue.trimIfEmpty();
    }

    @Operation
    public int size() {
      return queue.size();
    }

    /**
     * Quiescent: drains completely; then a trim leaves min capacity in one array of that length.
     */
    @Validate
    public void drainsThenTrimsToMin() {
      int expected = queue.size();
      int taken = 0;
      while (queue.poll() != null) {
        taken++;
      }
      queue.trimIfEmpty();
      int min = TINY_BURSTY.minCapacity();
      if (taken != expected
          || queue.capacity() != min
          || (queue.allocatedSlots() != 0
              && queue.allocatedSlots() != AbstractElasticMpscQueue.tableSizeFor(min))) {
        throw new IllegalStateException(
            "took "
                + taken
                + " of "
                + expected
                + "; after the trim capacity "
                + queue.capacity()
                + ", slots "
                + queue.allocatedSlots());
      }
    }
  }

  /** {@link Scenario} over the padded {@link ElasticMpscQueue}. */
  public static class PaddedScenario extends Scenario {
    @Override
    protected AbstractElasticMpscQueue<Integer> newQueue() {
      return new ElasticMpscQueue<>(TINY_BURSTY, 0L, 1, 1);
    }
  }

  /** A bounded FIFO in which a trim changes nothing. */
  public static final class Spec {
    private final BoundedFifo fifo = new BoundedFifo();

    public boolean offer(int value) {
      return fifo.offer(value);
    }

    public Integer poll() {
      return fifo.poll();
    }

    public void trim() {}

    public int size() {
      return fifo.size();
    }
  }
}
