package io.github.elasticq.bench.report;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The shell scripts' own logic (which files they pair, which options they pass), run for real with
 * a fake {@code java}: it writes each fork's JMH JSON from a table of scores (a score of {@code
 * empty} leaves an empty file, {@code none} no file, {@code fail} no file and exit 1: the ways a
 * fork fails; 100 when not listed) and logs every call. No benchmark runs here.
 */
class BenchScriptsTest {

  private static final String FAKE_JAVA =
      """
      #!/usr/bin/env bash
      echo "$*" >> "$FAKE_LOG"
      [ "$1" = -jar ] || exit 0
      shift 2 # -jar JAR
      regex=$1
      while [ $# -gt 0 ]; do
        case $1 in -p) p=$2; shift ;; -rff) rff=$2; shift ;; esac
        shift
      done
      # the folder holds the jar and the round under ab.sh (old-2), the target under targets.sh
      key="$(basename "$(dirname "$rff")") $(basename "$rff" .json)"
      score=$(awk -v k="$key" '$1 " " $2 == k { print $3 }' "$FAKE_SCORES")
      case ${score:=100} in
        none) ;;
        fail) echo "fake fork failed" >&2; exit 1 ;;
        empty) : > "$rff" ;;
        *) echo "[{\\"benchmark\\": \\"x.${regex//[^A-Za-z.]/}\\", \\"params\\": {\\"${p%%=*}\\": \\"${p#*=}\\"}, \\"primaryMetric\\": {\\"score\\": $score}}]" > "$rff" ;;
      esac
      """;

  /** Runs {@code bench/<script>} with the fake java and {@code env}; returns its output. */
  private static String run(Path dir, String scores, Map<String, String> env, String... args)
      throws IOException, InterruptedException {
    return run(0, dir, scores, env, args);
  }

  /** As {@link #run(Path, String, Map, String...)}, expecting the exit status {@code exit}. */
  private static String run(
      int exit, Path dir, String scores, Map<String, String> env, String... args)
      throws IOException, InterruptedException {
    assumeThat(new java.io.File("/bin/bash")).exists();
    Path java = dir.resolve("java");
    Files.writeString(java, FAKE_JAVA);
    assertThat(java.toFile().setExecutable(true)).isTrue();
    Files.writeString(dir.resolve("scores"), scores);
    List<String> command = new ArrayList<>(List.of("bash"));
    command.addAll(List.of(args));
    ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true);
    pb.environment().putAll(env);
    pb.environment().put("JAVA", java.toString());
    pb.environment().put("FAKE_LOG", dir.resolve("calls.log").toString());
    pb.environment().put("FAKE_SCORES", dir.resolve("scores").toString());
    Process p = pb.start();
    String out = new String(p.getInputStream().readAllBytes());
    assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(p.exitValue()).as(out).isEqualTo(exit);
    return out;
  }

  private static boolean hasPython() {
    try {
      return new ProcessBuilder("python3", "--version").start().waitFor() == 0;
    } catch (IOException | InterruptedException e) {
      return false;
    }
  }

  @Test
  void abPairsOldAndNewByRoundNumber_andLeavesOutARoundWithoutBoth(@TempDir Path dir)
      throws Exception {
    assumeThat(hasPython()).as("ab.sh reports with python3").isTrue();
    Path old = Files.writeString(dir.resolve("old.jar"), "");
    Path neu = Files.writeString(dir.resolve("new.jar"), "");
    // The peer scores 100; ours 100 + 10 i with the old jar and 100 + 20 i with the new one, so
    // round i's ratios are 1 + i/10 and 1 + i/5. Old round 2's peer fork failed (empty JSON), new
    // round 3's fork of ours wrote nothing: each round is left out, and no later pair shifts.
    String scores =
        scores(
            "old-1 r1-Ours 110",
            "old-2 r1-Ours 120",
            "old-2 r1-Peer empty",
            "old-3 r1-Ours 130",
            "old-4 r1-Ours 140",
            "new-1 r1-Ours 120",
            "new-2 r1-Ours 140",
            "new-3 r1-Ours none",
            "new-4 r1-Ours 180");
    Path stale = dir.resolve("results/ab-t/new-3/r1-Ours.json"); // an earlier run's fork
    Files.createDirectories(stale.getParent());
    Files.writeString(stale, "[{\"benchmark\": \"x.B.burst\", \"primaryMetric\": {\"score\": 9}}]");
    String out =
        run(
            dir,
            scores,
            Map.of(
                "OLD", old.toString(), "NEW", neu.toString(), "DIR", dir.resolve("results") + ""),
            "ab.sh",
            "t",
            "4",
            "B.burst",
            "mailbox",
            "Peer",
            "Ours");
    String md = Files.readString(dir.resolve("results/ab-t/ab.md"));
    assertThat(out).contains(md.strip());
    assertThat(md)
        .contains("| burst | Ours | 1 | 1.100 | 1.200 | 1.091 |")
        .contains("| burst | Ours | 4 | 1.400 | 1.800 | 1.286 |")
        .doesNotContain("| burst | Ours | 2 |")
        .doesNotContain("| burst | Ours | 3 |")
        // medians over the paired rounds 1 and 4 only
        .contains("| burst | Ours | 2 of 4 | 1.250 | 1.500 | 1.200 | 2 of 2 |")
        .contains("- burst / Ours: round 2 has no old ratio (see logs/), left out")
        .contains("- burst / Ours: round 3 has no new ratio (see logs/), left out");
  }

  @Test
  void targetsPassEachTargetsGoalToItsReport(@TempDir Path dir) throws Exception {
    Path jar = Files.writeString(dir.resolve("benchmarks.jar"), "");
    run(
        dir,
        "",
        Map.of(
            "JAR",
            jar.toString(),
            "OUT",
            dir.resolve("targets").toString(),
            "ROUNDS",
            "1",
            "TARGETS",
            "qos-burst mailbox-fanin p1c1"),
        "targets.sh");
    List<String> reports =
        Files.readAllLines(dir.resolve("calls.log")).stream()
            .filter(l -> l.contains("report.PairedReport "))
            .toList();
    assertThat(reports).hasSize(5);
    assertThat(report(reports, "QosMailbox")).contains(" goal=3.0 ");
    assertThat(report(reports, "QosMailbox+layout=padded")).contains(" goal=3.0 ");
    assertThat(report(reports, "ElasticMailbox")).contains(" goal=1.1 ");
    assertThat(report(reports, "ElasticMailbox+layout=padded")).contains(" goal=1.1 ");
    assertThat(report(reports, "ElasticMpscQueue")).contains(" goal=1.0 ");
  }

  @Test
  void aFailedForkLeavesItsRoundOut_theOtherTargetsAndTheSummaryStillRun(@TempDir Path dir)
      throws Exception {
    Path jar = Files.writeString(dir.resolve("benchmarks.jar"), "");
    // qos-burst: round 2's peer fork fails (exit 1), round 3's QosMailbox fork writes an empty
    // file; mailbox-burst after it runs in full.
    String scores =
        scores(
            "qos-burst r2-UnboundedStablePriorityMailbox fail",
            "qos-burst r3-QosMailbox empty",
            "qos-burst r1-QosMailbox 300",
            "qos-burst r4-QosMailbox 400");
    String out =
        run(
            3,
            dir,
            scores,
            Map.of(
                "JAR",
                jar.toString(),
                "OUT",
                dir.resolve("targets").toString(),
                "ROUNDS",
                "4",
                "TARGETS",
                "qos-burst mailbox-burst"),
            "targets.sh");
    assertThat(out)
        .contains("round 2: the fork of UnboundedStablePriorityMailbox failed (exit 1")
        .contains("round 3: the fork of QosMailbox failed (exit 0")
        .contains("forks failed in: qos-burst (exit 3)");
    List<String> calls = Files.readAllLines(dir.resolve("calls.log"));
    Path qos = dir.resolve("targets/qos-burst");
    assertThat(report(reportCalls(calls), "QosMailbox"))
        .as("rounds 1 and 4 only")
        .contains(qos.resolve("r1-QosMailbox.json").toString())
        .contains(qos.resolve("r4-QosMailbox.json").toString())
        .doesNotContain("r2-")
        .doesNotContain("r3-");
    assertThat(report(reportCalls(calls), "QosMailbox+layout=padded"))
        .as("all but round 2, whose peer failed")
        .contains("r3-QosMailbox+layout=padded.json")
        .doesNotContain("r2-");
    assertThat(report(reportCalls(calls), "ElasticMailbox"))
        .as("the next target ran, all its rounds")
        .contains("r1-", "r2-", "r3-", "r4-");
    assertThat(calls).anyMatch(l -> l.contains("report.PairedSummary "));
  }

  /** The fake java's score table: one {@code "<folder> <fork> <score>"} line each. */
  private static String scores(String... lines) {
    return String.join("\n", lines) + "\n";
  }

  private static List<String> reportCalls(List<String> calls) {
    return calls.stream().filter(l -> l.contains("report.PairedReport ")).toList();
  }

  /** The one report call for the candidate {@code ours}. */
  private static String report(List<String> reports, String ours) {
    List<String> calls = reports.stream().filter(l -> l.contains(" ours=" + ours + " ")).toList();
    assertThat(calls).as(ours).hasSize(1);
    return calls.get(0);
  }
}
