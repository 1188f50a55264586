package io.github.elasticq.bench.report;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

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
    assertThat(PairedReport.render(p, HEADING))
        .contains("| MailboxBenchmark.burst | 10 |")
        .contains("10 of 10")
        .contains("| met |");

    double[] straddles = {95, 210, 98, 204, 103, 190, 101, 206, 97, 198}; // 0.95 .. 1.05
    assertThat(report(straddles, peer)).contains("not distinguishable from the goal");

    double[] behind = {90, 180, 85, 170, 92, 184, 88, 176, 91, 178}; // 0.85 .. 0.92
    assertThat(report(behind, peer)).contains("| missed |").contains("0 of 10");
  }

  private static final PairedReport.Heading HEADING =
      new PairedReport.Heading("Ours", "Peer", 1.0, "t", "m", PairedReport.FORKS);

  /** The Markdown report of these rounds against the goal 1.0. */
  private static String report(double[] ours, double[] peer) {
    return PairedReport.render(
        PairedReport.pair(rounds(ours, peer), "mailbox", "Ours", "Peer"), HEADING);
  }

  @Test
  void roundsAreCountedAgainstTheGoal_notAgainstParity(@TempDir Path dir) throws Exception {
    // A 3x goal (the QoS rows): every round beats the peer, only three reach the goal.
    double[] peer = {100, 100, 100, 100, 100, 100};
    double[] ours = {150, 250, 310, 350, 420, 290}; // 1.5 2.5 3.1 3.5 4.2 2.9
    List<PairedReport.Pairs> p = PairedReport.pair(rounds(ours, peer), "mailbox", "Ours", "Peer");
    PairedReport.Heading threeTimes =
        new PairedReport.Heading("Ours", "Peer", 3.0, "t", "m", PairedReport.FORKS);
    String md = PairedReport.render(p, threeTimes);
    assertThat(md)
        .contains("| rounds ≥ goal | rounds ≥ 1.0× |")
        .contains("| ≥ 3.00× | 3 of 6 | 6 of 6 | not distinguishable from the goal |");
    // a round exactly at the goal counts
    double[] atGoal = {300, 300, 300, 299, 100, 100};
    assertThat(
            PairedReport.render(
                PairedReport.pair(rounds(atGoal, peer), "mailbox", "Ours", "Peer"), threeTimes))
        .contains("| 3 of 6 | 6 of 6 |");

    // the count reaches PairedSummary through the .tsv, with the goal
    Path run = dir.resolve("qos/paired.md");
    writeRun(run, ours, peer, 3.0);
    List<PairedSummary.Row> rows = PairedSummary.read(dir.resolve("qos/paired.tsv"));
    assertThat(Files.readString(dir.resolve("qos/paired.tsv"))).endsWith("\t3\t6\n");
    assertThat(PairedSummary.render(rows, "t", "", dir))
        .contains("| rounds ≥ goal | verdict |")
        .contains("| ≥ 3.00× | 1.00 | 3 of 6 | not distinguishable from the goal |");
  }

  @Test
  void aSummaryFromBeforeTheGoalCount_isStillRead(@TempDir Path dir) throws Exception {
    // the published paired.tsv files end in "won", the rounds at or above 1.0
    Path old = dir.resolve("paired.tsv");
    Files.writeString(
        old,
        PairedReport.LEGACY_TSV_HEADER
            + "\nB.qos\tO\tP\t3.0\t6\t3.2\t2.9\t4.2\t0.96875\t3.0\t6"
            + "\nB.p1c1\tO\tP\t1.0\t6\t1.2\t0.9\t1.4\t0.96875\t1.2\t5\n");
    List<PairedSummary.Row> rows = PairedSummary.read(old);
    assertThat(rows).extracting(PairedSummary.Row::atOne).containsExactly(6, 5);
    assertThat(rows).extracting(PairedSummary.Row::atGoal).containsExactly(-1, 5);
    assertThat(PairedSummary.render(rows, "t", "", dir))
        .contains("| ≥ 3.00× | 1.07 | – | not distinguishable from the goal |")
        .contains("| ≥ 1.00× | 1.20 | 5 of 6 | not distinguishable from the goal |")
        .contains("Rounds ≥ goal –: a summary written before that count");
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

  @Test
  void summaryTableAndChart_carryTheIntervalToPairedSummary(@TempDir Path dir) throws Exception {
    double[] peer = {100, 200, 100, 200, 100, 200, 100, 200, 100, 200};
    double[] ahead = {110, 230, 105, 210, 120, 204, 111, 226, 109, 212}; // 1.02 .. 1.20
    double[] behind = {90, 180, 85, 170, 92, 184, 88, 176, 91, 178}; // 0.85 .. 0.92
    Path a = dir.resolve("a/paired.md");
    Path b = dir.resolve("b/paired.md");
    writeRun(a, ahead, peer, 1.1);
    writeRun(b, behind, peer, 1.0);

    List<PairedSummary.Row> rows = PairedSummary.read(dir.resolve("a/paired.tsv"));
    assertThat(rows).hasSize(1);
    PairedSummary.Row r = rows.get(0);
    // Sorted ratios 1.02 1.05 1.05 1.06 1.09 1.10 1.11 1.13 1.15 1.20: n = 10, k = 2.
    assertThat(r.rounds()).isEqualTo(10);
    assertThat(r.median()).isCloseTo((1.09 + 1.10) / 2, within(1e-6));
    assertThat(r.low()).isCloseTo(1.05, within(1e-6));
    assertThat(r.high()).isCloseTo(1.15, within(1e-6));
    assertThat(r.goal()).isEqualTo(1.1);
    assertThat(r.label()).isEqualTo("MailboxBenchmark.burst: Ours / Peer");

    List<PairedSummary.Row> all = new ArrayList<>(rows);
    all.addAll(PairedSummary.read(dir.resolve("b/paired.tsv")));
    String md = PairedSummary.render(all, "t", "", dir);
    assertThat(md)
        .contains("| not distinguishable from the goal | [paired.md](a/paired.md) |")
        .contains("| missed | [paired.md](b/paired.md) |")
        .contains("Met (whole interval at or above the goal): 0 of 2.");

    Path png = dir.resolve("summary/targets.png");
    PairedSummary.chart(png, all, "t", Double.POSITIVE_INFINITY);
    BufferedImage image = ImageIO.read(png.toFile());
    assertThat(image.getWidth()).isEqualTo(1100);
    assertThat(image.getHeight()).isEqualTo(120 + 2 * 34);
    assertThat(ImageIO.read(dir.resolve("a/paired.png").toFile())).isNotNull();

    // max cuts the bars that reach past it and says so; the others are untouched. Row a: median /
    // goal 1.095 / 1.1, interval up to 1.15 / 1.1 = 1.045, past 1.02; row b ends at 0.92.
    List<BarCharts.IntervalBar> cut = PairedSummary.bars(all, 1.02);
    assertThat(cut.get(0).high()).isEqualTo(1.02);
    assertThat(cut.get(0).value()).isCloseTo(1.095 / 1.1, within(1e-6));
    assertThat(cut.get(0).label()).endsWith("[median / goal 1.00, cut at 1.02]");
    assertThat(cut.get(1).label()).doesNotContain("cut at");
    assertThat(cut.get(1).high()).isCloseTo(all.get(1).high(), within(1e-9));
    assertThatThrownBy(() -> PairedSummary.bars(all, 0.9))
        .hasMessageContaining("max must be above 1.0");
  }

  /** What PairedReport's main writes next to {@code md}: the table and the chart. */
  private static void writeRun(Path md, double[] ours, double[] peer, double goal)
      throws Exception {
    Files.createDirectories(md.getParent());
    List<PairedReport.Pairs> p = PairedReport.pair(rounds(ours, peer), "mailbox", "Ours", "Peer");
    Files.writeString(PairedReport.sibling(md, ".tsv"), PairedReport.tsv(p, "Ours", "Peer", goal));
    PairedReport.chart(PairedReport.sibling(md, ".png"), p, goal, "t");
  }

  @Test
  void resultFilesNamedAfterASetting_areFilesNotOptions(@TempDir Path dir) throws Exception {
    // paired.sh names each fork's file after the implementation, which may carry key=value
    // settings (Mailboxes.section); such a file must not be taken for an option.
    Path jmh =
        Path.of(PairedReportTest.class.getResource("/report/jmh-mailbox-round.json").toURI());
    Path r1 = Files.copy(jmh, dir.resolve("r1-ElasticMailbox+min-capacity=64.json"));
    Path r2 = Files.copy(jmh, dir.resolve("r2-ElasticMailbox+min-capacity=64.json"));
    Path out = dir.resolve("paired.md");
    PairedReport.main(
        new String[] {
          "param=mailbox",
          "ours=ElasticMailbox",
          "peer=SingleConsumerOnlyUnboundedMailbox",
          "out=" + out,
          r1.toString(),
          r2.toString()
        });
    assertThat(Files.readString(out))
        .contains("| MailboxBenchmark.burst | 2 |")
        .contains("| MailboxBenchmark.fanIn | 2 |");
  }

  @Test
  void badOptions_areErrorsNamingTheOption(@TempDir Path dir) throws Exception {
    Path jmh =
        Path.of(PairedReportTest.class.getResource("/report/jmh-mailbox-round.json").toURI());
    Path r1 = Files.copy(jmh, dir.resolve("r1-ElasticMailbox.json"));
    String[] base = {
      "param=mailbox", "ours=ElasticMailbox", "peer=P", "out=" + dir.resolve("p.md")
    };
    assertThatThrownBy(() -> PairedReport.main(concat(base, "goal=high", r1.toString())))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("goal=high is not a number");
    assertThatThrownBy(() -> PairedReport.main(new String[] {"param=mailbox", r1.toString()}))
        .hasMessageStartingWith("missing option ours=...;");
    assertThatThrownBy(() -> PairedReport.main(concat(base, "colour=red", r1.toString())))
        .hasMessageStartingWith("unknown option colour; known: param, ours, peer");
    assertThatThrownBy(
            () -> PairedSummary.main(new String[] {"out=" + dir.resolve("s"), "max=abc"}))
        .hasMessage("max=abc is not a number");
  }

  private static String[] concat(String[] base, String... more) {
    String[] all = Arrays.copyOf(base, base.length + more.length);
    System.arraycopy(more, 0, all, base.length, more.length);
    return all;
  }

  @Test
  void aMalformedSummary_isAnErrorNamingFileAndLine(@TempDir Path dir) throws Exception {
    Path notOurs = dir.resolve("x.tsv");
    Files.writeString(notOurs, "a\tb\n");
    assertThatThrownBy(() -> PairedSummary.read(notOurs))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("x.tsv: not a PairedReport summary");
    Path cut = dir.resolve("y.tsv");
    Files.writeString(cut, PairedReport.TSV_HEADER + "\nMailboxBenchmark.burst\tOurs\tPeer\n");
    assertThatThrownBy(() -> PairedSummary.read(cut))
        .hasMessageContaining("y.tsv:2: expected 12 tab-separated fields, found 3");
    Path word = dir.resolve("z.tsv");
    Files.writeString(
        word, PairedReport.TSV_HEADER + "\nB.x\tO\tP\tone\t10\t1\t1\t1\t0.9\t1\t5\t5\n");
    assertThatThrownBy(() -> PairedSummary.read(word))
        .hasMessageContaining("z.tsv:2: a numeric field is not a number");
  }
}
