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
 * {@link AbstractElasticMpscQueue#relaxedPoll} under Lincheck, on both layouts.
 *
 * <p>relaxedPoll is not linearizable as {@code Queue.poll}: it may return null while the queue is
 * non-empty by index (a producer between its claim and its store), and a sequential specification
 * cannot say "null or the head". So the scenario checks what the mailbox relies on, in two ways
 * that can each fail:
 *
 * <ul>
 *   <li>The consumer operation {@code relaxedThenPoll} calls relaxedPoll and, only if it returned
 *       null, the exact {@code poll}. That pair must be linearizable as one {@code poll} of a
 *       bounded FIFO: a non-null relaxed result must be the head (no loss, no duplicate, FIFO, the
 *       same resizes and hops as poll), and a null one must leave the queue exactly as it was (the
 *       following exact poll then returns the head, or null only when empty). A relaxedPoll that
 *       moved past an unstored index, returned a later element or dropped the successor buffer
 *       fails here.
 *   <li>{@code spinThenPoll} does the same with {@code relaxedPoll(2)}, the bounded wait for a
 *       claimed element's store that the mailboxes use: the wait must change nothing either.
 *   <li>{@code @Validate}, after every scenario (all operations returned, so every accepted element
 *       is stored): relaxedPoll alone must return exactly {@code size()} elements and then null. A
 *       relaxedPoll that returns null with a stored element at the head, e.g. one that does not hop
 *       to the successor buffer, fails here.
 * </ul>
 *
 * Tiny capacities and a shrink sample on every consumer operation, as in {@link
 * ElasticMpscQueueLincheckTest}, so that short scenarios cross grows, shrinks and buffer hops.
 */
class RelaxedPollLincheckTest {

  /**
   * The padded layout runs the same {@link AbstractElasticMpscQueue} code as the compact one
   * checked below (the mailboxes' layout); tagged {@code long} to keep the default build short.
   */
  @Test
  @Tag("long")
  void modelChecking_paddedQueue() {
    ElasticMpscQueueLincheckTest.modelChecking().check(Scenario.class);
  }

  @Test
  void modelChecking_compactQueue() {
    ElasticMpscQueueLincheckTest.modelChecking().check(CompactScenario.class);
  }

  /**
   * Tagged {@code long}: the default build model-checks the compact layout above, and {@code
   * RelaxedDequeueStressTest} stresses the relaxed poll with many senders.
   */
  @Test
  @Tag("long")
  void stress_compactQueue() {
    new StressOptions()
        .iterations(LincheckRuns.iterations(20))
        .invocationsPerIteration(2_000)
        .threads(3)
        .actorsPerThread(4)
        .sequentialSpecification(BoundedFifo.class)
        .check(CompactScenario.class);
  }

  /** The operations Lincheck runs. */
  @Param(name = "value", gen = IntGen.class, conf = "1:9")
  public static class Scenario {
    private final AbstractElasticMpscQueue<Integer> queue = newQueue();

    /** The queue under test. */
    protected AbstractElasticMpscQueue<Integer> newQueue() {
      return new ElasticMpscQueue<>(ElasticMpscQueueLincheckTest.TINY, 0L, 1, 1);
    }

    @Operation
    public boolean offer(@Param(name = "value") int value) {
      return queue.offer(value);
    }

    /** relaxedPoll, then the exact poll only when it returned null: linearizable as one poll. */
    @Operation(nonParallelGroup = "consumer")
    public Integer poll() {
      Integer e = queue.relaxedPoll();
      return e != null ? e : queue.poll();
    }

    /**
     * relaxedPoll(2), a short wait for a claimed element, then the exact poll only when it returned
     * null: linearizable as one poll too (the wait rereads and changes nothing).
     */
    @Operation(nonParallelGroup = "consumer")
    public Integer spinThenPoll() {
      Integer e = queue.relaxedPoll(2);
      return e != null ? e : queue.poll();
    }

    @Operation
    public int size() {
      return queue.size();
    }

    /** Quiescent: every accepted element is stored, so relaxedPoll must find each one. */
    @Validate
    public void relaxedPollDrainsWhenQuiescent() {
      int expected = queue.size();
      int taken = 0;
      while (queue.relaxedPoll() != null) {
        taken++;
      }
      if (taken != expected || !queue.isEmpty()) {
        throw new IllegalStateException(
            "quiescent relaxedPoll took "
                + taken
                + " of "
                + expected
                + " elements; size now "
                + queue.size());
      }
    }
  }

  /** {@link Scenario} over {@link CompactElasticMpscQueue}, the mailbox layout. */
  public static class CompactScenario extends Scenario {
    @Override
    protected AbstractElasticMpscQueue<Integer> newQueue() {
      return new CompactElasticMpscQueue<>(ElasticMpscQueueLincheckTest.TINY, 0L, 1, 1);
    }
  }
}
