package io.github.elasticq.queue;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.elasticq.queue.ElasticMpscQueueLincheckTest.BoundedFifo;
import org.jetbrains.lincheck.datastructures.ModelCheckingOptions;
import org.jetbrains.lincheck.datastructures.Operation;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The two peak counters under Lincheck's model checker: a window that {@link
 * AbstractElasticMpscQueue#takePeakWindow()} returns is never above the all-time peak read right
 * after it, whatever offers, polls and other takes do in between.
 *
 * <p>{@code PeakWindowTest} races real threads for the same property, but the interleaving that
 * breaks it (a producer between its two raises while the consumer polls the size down and a taker
 * swaps the window) is a few instructions wide: with the raises in the wrong order that test failed
 * once in four clean-clone CI runs. The model checker tries the switch points one by one, so the
 * planted order below fails every run, and the test of the real order means something.
 *
 * <p>The operation {@code windowWithinPeak} takes a window and reads the all-time peak; the
 * sequential specification answers {@code true} (in any one-thread history the all-time peak covers
 * every window), so any {@code false} is an invalid result.
 *
 * <p>The other order bug, a take that swaps the window before it raises the all-time peak, has no
 * seam (takePeakWindow is final): put in by hand, it failed {@code modelChecking_compactQueue}
 * within the default build's 15 iterations, in 30 s ({@code windowWithinPeak(): false}).
 */
class PeakWindowLincheckTest {

  /**
   * The order before commit f73422a: the window peak is raised before the all-time peak, so a take
   * between the two can return a window the all-time peak has not reached.
   */
  static final class WindowBeforePeakQueue<E> extends ElasticMpscQueue<E> {
    WindowBeforePeakQueue(QueueConfig config) {
      super(config, 0L, 1, 1);
    }

    @Override
    void notePeak(int size) {
      raiseWindowPeak(size);
      raisePeakSize(size);
    }
  }

  private static ModelCheckingOptions options(int iterations) {
    return new ModelCheckingOptions()
        .iterations(iterations)
        .invocationsPerIteration(1_000)
        .threads(3)
        .actorsPerThread(3)
        .actorsBefore(2)
        .sequentialSpecification(PeakSpec.class);
  }

  /**
   * The same code as the compact layout below; tagged {@code long} to keep the default build short.
   */
  @Test
  @Tag("long")
  void modelChecking_paddedQueue() {
    options(LincheckRuns.iterations(30)).check(Scenario.class);
  }

  @Test
  void modelChecking_compactQueue() {
    options(LincheckRuns.iterations(30)).check(CompactScenario.class);
  }

  /** The planted order is found by the same search that passes on the real queue. */
  @Test
  void modelChecking_catchesWindowRaisedBeforeAllTimePeak() {
    assertThatThrownBy(() -> options(100).check(WindowBeforePeakScenario.class))
        .isInstanceOf(AssertionError.class)
        .hasMessageContaining("Invalid execution results")
        .hasMessageContaining("windowWithinPeak(): false");
  }

  /** The queue operations of {@link ElasticMpscQueueLincheckTest}, and a window take. */
  public static class Scenario extends ElasticMpscQueueLincheckTest.Scenario {
    /** Takes a window, then reads the all-time peak: whether the second covers the first. */
    @Operation
    public boolean windowWithinPeak() {
      int window = queue.takePeakWindow();
      return window <= queue.peakSize;
    }
  }

  /** {@link Scenario} over the mailboxes' layout. */
  public static class CompactScenario extends Scenario {
    @Override
    protected AbstractElasticMpscQueue<Integer> newQueue() {
      return new CompactElasticMpscQueue<>(ElasticMpscQueueLincheckTest.TINY, 0L, 1, 1);
    }
  }

  /** {@link Scenario} over the planted order. */
  public static class WindowBeforePeakScenario extends Scenario {
    @Override
    protected AbstractElasticMpscQueue<Integer> newQueue() {
      return new WindowBeforePeakQueue<>(ElasticMpscQueueLincheckTest.TINY);
    }
  }

  /**
   * Sequential specification: the bounded FIFO, and a take that the all-time peak always covers.
   */
  public static final class PeakSpec extends BoundedFifo {
    public boolean windowWithinPeak() {
      return true;
    }
  }
}
