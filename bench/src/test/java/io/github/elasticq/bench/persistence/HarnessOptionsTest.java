package io.github.elasticq.bench.persistence;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.entry;

import org.junit.jupiter.api.Test;

/**
 * The persistence harnesses' command lines: a misspelt option fails before any ActorSystem starts,
 * naming the known ones, instead of being ignored while the run takes its default.
 */
class HarnessOptionsTest {

  @Test
  void knownOptions_areReadInOrder() {
    assertThat(
            PersistenceBenchmark.options(
                new String[] {"journals=JDBC_H2", "seconds=1", "out-dir=x"},
                PersistenceBenchmark.OPTIONS))
        .containsExactly(
            entry("journals", "JDBC_H2"), entry("seconds", "1"), entry("out-dir", "x"));
  }

  @Test
  void misspeltOption_isNamedWithTheKnownOnes() {
    assertThatThrownBy(
            () ->
                PersistenceBenchmark.options(
                    new String[] {"journal=JDBC_H2"}, PersistenceBenchmark.OPTIONS))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("unknown option journal; known: scenarios, journals,");
    assertThatThrownBy(
            () -> PersistenceBenchmark.options(new String[] {"window=5"}, ClusterBenchmark.OPTIONS))
        .hasMessage(
            "unknown option window; known: runs, seconds, warmup, entities, in-flight, dir, out");
    assertThatThrownBy(
            () ->
                PersistenceBenchmark.options(
                    new String[] {"inbox=1"}, DurableMailboxBenchmark.OPTIONS))
        .hasMessageStartingWith("unknown option inbox;");
  }

  @Test
  void argumentThatIsNoOption_isNamed() {
    assertThatThrownBy(
            () ->
                PersistenceBenchmark.options(
                    new String[] {"seconds=1", "5"}, DurableMailboxBenchmark.OPTIONS))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageEndingWith("; got '5'");
  }
}
