package io.github.elasticq.examples.gateway;

import static io.github.elasticq.examples.gateway.GatewayProcess.inProcess;
import static org.assertj.core.api.Assertions.assertThat;

import io.github.elasticq.examples.gateway.GatewayProcess.Outcome;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The README's demo in its short mode, in child JVMs (the crash is a real {@code Runtime.halt}): a
 * run that halts after a number of messages, then a run on the same data directory that recovers
 * the durable messages and must report that the counts add up and nothing stored was lost. Bad
 * input is checked in-process: one line on stderr, exit code 2, nothing written.
 */
class GatewayDemoTest {

  private static final Pattern ROW =
      Pattern.compile("^(t\\d+|all)\\s+([012])\\s+(\\d+)\\s+(\\d+)\\s+(\\d+)\\s+(\\d+)\\s+(\\d+)$");
  private static final Pattern DURABLE =
      Pattern.compile("^Durable: (\\d+) QoS 1/2 messages stored .* lost: (\\d+) .*");

  @TempDir Path tmp;

  @Test
  void crashAfter_thenRecoveringRun_losesNoDurableMessage_andCountsAddUp() throws Exception {
    Path data = tmp.resolve("data");
    Child crashed = run(data, "--duration", "6s", "--crash-after", "4000");
    assertThat(crashed.exitCode).as(crashed.output).isEqualTo(137);
    assertThat(crashed.output).contains("halting the JVM now (Runtime.halt)");
    assertThat(Files.exists(data.resolve("summary.txt"))).isFalse();

    // the crashed run's inboxes are those of its topics: a recovery with others is refused
    Outcome otherTopics = inProcess("--data", data.toString(), "--topics", "2");
    assertThat(otherTopics.code()).as(otherTopics.err()).isEqualTo(2);
    assertThat(otherTopics.err())
        .contains("--topics 2 differs from the 3 topics --data " + data + " was run with");

    Child recovered = run(data, "--duration", "4s");
    assertThat(recovered.exitCode).as(recovered.output).isZero();
    assertThat(recovered.output).contains("recovering:").contains("RESULT: OK");

    long thisRunDurable = 0;
    int rows = 0;
    for (String line : recovered.output.split("\\R")) {
      Matcher m = ROW.matcher(line.trim());
      if (!m.matches()) {
        continue;
      }
      rows++;
      int qos = Integer.parseInt(m.group(2));
      long sent = Long.parseLong(m.group(3));
      long processed = Long.parseLong(m.group(4));
      long dropped = Long.parseLong(m.group(5));
      assertThat(processed + dropped).as(line).isEqualTo(sent);
      if (qos > 0) {
        assertThat(dropped).as("QoS 1/2 never dropped: " + line).isZero();
        if (m.group(1).equals("all")) {
          thisRunDurable += processed;
        }
      }
      if (m.group(1).equals("all")) {
        assertThat(sent).as("every level was published: " + line).isPositive();
      }
    }
    assertThat(rows).as(recovered.output).isEqualTo(3 * 3 + 3);
    Matcher durable =
        recovered.output.lines().map(DURABLE::matcher).filter(Matcher::matches).findFirst().get();
    assertThat(Long.parseLong(durable.group(2))).as("lost").isZero();
    assertThat(Long.parseLong(durable.group(1)))
        .as("the crashed run's stored messages count too")
        .isGreaterThan(thisRunDurable);
    assertThat(data.resolve("mailbox-depth.png")).isNotEmptyFile();
    assertThat(Files.readString(data.resolve("summary.txt"))).contains("RESULT: OK");
  }

  /**
   * Ctrl-C (here SIGTERM, which runs the same shutdown hook) stops the publishers and still drains
   * and reports: the hook used to return at once, and the JVM ended before the summary.
   */
  @Test
  void terminatedMidRun_drainsAndReports() throws Exception {
    Path data = tmp.resolve("data");
    Path log = Files.createTempFile(tmp, "child", ".log");
    List<String> args = childArgs(data, "--duration", "120s");
    Process p = GatewayProcess.start(log, args);
    try {
      Awaitility.await()
          .atMost(Duration.ofMinutes(2))
          .until(() -> Files.readString(log).contains("data "));
      Thread.sleep(2000); // publishing for a while
      p.destroy(); // SIGTERM
      assertThat(p.waitFor(3, TimeUnit.MINUTES)).as("exited").isTrue();
      // the signal's exit code, as the README says: the RESULT line tells the outcome
      assertThat(p.exitValue()).as(Files.readString(log)).isEqualTo(143);
    } finally {
      p.destroyForcibly();
    }
    String output = Files.readString(log);
    assertThat(output).as(output).contains("RESULT: OK");
    assertThat(data.resolve("summary.txt")).isNotEmptyFile();
  }

  @Test
  void unknownFlag_oneLineError_exit2_nothingWritten() throws IOException {
    Path data = tmp.resolve("data");
    Outcome o = inProcess("--data", data.toString(), "--bogus");
    assertThat(o.code()).isEqualTo(2);
    assertThat(o.err().strip().lines()).hasSize(1);
    assertThat(o.err()).contains("--bogus");
    assertThat(data).doesNotExist();
  }

  @Test
  void dataDirIsAFile_oneLineError_exit2_nothingWritten() throws IOException {
    Path file = Files.writeString(tmp.resolve("not-a-dir"), "x");
    Outcome o = inProcess("--data", file.toString());
    assertThat(o.code()).isEqualTo(2);
    assertThat(o.err().strip().lines()).hasSize(1);
    assertThat(o.err()).contains("is a file, not a directory");
    assertThat(Files.readString(file)).isEqualTo("x");
    try (Stream<Path> files = Files.list(tmp)) {
      assertThat(files).containsExactly(file);
    }
  }

  @Test
  void dataDirUnderAFile_oneLineError_exit2() throws IOException {
    Path file = Files.writeString(tmp.resolve("file"), "x");
    Outcome o = inProcess("--data", file.resolve("data").toString());
    assertThat(o.code()).isEqualTo(2);
    assertThat(o.err().strip().lines()).hasSize(1);
    assertThat(o.err()).contains("is a file");
  }

  @Test
  void dataDirNotWritable_oneLineError_exit2_nothingWritten() throws IOException {
    // procfs refuses new files, also to root (whom permission bits do not stop)
    Path data = Path.of("/proc", "elasticq-gateway-test", "data");
    Outcome o = inProcess("--data", data.toString());
    assertThat(o.code()).as(o.err()).isEqualTo(2);
    assertThat(o.err().strip().lines()).hasSize(1);
    assertThat(o.err()).contains("/proc is not writable");
    assertThat(data.getParent()).doesNotExist();
  }

  @Test
  void badValues_nameTheOption() {
    assertThat(inProcess("--qos-mix", "50,30,10").err()).contains("--qos-mix must add up to 100");
    assertThat(inProcess("--duration", "soon").err()).contains("'soon' is not a duration");
    assertThat(inProcess("--topics", "0").code()).isEqualTo(2);
    assertThat(inProcess("--mqtt-idle", "3s").err())
        .contains("--mqtt-idle")
        .contains("needs --mqtt");
    assertThat(inProcess("--rate", "-1").err()).contains("--rate must be >= 0, was -1");
    assertThat(inProcess("--burst-size", "-5").err()).contains("--burst-size must be >= 0, was -5");
    assertThat(inProcess("--burst-every", "0s").err()).contains("--burst-every must be > 0");
    // beyond the publishers' nanosecond clock: their threads failed and the run sent nothing
    Outcome forever = inProcess("--duration", "3000000h");
    assertThat(forever.code()).isEqualTo(2);
    assertThat(forever.err()).contains("--duration must be > 0 and at most 1000000h");
    // a wildcard in the prefix failed the bridge's subscription or every result's publish
    for (String prefix : List.of("x/+", "x/#", "")) {
      Outcome o = inProcess("--mqtt-topic", prefix);
      assertThat(o.code()).as(prefix).isEqualTo(2);
      assertThat(o.err()).as(prefix).contains("--mqtt-topic must be a topic name without");
    }
  }

  @Test
  void help_listsTheOptions() {
    Outcome o = inProcess("--help");
    assertThat(o.code()).isZero();
    assertThat(o.out())
        .contains("--data=DIR", "--crash-after=N", "--duration=TIME", "--qos-mix", "--mqtt-idle");
    // the option takes one triple, once: the usage offered more triples and repeating it
    assertThat(o.out()).contains("[--qos-mix=Q0,Q1,Q2]").doesNotContain("Q0,Q1,Q2...");
    assertThat(inProcess("--qos-mix", "60,30,10,50,50,0").err())
        .contains("--qos-mix takes three percentages");
    assertThat(inProcess("--qos-mix", "60,x,10").err())
        .contains("--qos-mix takes three percentages");
  }

  private record Child(int exitCode, String output) {}

  /** The demo in a child JVM with small loads and free ports; waits for it to exit. */
  private Child run(Path data, String... extra) throws Exception {
    List<String> args = childArgs(data, extra);
    Path log = Files.createTempFile(tmp, "child", ".log");
    int code = GatewayProcess.awaitExit(GatewayProcess.start(log, args), log, 5);
    return new Child(code, Files.readString(log));
  }

  /** The arguments of a child demo with small loads and free ports, then {@code extra}. */
  private static List<String> childArgs(Path data, String... extra) {
    List<String> args =
        GatewayProcess.args(
            data,
            "--publishers",
            "2",
            "--rate",
            "300",
            "--burst-every",
            "2s",
            "--burst-size",
            "1500",
            "--work-us",
            "10",
            "--refresh",
            "2s");
    args.addAll(List.of(extra));
    return args;
  }
}
