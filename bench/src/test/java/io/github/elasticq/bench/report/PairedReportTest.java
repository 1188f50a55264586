package io.github.elasticq.bench.report;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/** The paired-rounds statistics and verdicts, on hand-made rounds. No benchmark runs here. */
class PairedReportTest {

  private static JmhResult row(String impl, double score) {
    return new JmhResult(
        "MailboxBenchmark.burst",
        Map.of("mailbox", impl),
        score,
        1.0,
        "ops/ms",
        false,
        1,
        "forks 1",
        "vm",
        List.of());
  }

  private static Map<String, List<JmhResult>> rounds(double[] ours, double[] peer) {
    Map<String, List<JmhResult>> byRound = new TreeMap<>();
    for (int i = 0; i < ours.length; i++) {
      List<JmhResult> r = new ArrayList<>();
      r.add(row("Ours", ours[i]));
      r.add(row("Peer", peer[i]));
      r.add(row("Other", 1.0)); // neither side: ignored
      byRound.put(String.format("r%02d", i + 1), r);
    }
    return byRound;
  }

  @Test
  void signTestInterval_hasTheExactBinomialCoverage() {
    // n = 10: [x(2), x(9)] covers 1 - 2 (1 + 10) / 1024 = 97.85 %; [x(3), x(8)] only 89.06 %.
    assertThat(PairedReport.medianIntervalRank(10, 0.95)).isEqualTo(2);
    assertThat(PairedReport.coverage(10, 2)).isCloseTo(0.978515625, within(1e-12));
    assertThat(PairedReport.coverage(10, 3)).isCloseTo(0.890625, within(1e-12));
    // n = 5 reaches 95 % only with the full range (93.75 %): no rank qualifies.
    assertThat(PairedReport.medianIntervalRank(5, 0.95)).isZero();
    assertThat(PairedReport.coverage(5, 1)).isCloseTo(0.9375, within(1e-12));
  }

  @Test
  void pairsRoundByRound_andJudgesTheWholeInterval() {
    double[] peer = {100, 200, 100, 200, 100, 200, 100, 200, 100, 200};
    double[] ahead = {110, 230, 105, 210, 120, 204, 111, 226, 109, 212}; // 1.02 .. 1.20
    List<PairedReport.Pairs> p = PairedReport.pair(rounds(ahead, peer), "mailbox", "Ours", "Peer");
    assertThat(p).hasSize(1);
    assertThat(p.get(0).rounds())
        .containsExactly("r01", "r02", "r03", "r04", "r05", "r06", "r07", "r08", "r09", "r10");
    assertThat(p.get(0).ratios()[1]).isCloseTo(1.15, within(1e-12));
    assertThat(PairedReport.render(p, "Ours", "Peer", 1.0, "t"))
        .contains("| MailboxBenchmark.burst | 10 |")
        .contains("10 of 10")
        .contains("| met |");

    double[] straddles = {95, 210, 98, 204, 103, 190, 101, 206, 97, 198}; // 0.95 .. 1.05
    assertThat(report(straddles, peer)).contains("not distinguishable from the goal");

    double[] behind = {90, 180, 85, 170, 92, 184, 88, 176, 91, 178}; // 0.85 .. 0.92
    assertThat(report(behind, peer)).contains("| missed |").contains("0 of 10");
  }

  /** The Markdown report of these rounds against the goal 1.0. */
  private static String report(double[] ours, double[] peer) {
    return PairedReport.render(
        PairedReport.pair(rounds(ours, peer), "mailbox", "Ours", "Peer"), "Ours", "Peer", 1.0, "t");
  }

  @Test
  void aRoundWithoutOneSide_isAnErrorNamingIt() {
    Map<String, List<JmhResult>> byRound = rounds(new double[] {1, 2}, new double[] {1, 2});
    byRound.put("r03", List.of(row("Ours", 3)));
    assertThatThrownBy(() -> PairedReport.pair(byRound, "mailbox", "Ours", "Peer"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("round r03 has no result for mailbox=Peer");
    assertThatThrownBy(() -> PairedReport.pair(byRound, "mailbox", "X", "Y"))
        .hasMessageContaining("no result has mailbox=X or mailbox=Y");
  }
}
