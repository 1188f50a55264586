package io.github.elasticq.examples.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.elasticq.queue.QueueStats;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The summary's capacity timeline line per processor. */
class CapacityTimelineTest {

  private static QueueStats level(int capacity, int size) {
    return new QueueStats(capacity, size, 0, 0, 0, 0, 0, size, capacity);
  }

  /**
   * A sample of topic 0 whose first queue is at {@code capacity} and {@code size}, the rest idle.
   */
  private static void sample(CapacityTimeline timeline, double at, int capacity, int size) {
    timeline.sample(0, at, List.of(level(capacity, size), level(16, 0), level(16, 0)));
  }

  @Test
  void grewAndShrank_saysBoth() {
    CapacityTimeline timeline = new CapacityTimeline(1);
    sample(timeline, 0.0, 16, 0);
    sample(timeline, 1.5, 4096, 3000);
    sample(timeline, 2.5, 16, 0);
    assertThat(timeline.describe())
        .containsExactly(
            "processor-t0: capacity 48 -> grew to 4128 (at 1.5 s, depth peak 3000)"
                + " -> shrank back to 48 (at 2.5 s)");
  }

  /**
   * A processor whose mailbox never grew (a run fed only by a few MQTT messages) used to be
   * reported as "grew to 48 (at 0.0 s, ...)", its starting capacity.
   */
  @Test
  void neverGrew_doesNotSayItGrew() {
    CapacityTimeline timeline = new CapacityTimeline(1);
    sample(timeline, 0.0, 16, 0);
    sample(timeline, 1.0, 16, 3);
    sample(timeline, 2.0, 16, 0);
    assertThat(timeline.describe())
        .containsExactly("processor-t0: capacity 48, never grew (depth peak 3)");
  }

  /**
   * A mailbox still at its peak capacity when the sampling ended (a burst at the end of a short
   * run) used to be reported as "shrank back to" its peak, at the time of the peak.
   */
  @Test
  void grewAndDidNotShrink_doesNotSayItShrank() {
    CapacityTimeline timeline = new CapacityTimeline(1);
    sample(timeline, 0.0, 16, 0);
    sample(timeline, 0.5, 4096, 3000);
    sample(timeline, 1.0, 4096, 0);
    assertThat(timeline.describe())
        .containsExactly(
            "processor-t0: capacity 48 -> grew to 4128 (at 0.5 s, depth peak 3000)"
                + " -> had not shrunk when the sampling ended (at 1.0 s)");
  }

  /** A mailbox that shrank only part of the way did not shrink "back" to where it started. */
  @Test
  void grewAndShrankPartly_doesNotSayBack() {
    CapacityTimeline timeline = new CapacityTimeline(1);
    sample(timeline, 0.0, 16, 0);
    sample(timeline, 0.5, 4096, 3000);
    sample(timeline, 1.8, 64, 0);
    assertThat(timeline.describe())
        .containsExactly(
            "processor-t0: capacity 48 -> grew to 4128 (at 0.5 s, depth peak 3000)"
                + " -> shrank to 96 (at 1.8 s)");
  }
}
