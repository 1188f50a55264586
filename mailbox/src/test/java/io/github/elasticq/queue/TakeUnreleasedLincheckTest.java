package io.github.elasticq.queue;

import org.jetbrains.lincheck.datastructures.Operation;
import org.jetbrains.lincheck.datastructures.Validate;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * {@link AbstractElasticMpscQueue#takeUnreleased} and {@link AbstractElasticMpscQueue#releaseTaken}
 * under Lincheck's model checker, which switches threads at every shared-memory access, so the
 * producers' offers, {@code size} and {@code isEmpty} run while the consumer holds a taken element
 * it has not released.
 *
 * <p>The consumer operation {@code takeThenPoll} takes at most one element without releasing it,
 * then releases it, or, when nothing was visible, polls exactly: linearizable as one {@code poll}
 * of a bounded FIFO whose linearization point is the release (until then the element is still
 * counted: a concurrent {@code size} or {@code isEmpty} sees it, and an offer at max is refused). A
 * take that let producers reuse the slot before the release, skipped the clear, or lost the buffer
 * hop fails here. (A batch of several elements is not linearizable as one operation when a producer
 * sits between its claim and its store; {@link TakeUnreleasedTest} stresses those, and the mailbox
 * suites run them through actors.) Tiny capacities and a shrink sample on every consumer operation,
 * as in {@link ElasticMpscQueueLincheckTest}.
 */
class TakeUnreleasedLincheckTest {

  @Test
  void modelChecking_compactQueue() {
    ElasticMpscQueueLincheckTest.modelChecking().check(CompactScenario.class);
  }

  /** The same code on the padded layout; tagged {@code long} to keep the default build short. */
  @Test
  @Tag("long")
  void modelChecking_paddedQueue() {
    ElasticMpscQueueLincheckTest.modelChecking().check(Scenario.class);
  }

  /**
   * The queue operations of {@link ElasticMpscQueueLincheckTest.Scenario} (offer, poll, peek, size,
   * isEmpty) and the take-then-release.
   */
  public static class Scenario extends ElasticMpscQueueLincheckTest.Scenario {
    private final Object[] held = new Object[1];

    /** Take one unreleased, then release it; or, with nothing visible, the exact poll. */
    @Operation(nonParallelGroup = "consumer")
    public Integer takeThenPoll() {
      if (queue.takeUnreleased(held, 1) == 0) {
        return queue.poll();
      }
      Integer e = (Integer) held[0];
      held[0] = null;
      queue.releaseTaken(1);
      return e;
    }

    /** Quiescent: batches of two take exactly what the queue counts, then nothing. */
    @Validate
    public void batchesDrainWhenQuiescent() {
      int expected = queue.size();
      Object[] out = new Object[2];
      int taken = 0;
      for (int n; taken <= expected && (n = queue.takeUnreleased(out, 2)) > 0; ) {
        taken += n; // bounded: a take that finds an element twice ends here, not in a hang
        queue.releaseTaken(n);
      }
      if (taken != expected || !queue.isEmpty()) {
        throw new IllegalStateException(
            "quiescent batches took " + taken + " of " + expected + "; size now " + queue.size());
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
