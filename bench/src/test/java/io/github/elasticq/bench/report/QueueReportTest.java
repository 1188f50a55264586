package io.github.elasticq.bench.report;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.github.elasticq.bench.report.QueueReport.Table;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The report step on checked-in fixtures (JMH JSON trimmed from real runs with the scores set by
 * hand, a race JSON and a footprint table): what it reads, the ratios and verdicts it computes, the
 * oversubscription notes, and the files it writes. No benchmark runs here.
 */
class QueueReportTest {
  private static Path fixture(String name) throws URISyntaxException {
    return Path.of(QueueReportTest.class.getResource("/report/" + name).toURI());
  }

  private static QueueReport report(int cores) throws Exception {
    List<JmhResult> jmh = new ArrayList<>(JmhResult.read(fixture("jmh-queues.json")));
    jmh.addAll(JmhResult.read(fixture("jmh-mailboxes.json")));
    return new QueueReport(
        jmh,
        RaceResult.read(fixture("busy-consumer.json")),
        QueueReport.readFootprint(fixture("footprint-idle-actors.md")),
        List.of("before 0.10 0.20 0.30"),
        List.of("fixtures"),
        cores);
  }

  @Test
  void jmhResult_readsThePolledCounterOfGroupsAndNaNErrors() throws Exception {
    List<JmhResult> rows = JmhResult.read(fixture("jmh-queues.json"));

    JmhResult elastic = rows.get(0);
    assertThat(elastic.benchmark()).isEqualTo("MpscThroughputBenchmark.p1c1");
    assertThat(elastic.params()).containsEntry("impl", "ElasticMpscQueue");
    assertThat(elastic.polled()).isTrue();
    assertThat(elastic.score()).isEqualTo(8.0); // the counter, not the primary metric (99)
    assertThat(elastic.error()).isEqualTo(1.0);
    assertThat(elastic.threads()).isEqualTo(2);
    assertThat(elastic.jvmArgs()).contains("--add-exports=java.base/jdk.internal.misc=ALL-UNNAMED");
    assertThat(rows.get(2).error()).isNaN();

    JmhResult mailbox = JmhResult.read(fixture("jmh-mailboxes.json")).get(0);
    assertThat(mailbox.polled()).isFalse();
    assertThat(mailbox.score()).isEqualTo(6000.0);
    assertThat(mailbox.unit()).isEqualTo("ops/ms");
  }

  @Test
  void tables_groupByBenchmarkWithOursFirstAndPeersFastestFirst() throws Exception {
    QueueReport report = report(2);

    Table p1c1 = report.table("MpscThroughputBenchmark.p1c1");
    assertThat(p1c1.rows())
        .extracting(QueueReport.Row::subject)
        .containsExactly("ElasticMpscQueue", "ManyToOneConcurrentArrayQueue", "MpscArrayQueue");
    assertThat(p1c1.ratio("ElasticMpscQueue", "MpscArrayQueue").value()).isEqualTo(0.8);
    // (8 - 1) / (10 + 1) .. (8 + 1) / (10 - 1)
    assertThat(p1c1.ratio("ElasticMpscQueue", "MpscArrayQueue").low())
        .isCloseTo(7.0 / 11, within(1e-9));
    assertThat(p1c1.ratio("ElasticMpscQueue", "MpscArrayQueue").high()).isEqualTo(1.0);

    Table kamon = report.table("KamonMailboxBenchmark.burst [mailbox=ElasticMailbox]");
    assertThat(kamon.ours()).containsExactly("on");
    assertThat(kamon.peers()).containsExactly("off");
    assertThat(kamon.ratio("on", "off").value()).isEqualTo(0.95);

    Table race = report.table(QueueReport.RACE);
    assertThat(race.row("ElasticMpscQueue").score()).isEqualTo(20.0); // median of 10, 30, 20
    assertThat(race.ratio("ElasticMpscQueue", "MpscArrayQueue").value()).isEqualTo(0.5);
  }

  @Test
  void targets_measureEachRatioAndSayWhetherItIsMet() throws Exception {
    List<Target> targets = report(2).targets();

    assertThat(targets).hasSize(QueueReport.GOALS.size() + 1);
    assertThat(verdict(targets, "MPSC 1 → 1, flow-controlled")).containsExactly(0.8, 0.0);
    assertThat(verdict(targets, "busy-polling consumer")).containsExactly(0.5, 0.0);
    assertThat(verdict(targets, "MPSC 2 → 1")).containsExactly(1.2, 1.0);
    assertThat(verdict(targets, "mailbox fan-in")).containsExactly(1.2, 1.0);
    assertThat(verdict(targets, "mailbox burst")).containsExactly(0.9, 0.0);
    Target offerPoll = find(targets, "MPMC 2P/2C offer / poll");
    assertThat(offerPoll.measured()).isFalse();
    assertThat(offerPoll.met()).isFalse();
    Target footprint = find(targets, "bytes per idle actor");
    assertThat(footprint.lowerIsBetter()).isTrue();
    assertThat(footprint.value()).isCloseTo(767.0 / 504, within(1e-9));
    assertThat(footprint.met()).isFalse();
  }

  @Test
  void markdown_marksEveryOversubscribedFigureWithTheCores() throws Exception {
    QueueReport two = report(2);
    String md = two.markdown(Map.of());

    assertThat(section(md, "## MpscThroughputBenchmark.p2c1"))
        .contains("oversubscribed: 3 busy threads on 2 cores");
    assertThat(section(md, "## MailboxBenchmark.fanIn"))
        .contains("4 benchmark threads + the actor's dispatcher thread")
        .contains("oversubscribed: 5 busy threads on 2 cores");
    assertThat(section(md, "## MpscThroughputBenchmark.p1c1")).doesNotContain("oversubscribed");
    assertThat(section(md, "## MailboxBenchmark.burst")).doesNotContain("oversubscribed");
    assertThat(find(two.targets(), "MPSC 2 → 1").name()).contains("on 2 cores");
    assertThat(find(two.targets(), "mailbox burst").name()).doesNotContain("oversubscribed");
    assertThat(md)
        .contains("| MPSC 2 → 1 (JMH p2c1): ElasticMpscQueue / MpscChunkedArrayQueue")
        .contains("| 0.80x | 0.64–1.00x | ≥ 1.0x | **no** |")
        .contains("- MpscThroughputBenchmark.p1c1: 0.20x")
        .contains("| **ElasticMpscQueue** | 8.00 | 1.00 | 1.00x |")
        .contains("| cores | **2**")
        .contains("- before 0.10 0.20 0.30\n");

    String eight = report(8).markdown(Map.of());
    assertThat(section(eight, "## MpscThroughputBenchmark.p2c1")).doesNotContain("oversubscribed");
  }

  @Test
  void main_writesTheReportAndReadablePngCharts(@TempDir Path dir) throws Exception {
    QueueReport.main(
        new String[] {
          "out-dir=" + dir,
          "race=" + fixture("busy-consumer.json"),
          "footprint=" + fixture("footprint-idle-actors.md"),
          fixture("jmh-queues.json").toString(),
          fixture("jmh-mailboxes.json").toString()
        });

    String md = Files.readString(dir.resolve("queues.md"));
    assertThat(md).contains("![issue 13 targets](queue-targets.png)");
    for (String png :
        List.of(
            "queue-targets.png",
            "mpscthroughputbenchmark-p1c1.png",
            "mpscthroughputbenchmark-p2c1.png",
            "mailboxbenchmark-fanin.png",
            "busyconsumerrace.png",
            "kamonmailboxbenchmark-burst-mailbox-elasticmailbox.png")) {
      assertThat(md).contains("(" + png + ")");
      BufferedImage image = ImageIO.read(dir.resolve(png).toFile());
      assertThat(image).as(png).isNotNull();
      assertThat(image.getWidth()).isEqualTo(1100);
    }
  }

  @Test
  void raceResult_roundTripsThroughItsJson(@TempDir Path dir) throws IOException {
    RaceResult race =
        new RaceResult(
            5,
            2,
            2,
            "1 2 3",
            "4 5 6",
            "a \"quoted\" VM",
            Map.of("ElasticMpscQueue", List.of(1.5, 2.5)));
    Path file = dir.resolve("race.json");
    Files.writeString(file, race.toJson());

    assertThat(RaceResult.read(file)).isEqualTo(race);
    assertThat(race.median("ElasticMpscQueue")).isEqualTo(2.0);
  }

  private static Target find(List<Target> targets, String part) {
    return targets.stream().filter(t -> t.name().contains(part)).findFirst().orElseThrow();
  }

  private static double[] verdict(List<Target> targets, String part) {
    Target t = find(targets, part);
    return new double[] {Math.round(t.value() * 1e9) / 1e9, t.met() ? 1.0 : 0.0};
  }

  private static String section(String md, String heading) {
    int start = md.indexOf(heading + "\n");
    assertThat(start).as(heading).isNotNegative();
    int end = md.indexOf("\n## ", start + heading.length());
    return md.substring(start, end < 0 ? md.length() : end);
  }
}
