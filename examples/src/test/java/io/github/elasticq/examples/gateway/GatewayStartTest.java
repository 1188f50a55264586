package io.github.elasticq.examples.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A start of the gateway that fails (in this JVM, with real failures: a ledger that cannot be
 * opened, a journal another holder has locked, a Management port in use) closes what it had
 * started, in reverse order, and throws the original failure: no thread of the gateway's actor
 * system, Kamon or egress is left, no file of the data directory stays open, and a start on the
 * same directory works right after. Before, a failure in the constructor left the ledgers' files
 * open (and, after the actor system had started, the system, Kamon and the egress thread running),
 * and a locked journal did not fail the start at all: every durable inbox failed its recovery while
 * the run went on. (The Management case passed before too: that failure was already followed by a
 * close; it guards the order of the closing.)
 */
class GatewayStartTest {

  @TempDir Path tmp;

  @Test
  void start_whenALedgerCannotBeOpened_closesTheLedgersItOpened() throws Exception {
    Path data = tmp.resolve("data");
    // the last ledger the constructor opens: every other one is open when it fails
    Path obstacle = data.resolve("ledger").resolve(Gateway.persistenceId(2, 2) + ".accepted");
    Files.createDirectories(obstacle);

    assertThat(failedStart(options(data, freePort())))
        .isInstanceOf(IOException.class)
        .hasMessageContaining(obstacle.getFileName().toString());
    assertNothingLeft(data);

    Files.delete(obstacle);
    startAndClose(data);
  }

  @Test
  void start_whenTheJournalIsLocked_failsNamingIt_andClosesWhatItStarted() throws Exception {
    Path data = tmp.resolve("data");
    Path lockFile = data.resolve("journal").resolve("LOCK");
    Files.createDirectories(lockFile.getParent());
    try (FileChannel channel =
            FileChannel.open(lockFile, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
        FileLock lock = channel.tryLock()) {
      assertThat(lock).isNotNull();
      assertThat(failedStart(options(data, freePort())))
          .isInstanceOf(IllegalStateException.class)
          .hasMessageContaining("the journal in " + data.resolve("journal") + " cannot be opened")
          .hasMessageContaining("lock");
      assertGatewayThreadsEnd();
    }
    // Only the refused attempt's channel of the lock file: it stays open, since closing it would
    // have released the lock of the code that held it (here the test; see DirectoryLock), and the
    // next start takes the lock with it and closes it with the journal (startAndClose checks).
    assertThat(openFilesUnder(data))
        .as("files of the data directory left open")
        .containsExactly(lockFile.toRealPath());
    startAndClose(data);
  }

  @Test
  void start_whenTheManagementPortIsInUse_closesWhatItStarted() throws Exception {
    Path data = tmp.resolve("data");
    try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      assertThat(failedStart(options(data, taken.getLocalPort())))
          .isInstanceOf(IllegalStateException.class)
          .hasMessageContaining("Pekko Management did not start");
    }
    assertNothingLeft(data);
    startAndClose(data);
  }

  /**
   * The failure of a start that must fail; if it starts instead, it is closed (so that it cannot
   * disturb the next test) and the test fails.
   */
  private static Throwable failedStart(GatewayOptions options) {
    Gateway gateway;
    try {
      gateway = Gateway.start(options, null);
    } catch (Exception | Error e) {
      return e;
    }
    gateway.close();
    throw new AssertionError("the gateway started");
  }

  /** A start on {@code data} works and its close leaves nothing behind either. */
  private void startAndClose(Path data) throws Exception {
    Gateway gateway = Gateway.start(options(data, freePort()), null);
    gateway.close();
    assertNothingLeft(data);
  }

  private static void assertNothingLeft(Path data) throws IOException {
    assertGatewayThreadsEnd();
    assertNoOpenFileUnder(data);
  }

  /**
   * The threads of the gateway's actor system ({@code gateway-pekko...}, {@code
   * gateway-scheduler-1}), its egress thread and Kamon's end (within 10 s: a terminated pool's
   * threads finish on their own).
   */
  private static void assertGatewayThreadsEnd() {
    Awaitility.await()
        .atMost(Duration.ofSeconds(10))
        .untilAsserted(() -> assertThat(gatewayThreads()).as("threads left running").isEmpty());
  }

  private static List<String> gatewayThreads() {
    List<String> names = new ArrayList<>();
    for (Thread t : Thread.getAllStackTraces().keySet()) {
      String name = t.getName();
      if (t.isAlive() && (name.startsWith("gateway-") || name.startsWith("kamon"))) {
        names.add(name);
      }
    }
    return names;
  }

  /** No file descriptor of this process points into {@code data}. */
  private static void assertNoOpenFileUnder(Path data) throws IOException {
    assertThat(openFilesUnder(data)).as("files of the data directory left open").isEmpty();
  }

  /** The files under {@code data} this process has open (Linux: /proc/self/fd). */
  private static List<Path> openFilesUnder(Path data) throws IOException {
    Path real = data.toRealPath();
    List<Path> open = new ArrayList<>();
    try (Stream<Path> fds = Files.list(Path.of("/proc/self/fd"))) {
      for (Path fd : (Iterable<Path>) fds::iterator) {
        try {
          Path target = Files.readSymbolicLink(fd);
          if (target.startsWith(real)) {
            open.add(target);
          }
        } catch (IOException closedMeanwhile) {
          // the listing's own descriptor, or one closed since
        }
      }
    }
    return open;
  }

  private static GatewayOptions options(Path data, int managementPort) throws IOException {
    return new GatewayOptions(
        data,
        Duration.ofSeconds(1),
        Duration.ZERO,
        3,
        1,
        10,
        Duration.ofSeconds(8),
        0,
        new int[] {60, 30, 10},
        10,
        0,
        0,
        freePort(),
        managementPort,
        Duration.ofSeconds(1),
        false);
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }
}
