package io.github.elasticq.examples.cluster;

import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@link ClusterDemo}'s command line: a mistyped or misplaced option is refused, not ignored. */
class ClusterDemoTest {
  @TempDir Path dir;

  private static int freePort() throws Exception {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }

  /**
   * An embedded-journal node's arguments (free port, one device, one reading) and {@code extra}.
   */
  private String[] embeddedNodeArgs(String extra) throws Exception {
    return new String[] {
      extra, "--port=" + freePort(), "--devices=1", "--readings=1", "--dir=" + dir.resolve("node")
    };
  }

  /** {@code --jornal=postgres} used to run a node on the embedded journal without a word. */
  @Test
  void main_withAnUnknownOption_failsNamingIt() throws Exception {
    assertThatIllegalArgumentException()
        .isThrownBy(() -> ClusterDemo.main(embeddedNodeArgs("--jornal=postgres")))
        .withMessageContaining("--jornal");
  }

  /** {@code --schema} belongs to {@code --journal=postgres}; the embedded node ignored it. */
  @Test
  void main_withAnOptionOfTheOtherJournal_failsNamingIt() throws Exception {
    assertThatIllegalArgumentException()
        .isThrownBy(() -> ClusterDemo.main(embeddedNodeArgs("--schema=mine")))
        .withMessageContaining("--schema");
  }
}
