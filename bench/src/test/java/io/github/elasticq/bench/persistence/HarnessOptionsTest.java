package io.github.elasticq.bench.persistence;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.entry;

import org.junit.jupiter.api.Test;

/**
 * The persistence harnesses' command lines: a misspelt option or a value that is not a number of
 * the kind its key takes fails before any ActorSystem starts, naming what was wrong, instead of
 * being ignored while the run takes its default or failing minutes into the run.
 */
class HarnessOptionsTest {

  @Test
  void knownOptions_areReadInOrder() {
    assertThat(
            PersistenceBenchmark.options(
                    new String[] {"journals=JDBC_H2", "seconds=1", "out-dir=x", "actors=7"})
                .options())
        .containsExactly(
            entry("journals", "JDBC_H2"),
            entry("seconds", "1"),
            entry("out-dir", "x"),
            entry("actors", "7"));
  }

  @Test
  void misspeltOption_isNamedWithTheKnownOnes() {
    assertThatThrownBy(() -> PersistenceBenchmark.options(new String[] {"journal=JDBC_H2"}))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("unknown option journal; known: scenarios, journals,");
    assertThatThrownBy(() -> ClusterBenchmark.options(new String[] {"window=5"}))
        .hasMessage(
            "unknown option window; known: runs, seconds, warmup, entities, in-flight, dir, out");
    assertThatThrownBy(() -> DurableMailboxBenchmark.options(new String[] {"inbox=1"}))
        .hasMessageStartingWith("unknown option inbox;");
  }

  @Test
  void argumentThatIsNoOption_isNamed() {
    assertThatThrownBy(() -> DurableMailboxBenchmark.options(new String[] {"seconds=1", "5"}))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageEndingWith("; got '5'");
  }

  @Test
  void badNumbers_areNamedBeforeAnythingRuns() {
    assertThatThrownBy(() -> PersistenceBenchmark.options(new String[] {"actors=many"}))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("actors=many is not a whole number");
    assertThatThrownBy(() -> PersistenceBenchmark.options(new String[] {"replay-rounds=0"}))
        .hasMessage("replay-rounds=0 must be at least 1");
    assertThatThrownBy(() -> PersistenceBenchmark.options(new String[] {"seconds=0"}))
        .hasMessage("seconds=0 must be a number > 0");
    assertThatThrownBy(() -> ClusterBenchmark.options(new String[] {"warmup=-1"}))
        .hasMessage("warmup=-1 must be a number >= 0");
    assertThatThrownBy(() -> PersistenceBenchmark.options(new String[] {"index-checkpoint=true"}))
        .hasMessage("index-checkpoint=true: expected on or off");
    assertThatThrownBy(
            () -> DurableMailboxBenchmark.options(new String[] {"modes=every-write,nosync"}))
        .hasMessage("modes=every-write,nosync: 'nosync' is neither postgres nor a sync-mode");
    assertThatThrownBy(() -> PersistenceBenchmark.options(new String[] {"recovery-bytes=lots"}))
        .hasMessageStartingWith("recovery-bytes=lots is not a size");
    assertThatThrownBy(
            () -> PersistenceBenchmark.options(new String[] {"journals=JDBC_H2, SQLITE"}))
        .hasMessageStartingWith("unknown journal 'SQLITE'; known: ELASTICQ_EVERY_WRITE, ");
    assertThatThrownBy(() -> DurableMailboxBenchmark.options(new String[] {"windows=1,x"}))
        .hasMessage("windows=1,x: 'x' is not a whole number");
    assertThatThrownBy(() -> DurableMailboxBenchmark.options(new String[] {"in-flight=9999999999"}))
        .hasMessage("in-flight=9999999999 must be at most 2147483647");
    assertThatThrownBy(() -> ClusterBenchmark.options(new String[] {"runs=dm-postgres-wx"}))
        .hasMessage(
            "run 'dm-postgres-wx': expected a window wN with N from 1 to 999999999, got 'wx'");
    assertThatThrownBy(() -> ClusterBenchmark.options(new String[] {"runs=dm-postgres-w1-"}))
        .hasMessageStartingWith("run 'dm-postgres-w1-': expected dm-{postgres|embedded}[-wN]");
    assertThatThrownBy(() -> ClusterBenchmark.options(new String[] {"runs=rd"}))
        .hasMessageStartingWith("run 'rd': expected dm-{postgres|embedded}[-wN]");
    assertThat(
            PersistenceBenchmark.options(new String[] {"recovery-bytes=512m"})
                .get("recovery-bytes"))
        .isEqualTo("512m");
    assertThat(
            ClusterBenchmark.options(new String[] {"runs=dm-embedded-w50,rd-postgres"}).has("runs"))
        .isTrue();
  }
}
