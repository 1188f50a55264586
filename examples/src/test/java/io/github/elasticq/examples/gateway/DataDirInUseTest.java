package io.github.elasticq.examples.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.elasticq.persistence.internal.DirectoryLock;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A second gateway started on the data directory of a running one. Its journal lock refused it, but
 * only after it had opened the ledgers, which cut each one back to the size it had read: what the
 * running gateway appended in between was gone, and a later run on that directory reported those
 * messages as lost (found by a review).
 */
class DataDirInUseTest {

  @TempDir Path tmp;

  @Test
  void secondStartOnADataDirInUse_isRefused_andLeavesTheRunningGatewaysLedgersWhole()
      throws Exception {
    Path data = tmp.resolve("data");
    Path logA = tmp.resolve("a.log");
    Process a =
        GatewayProcess.start(
            logA,
            args(
                data,
                "--duration",
                "12s",
                "--topics",
                "1",
                "--publishers",
                "4",
                "--rate",
                "3000",
                "--qos-mix",
                "0,50,50",
                "--burst-size",
                "0",
                "--work-us",
                "0"));
    List<String> second = new ArrayList<>();
    List<Integer> codes = new ArrayList<>();
    try {
      Awaitility.await()
          .atMost(Duration.ofMinutes(2))
          .until(() -> Files.readString(logA).contains("data "));
      Thread.sleep(2_000); // the ledgers grow
      for (int i = 0; i < 2 && a.isAlive(); i++) {
        Path logB = tmp.resolve("b" + i + ".log");
        Process b = GatewayProcess.start(logB, args(data, "--topics", "1", "--duration", "2s"));
        assertThat(b.waitFor(2, TimeUnit.MINUTES)).as("second gateway exited").isTrue();
        codes.add(b.exitValue());
        second.add(Files.readString(logB));
      }
      assertThat(a.waitFor(3, TimeUnit.MINUTES)).as("first gateway exited").isTrue();
    } finally {
      a.destroyForcibly().waitFor();
    }
    String outputA = GatewayProcess.digest(logA);
    assertThat(a.exitValue()).as(outputA).isZero();
    assertThat(codes).as("second starts made while the first ran").isNotEmpty();

    // a later run on the directory finds nothing lost
    Path logC = tmp.resolve("c.log");
    Process c =
        GatewayProcess.start(
            logC, args(data, "--topics", "1", "--duration", "2s", "--burst-size", "0"));
    assertThat(c.waitFor(3, TimeUnit.MINUTES)).as("third gateway exited").isTrue();
    String outputC = GatewayProcess.digest(logC);
    assertThat(outputC).contains("RESULT: OK");
    assertThat(c.exitValue()).as(outputC).isZero();

    // every ledger still holds 1..n: nothing the first gateway wrote was cut away
    try (Stream<Path> files = Files.list(data.resolve("ledger"))) {
      for (Path f : files.filter(p -> p.toString().endsWith(".processed")).toList()) {
        ByteBuffer all = ByteBuffer.wrap(Files.readAllBytes(f));
        long previous = 0;
        long wrong = 0;
        long firstWrong = 0;
        while (all.remaining() >= Long.BYTES) {
          long seqNr = all.getLong();
          if (seqNr != previous + 1 && wrong++ == 0) {
            firstWrong = previous + 1;
          }
          previous = Math.max(previous, seqNr);
        }
        assertThat(wrong)
            .as(
                "%s: %d entries out of place, the first where %d was expected (%d bytes)",
                f.getFileName(), wrong, firstWrong, Files.size(f))
            .isZero();
      }
    }
    // and each second start was refused as bad input, naming the directory in use
    for (int i = 0; i < codes.size(); i++) {
      assertThat(codes.get(i)).as(second.get(i)).isEqualTo(2);
      assertThat(second.get(i)).contains("is in use by another gateway");
    }
  }

  /**
   * Two gateways in one JVM: the second is refused as bad input naming the directory, and the first
   * keeps its lock (DirectoryLockTest shows that another process still finds it held).
   */
  @Test
  void secondLockInThisJvm_isRefusedAsBadInput_untilTheFirstIsReleased() throws Exception {
    Path data = Files.createDirectories(tmp.resolve("data"));
    try (DirectoryLock first = GatewayDemo.lockDataDir(data)) {
      assertThat(first.file()).isEqualTo(data.resolve(GatewayDemo.LOCK_FILE));
      assertThatThrownBy(() -> GatewayDemo.lockDataDir(data))
          .isInstanceOf(GatewayDemo.BadInputException.class)
          .hasMessageContaining("is in use by another gateway")
          .hasMessageContaining(data.toString());
    }
    GatewayDemo.lockDataDir(data).close();
  }

  private static List<String> args(Path data, String... extra) {
    List<String> args = GatewayProcess.args(data, "--refresh", "5s");
    args.addAll(List.of(extra));
    return args;
  }
}
