package io.github.elasticq.examples;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.elasticq.queue.QueueConfig;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class BurstDemoTest {

  @Test
  void run_growsUnderBurst_shrinksBack_losesNothing() throws Exception {
    QueueConfig config =
        QueueConfig.builder()
            .initialCapacity(16)
            .minCapacity(16)
            .maxCapacity(8192)
            .growthFactor(2.0)
            .shrinkThreshold(0.25)
            .build();
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    BurstDemo.Summary s =
        new BurstDemo(3, 2, 40_000, config, new PrintStream(bytes, true, StandardCharsets.UTF_8))
            .run();
    assertThat(s.sent()).isEqualTo(240_000);
    assertThat(s.received()).isEqualTo(s.sent());
    assertThat(s.lost()).isZero();
    assertThat(s.duplicatesOrReordered()).isZero();
    assertThat(s.stats().grows()).isPositive();
    assertThat(s.stats().shrinks()).isPositive();
    assertThat(s.peakCapacity()).isGreaterThan(16);
    assertThat(s.finalCapacity()).isEqualTo(16);
    assertThat(bytes.toString(StandardCharsets.UTF_8)).contains("Summary: messages=240,000");
  }
}
