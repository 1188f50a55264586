package io.github.elasticq.examples.features;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Runs each small example of the README in this JVM and checks what it prints, so that none of them
 * can rot.
 */
class FeatureExamplesTest {

  @TempDir Path tmp;

  /** A program's {@code main}. */
  private interface Main {
    void run() throws Exception;
  }

  /** What {@code main} printed on {@code System.out}. */
  private static String output(Main main) throws Exception {
    PrintStream original = System.out;
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
    try {
      main.run();
    } finally {
      System.setOut(original);
    }
    String text = out.toString(StandardCharsets.UTF_8);
    original.print(text);
    return text;
  }

  /** The entries of {@code java.io.tmpdir} whose names start with {@code prefix}. */
  private static Set<Path> tempEntries(String prefix) throws IOException {
    try (Stream<Path> entries = Files.list(Path.of(System.getProperty("java.io.tmpdir")))) {
      return entries
          .filter(p -> p.getFileName().toString().startsWith(prefix))
          .collect(Collectors.toSet());
    }
  }

  /** The temporary directories named {@code prefix...} that appeared since {@code before}. */
  private static Set<Path> leftSince(Set<Path> before, String prefix) throws IOException {
    Set<Path> left = new HashSet<>(tempEntries(prefix));
    left.removeAll(before);
    return left;
  }

  @Test
  void mailboxConfig_typedAndClassicActorsOnTheConfiguredMailbox() throws Exception {
    String out = output(() -> MailboxConfigExample.main(new String[0]));
    assertThat(out)
        .contains("/user/typed-worker on my-mailbox")
        .contains("/user/classic-worker on my-mailbox");
  }

  @Test
  void balancingPool_everyJobDone_throughOneSharedElasticQueue() throws Exception {
    String out = output(() -> BalancingPoolExample.main(new String[0]));
    Matcher done = Pattern.compile("1000 jobs done, per routee: \\{(.*)}").matcher(out);
    assertThat(done.find()).as(out).isTrue();
    int sum = 0;
    for (String entry : done.group(1).split(", ")) {
      sum += Integer.parseInt(entry.substring(entry.indexOf('=') + 1));
    }
    assertThat(sum).isEqualTo(1000);
    assertThat(out.lines().filter(l -> l.startsWith("shared queue "))).hasSize(1);
    assertThat(out).contains("shared queue shared-mailbox: ").contains("enqueued=1000,");
  }

  @Test
  void qosClassifier_alarmsFirst() throws Exception {
    String out = output(() -> QosClassifierExample.main(new String[0]));
    assertThat(out.lines().filter(l -> l.startsWith("processed ")))
        .containsExactly(
            "processed alarm-1",
            "processed alarm-2",
            "processed metric-1",
            "processed log-1",
            "processed log-2");
  }

  @Test
  void journalSyncModes_eachModePersistsEverything_onlyEveryWriteForcesEachWrite()
      throws Exception {
    Set<Path> before = tempEntries("sync-modes");
    String out = output(() -> JournalSyncModesExample.main(new String[0]));
    assertThat(leftSince(before, "sync-modes")).as("temporary directories left").isEmpty();
    Pattern line =
        Pattern.compile(
            "(every-write|periodic|no-sync) +200 events persisted: (\\d+) writes \\(group commits\\),"
                + " (\\d+) fsyncs, \\d+ bytes");
    Map<String, long[]> byMode = new java.util.HashMap<>();
    out.lines()
        .map(line::matcher)
        .filter(Matcher::matches)
        .forEach(
            m ->
                byMode.put(
                    m.group(1),
                    new long[] {Long.parseLong(m.group(2)), Long.parseLong(m.group(3))}));
    assertThat(byMode).as(out).containsOnlyKeys("every-write", "periodic", "no-sync");
    long[] everyWrite = byMode.get("every-write");
    assertThat(everyWrite[1])
        .as("every-write: one fsync per group commit")
        .isGreaterThanOrEqualTo(everyWrite[0]);
    long[] noSync = byMode.get("no-sync");
    assertThat(noSync[1]).as("no-sync: the writes are not forced").isLessThan(noSync[0]);
  }

  @Test
  void durableMailbox_deliversInOrder_withSequenceNumbers() throws Exception {
    String out = output(() -> DurableMailboxExample.main(new String[] {tmp.toString()}));
    assertThat(out).contains("#1 Order[id=o-0, amount=0]").contains("#5 Order[id=o-4, amount=40]");
    assertThat(out.indexOf("#1 ")).isLessThan(out.indexOf("#5 "));
  }

  @Test
  void durableMailbox_withoutDirectory_deletesItsTemporaryDirectory() throws Exception {
    Set<Path> before = tempEntries("durable-example");
    String out = output(() -> DurableMailboxExample.main(new String[0]));
    assertThat(out).contains("#5 Order[id=o-4, amount=40]");
    assertThat(leftSince(before, "durable-example")).as("temporary directories left").isEmpty();
  }

  /**
   * A run that fails deletes its directory too: interrupted from the start, the example fails as
   * its actor system starts (its logger start is interrupted) or as it waits for the orders.
   */
  @Test
  void durableMailbox_failing_deletesItsTemporaryDirectory() throws Exception {
    Set<Path> before = tempEntries("durable-example");
    try {
      Thread.currentThread().interrupt();
      assertThatThrownBy(() -> DurableMailboxExample.main(new String[0]))
          .satisfies(
              e ->
                  assertThat(
                          e instanceof InterruptedException || e.toString().contains("Interrupt"))
                      .as("failed by the interrupt: " + e)
                      .isTrue());
    } finally {
      Thread.interrupted();
    }
    assertThat(leftSince(before, "durable-example")).as("temporary directories left").isEmpty();
  }

  @Test
  void streams_eachAdapter() throws Exception {
    String out = output(() -> StreamsExample.main(new String[0]));
    assertThat(out)
        .contains("ElasticSource -> ElasticFlow.buffer -> ElasticSink: sum " + 9_999L * 10_000)
        .contains("QosSource emitted [high-1, high-2, low]")
        .contains("BufferChannel received message-2")
        .contains("BufferChannel closed and drained");
  }

  @Test
  void management_routesAndHealthChecks_answerOverHttp() throws Exception {
    int port;
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      port = s.getLocalPort();
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
    Set<Path> before = tempEntries("management-example");
    String out = output(() -> ManagementExample.main(new String[] {String.valueOf(port)}));
    assertThat(leftSince(before, "management-example")).as("temporary directories left").isEmpty();
    assertThat(out)
        .contains("Pekko Management at http://127.0.0.1:" + port)
        .contains("GET /ready -> 200")
        .contains("GET /alive -> 200")
        .containsPattern("GET /elasticq/mailboxes -> 200 .*\"id\":\"orders-mailbox\"")
        .containsPattern("GET /elasticq/journal -> 200 .*\"state\":\"open\"");
  }
}
