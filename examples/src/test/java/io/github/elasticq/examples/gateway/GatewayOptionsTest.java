package io.github.elasticq.examples.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
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
        inProcess(
            "--data",
            data.toString(),
            "--metrics-port",
            "0",
            "--management-port",
            "0",
            "--refresh",
            "3000000000000h");
    assertThat(o.code).as(o.err).isEqualTo(2);
    assertThat(o.err.strip().lines()).hasSize(1);
    assertThat(o.err).contains("--refresh must be");
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
        child(
            data,
            "--mqtt",
            Mosquitto.URL,
            "--mqtt-topic",
            "elasticq-test/options-idle",
            "--publishers",
            "0",
            "--duration",
            "20s",
            "--mqtt-idle",
            "3000000h");
    try {
      assertThat(c.exitCode).as(c.output).isEqualTo(2);
      assertThat(c.output).contains("--mqtt-idle").contains("at most 1000000h");
      assertThat(data).doesNotExist();
    } finally {
      Mosquitto.forgetSession(MqttBridge.clientId(data));
    }
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
        child(
            data,
            "--mqtt",
            Mosquitto.URL,
            "--mqtt-topic",
            "elasticq-test/options-crash",
            "--publishers",
            "0",
            "--duration",
            "3s",
            "--crash-after",
            "5");
    try {
      assertThat(c.exitCode).as(c.output).isEqualTo(2);
      assertThat(c.output).contains("--crash-after").contains("--publishers");
      assertThat(data).doesNotExist();
    } finally {
      Mosquitto.forgetSession(MqttBridge.clientId(data));
    }
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

  private record Outcome(int code, String out, String err) {}

  private static Outcome inProcess(String... args) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int code =
        GatewayDemo.execute(
            args,
            new PrintStream(out, true, StandardCharsets.UTF_8),
            new PrintStream(err, true, StandardCharsets.UTF_8));
    return new Outcome(
        code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
  }

  private record Child(int exitCode, String output) {}

  /** The demo in a child JVM with small loads and free ports, then {@code extra}. */
  private Child child(Path data, String... extra) throws Exception {
    List<String> args =
        new ArrayList<>(
            List.of(
                "--data",
                data.toString(),
                "--metrics-port",
                "0",
                "--management-port",
                "0",
                "--rate",
                "100",
                "--burst-size",
                "0",
                "--refresh",
                "1s"));
    args.addAll(List.of(extra));
    Path log = Files.createTempFile(tmp, "child", ".log");
    Process p = GatewayProcess.start(log, args);
    if (!p.waitFor(3, TimeUnit.MINUTES)) {
      p.destroyForcibly().waitFor();
      throw new AssertionError("the demo did not exit within 3 minutes:\n" + Files.readString(log));
    }
    return new Child(p.exitValue(), GatewayProcess.digest(log));
  }
}
