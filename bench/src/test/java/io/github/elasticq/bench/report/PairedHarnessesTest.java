package io.github.elasticq.bench.report;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The race and footprint pairs for PairedSummary, on hand-made result files. Nothing runs here. */
class PairedHarnessesTest {

  private static Path race(Path dir, String name, List<Double> ours, List<Double> peer)
      throws Exception {
    Map<String, List<Double>> rates = new LinkedHashMap<>();
    rates.put(RaceResult.OURS, ours);
    rates.put(PairedHarnesses.RACE_PEER, peer);
    rates.put("ConcurrentLinkedQueue", List.of(1.0, 1.0, 1.0)); // neither side: ignored
    Path f = dir.resolve(name);
    Files.writeString(
        f, new RaceResult(1000, ours.size(), 2, "0 0 0", "0 0 0", "vm", rates).toJson());
    return f;
  }

  private static Path footprint(Path dir, String name, String oursBytes, String peerBytes)
      throws Exception {
    Path f = dir.resolve(name);
    Files.writeString(
        f,
        String.join(
            "\n",
            "# Heap bytes per idle actor",
            "",
            "| mailbox | bytes per idle actor | vs UnboundedMailbox (Pekko default) |",
            "|---|---:|---:|",
            "| " + PairedHarnesses.FOOTPRINT_OURS + " | " + oursBytes + " | 1.28x |",
            "| " + PairedHarnesses.FOOTPRINT_PEER + " | " + peerBytes + " | 1.00x |",
            ""));
    return f;
  }

  @Test
  void raceRuns_areOnePairEach_theMediansOfTheirRounds(@TempDir Path dir) throws Exception {
    Path a = race(dir, "race-r1.json", List.of(20.0, 30.0, 40.0), List.of(10.0, 12.0, 10.0));
    Path b = race(dir, "race-r2.json", List.of(5.0, 50.0, 6.0), List.of(10.0, 10.0, 10.0));
    PairedReport.Pairs p = PairedHarnesses.racePairs(List.of(a, b));
    assertThat(p.benchmark()).isEqualTo("BusyConsumerRace.p1c1");
    assertThat(p.rounds())
        .containsExactly("run 1 (median of 3 rounds)", "run 2 (median of 3 rounds)");
    // run 1: 30 / 10; run 2: 6 / 10 (medians, not round-by-round ratios)
    assertThat(p.ratios()).containsExactly(3.0, 0.6);
    PairedReport.Summary s = PairedReport.summarize(p, 3.0);
    assertThat(s.median()).isCloseTo(1.8, within(1e-12));
    assertThat(s.atGoal()).isEqualTo(1); // 3.0 is at the goal 3.0; 0.6 is below it and below 1.0
    assertThat(s.atOne()).isEqualTo(1);
  }

  @Test
  void aRaceWithoutThePeer_isAnErrorNamingTheFile(@TempDir Path dir) throws Exception {
    Map<String, List<Double>> rates = Map.of(RaceResult.OURS, List.of(1.0));
    Path f = dir.resolve("race-bad.json");
    Files.writeString(f, new RaceResult(1, 1, 2, "", "", "vm", rates).toJson());
    assertThatThrownBy(() -> PairedHarnesses.racePairs(List.of(f)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("race-bad.json")
        .hasMessageContaining("found 1 and none");
  }

  @Test
  void footprint_isActorsPerMiB_soTheCeilingBecomesAFloor(@TempDir Path dir) throws Exception {
    Path a = footprint(dir, "fp-r1.md", "650", "506");
    Path b = footprint(dir, "fp-r2.md", "1,012", "506");
    PairedReport.Pairs p = PairedHarnesses.footprintPairs(List.of(a, b));
    assertThat(p.benchmark()).isEqualTo("IdleActorFootprint.actorsPerMiB");
    // ratio = default bytes / our bytes: 506 / 650 = 0.778 (ours 1.28x the bytes), 506 / 1012.
    assertThat(p.ratios()[0]).isCloseTo(506.0 / 650.0, within(1e-12));
    assertThat(p.ratios()[1]).isCloseTo(0.5, within(1e-12));
  }

  @Test
  void mainWritesATsvThatPairedSummaryJudgesAgainstTheInvertedGoal(@TempDir Path dir)
      throws Exception {
    Path met = footprint(dir, "fp-r1.md", "650", "506"); // 1.28x the bytes: within 1.3x
    Path out = dir.resolve("footprint/paired-ElasticMailbox+1msg.md");
    PairedHarnesses.main(new String[] {"kind=footprint", "out=" + out, "goal=1.3", met.toString()});
    List<PairedSummary.Row> rows =
        PairedSummary.read(dir.resolve("footprint/paired-ElasticMailbox+1msg.tsv"));
    assertThat(rows).hasSize(1);
    PairedSummary.Row r = rows.get(0);
    assertThat(r.goal()).isCloseTo(1 / 1.3, within(1e-9));
    assertThat(r.median() / r.goal()).isCloseTo(1.3 * 506 / 650, within(1e-6)); // 1.012: met
    assertThat(r.summary().verdict(r.goal())).isEqualTo("met");
    assertThat(Files.readString(out)).contains("idle actors per MiB").contains("| met |");
    assertThat(dir.resolve("footprint/paired-ElasticMailbox+1msg.png")).exists();
    assertThat(PairedSummary.bars(rows, 2.5).get(0).label())
        .isEqualTo(
            "IdleActorFootprint.actorsPerMiB: ElasticMailbox+1msg / UnboundedMailbox+1msg"
                + " (goal 0.77×)");

    Path over = footprint(dir, "fp-r2.md", "700", "506"); // 1.38x the bytes: over the ceiling
    Path out2 = dir.resolve("over/paired.md");
    PairedHarnesses.main(new String[] {"kind=footprint", "out=" + out2, over.toString()});
    PairedSummary.Row r2 = PairedSummary.read(dir.resolve("over/paired.tsv")).get(0);
    assertThat(r2.summary().verdict(r2.goal())).isEqualTo("missed");
  }

  @Test
  void badOptions_areRefusedWithTheirName(@TempDir Path dir) {
    assertThatThrownBy(() -> PairedHarnesses.main(new String[] {"kind=jmh", "out=x.md"}))
        .hasMessageContaining("kind must be race or footprint, was jmh");
    assertThatThrownBy(() -> PairedHarnesses.main(new String[] {"kind=race", "colour=red"}))
        .hasMessageContaining("unknown option colour");
    assertThatThrownBy(() -> PairedHarnesses.main(new String[] {"kind=race"}))
        .hasMessageContaining("missing option out=");
    assertThatThrownBy(
            () ->
                PairedHarnesses.main(
                    new String[] {"kind=race", "out=" + dir.resolve("p.md"), "goal=0"}))
        .hasMessageContaining("goal must be positive");
    assertThatThrownBy(
            () ->
                PairedHarnesses.main(
                    new String[] {"kind=race", "out=" + dir.resolve("p.md"), "goal=high"}))
        .hasMessageContaining("goal=high is not a number");
  }
}
