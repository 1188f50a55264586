package io.github.elasticq.bench.persistence;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/**
 * The durable-mailbox report's per-message cells: a count the mode does not have (JDBC write
 * requests on the embedded journal, fsyncs on PostgreSQL) is a dash, not "NaN" as the report
 * printed before.
 */
class DurableMailboxReportTest {

  @Test
  void aCountTheModeDoesNotHave_isADash() {
    assertThat(DurableMailboxBenchmark.perMessage(Double.NaN)).isEqualTo("-");
  }

  @Test
  void aCount_hasThreeDecimals() {
    assertThat(DurableMailboxBenchmark.perMessage(0.04)).isEqualTo("0.040");
    assertThat(DurableMailboxBenchmark.perMessage(1.0412)).isEqualTo("1.041");
  }
}
