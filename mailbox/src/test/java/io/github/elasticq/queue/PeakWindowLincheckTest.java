package io.github.elasticq.queue;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.elasticq.queue.ElasticMpscQueueLincheckTest.BoundedFifo;
import org.jetbrains.lincheck.datastructures.ModelCheckingOptions;
import org.jetbrains.lincheck.datastructures.Operation;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The two peaks under Lincheck's model checker: a window that {@link
 * AbstractElasticMpscQueue#takePeakWindow()} returns is never above the all-time peak read right
 * after it, whatever offers, polls and other takes do in between.
 *
 * <p>The queue keeps both peaks in one word, raised with one CAS, so the property holds by
 * construction. It did not when they were two fields raised one after the other: a producer between
 * its two raises, while the consumer polled the size down and a taker swapped the window, let the
 * take return a window the all-time peak had not reached. {@code PeakWindowTest}, which races real
 * threads, caught that once in four clean-clone CI runs; the model checker tries the switch points
 * one by one and finds the two-step raise, planted below, in every run.
 *
 * <p>The operation {@code windowWithinPeak} takes a window and reads the all-time peak; the
 * sequential specification answers {@code true} (in any one-thread history the all-time peak covers
 * every window), so any {@code false} is an invalid result.
 */
class PeakWindowLincheckTest {

  /**
   * The two-field protocol of commit f73422a's parent, in the one word: the window half is raised
   * in one CAS and the all-time half in a second, so between them the word holds a window above the
   * all-time peak.
   */
  static final class TwoStepRaiseQueue<E> extends ElasticMpscQueue<E> {
    TwoStepRaiseQueue(QueueConfig config) {
      super(config, 0L, 1, 1);
    }

    @Override
    void notePeak(int size) {
      long p;
      while (size > windowPeak(p = peaksWord())) {
        if (casPeaksWord(p, peaks(allTimePeak(p), size))) {
          break;
        }
      }
      while (size > allTimePeak(p = peaksWord())) {
        if (casPeaksWord(p, peaks(size, windowPeak(p)))) {
          break;
        }
      }
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

  /** The planted two-step raise is found by the same search that passes on the real queue. */
  @Test
  void modelChecking_catchesTwoStepRaise() {
    assertThatThrownBy(() -> options(100).check(TwoStepRaiseScenario.class))
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
      return window <= queue.peakSize();
    }
  }

  /** {@link Scenario} over the mailboxes' layout. */
  public static class CompactScenario extends Scenario {
    @Override
    protected AbstractElasticMpscQueue<Integer> newQueue() {
      return new CompactElasticMpscQueue<>(ElasticMpscQueueLincheckTest.TINY, 0L, 1, 1);
    }
  }

  /** {@link Scenario} over the planted two-step raise. */
  public static class TwoStepRaiseScenario extends Scenario {
    @Override
    protected AbstractElasticMpscQueue<Integer> newQueue() {
      return new TwoStepRaiseQueue<>(ElasticMpscQueueLincheckTest.TINY);
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
