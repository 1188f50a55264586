package io.github.elasticq.examples.gateway;

import static io.github.elasticq.examples.gateway.GatewayProcess.inProcess;
import static org.assertj.core.api.Assertions.assertThat;

import io.github.elasticq.examples.gateway.GatewayProcess.Outcome;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Options the demo accepted and then did not honour, or refused with an exit code and a message
 * that did not say which option was wrong (found by a review). Each must be refused as bad input:
 * one line naming the option, exit code 2, nothing written. The cases the old code ran are run in a
 * child JVM (a gateway, its actor system and Kamon do not belong in the test's JVM).
 */
class GatewayOptionsTest {

  @TempDir Path tmp;

  /** Beyond {@code Duration.toMillis}: "gateway: failed: ArithmeticException", exit code 1. */
  @Test
  void refreshBeyondTheClock_refusedAsBadInput() {
    Path data = tmp.resolve("data");
    Outcome o =
        inProcess(GatewayProcess.args(data, "--refresh", "3000000000000h").toArray(String[]::new));
    assertThat(o.code()).as(o.err()).isEqualTo(2);
    assertThat(o.err().strip().lines()).hasSize(1);
    assertThat(o.err()).contains("--refresh must be");
    assertThat(data).doesNotExist();
  }

  /**
   * Beyond the nanosecond clock the run's timer thread failed ("long overflow") and the run ended
   * at once, reporting OK, instead of running for --duration.
   */
  @Test
  void mqttIdleBeyondTheClock_refusedAsBadInput() throws Exception {
    Mosquitto.assumeRunning();
    Path data = tmp.resolve("data");
    Child c =
        bridgeChild(
            data, "elasticq-test/options-idle", "--duration", "20s", "--mqtt-idle", "3000000h");
    assertThat(c.exitCode).as(c.output).isEqualTo(2);
    assertThat(c.output).contains("--mqtt-idle").contains("at most 1000000h");
    assertThat(data).doesNotExist();
  }

  /**
   * Without the built-in publishers nothing ever checked --crash-after: the run went on to its end
   * and reported OK, and the crash the user asked for never came.
   */
  @Test
  void crashAfterWithoutPublishers_refusedAsBadInput() throws Exception {
    Mosquitto.assumeRunning();
    Path data = tmp.resolve("data");
    Child c =
        bridgeChild(data, "elasticq-test/options-crash", "--duration", "3s", "--crash-after", "5");
    assertThat(c.exitCode).as(c.output).isEqualTo(2);
    assertThat(c.output).contains("--crash-after").contains("--publishers");
    assertThat(data).doesNotExist();
  }

  /**
   * --mqtt-topic without --mqtt ran the gateway without a bridge, as --mqtt-idle without --mqtt
   * does not.
   */
  @Test
  void mqttTopicWithoutMqtt_refusedAsBadInput() throws Exception {
    Path data = tmp.resolve("data");
    Child c = child(data, "--mqtt-topic", "factory/line-1", "--duration", "2s");
    assertThat(c.exitCode).as(c.output).isEqualTo(2);
    assertThat(c.output).contains("--mqtt-topic").contains("needs --mqtt");
    assertThat(data).doesNotExist();
  }

  private record Child(int exitCode, String output) {}

  /**
   * The demo in a child JVM with free ports, no built-in publishers and the broker's messages under
   * {@code prefix}, then {@code extra}; the broker's session of {@code data} is forgotten after.
   */
  private Child bridgeChild(Path data, String prefix, String... extra) throws Exception {
    try {
      return child(
          data,
          List.of("--mqtt", Mosquitto.URL, "--mqtt-topic", prefix, "--publishers", "0"),
          extra);
    } finally {
      Mosquitto.forgetSession(MqttBridge.clientId(data));
    }
  }

  /** The demo in a child JVM with small loads and free ports, then {@code extra}. */
  private Child child(Path data, String... extra) throws Exception {
    return child(data, List.of(), extra);
  }

  private Child child(Path data, List<String> options, String... extra) throws Exception {
    List<String> args = GatewayProcess.args(data, "--rate", "100", "--burst-size", "0");
    args.addAll(options);
    args.addAll(List.of(extra));
    Path log = Files.createTempFile(tmp, "child", ".log");
    int code = GatewayProcess.awaitExit(GatewayProcess.start(log, args), log, 3);
    return new Child(code, GatewayProcess.digest(log));
  }
}
