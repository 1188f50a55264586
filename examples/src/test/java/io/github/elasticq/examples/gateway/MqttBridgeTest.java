package io.github.elasticq.examples.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.awaitility.Awaitility;
import org.eclipse.paho.client.mqttv3.MqttClient;
import org.eclipse.paho.client.mqttv3.MqttException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The gateway's MQTT bridge against the real Mosquitto on 127.0.0.1:1883 (see {@link Mosquitto}).
 * Outside CI the broker test is skipped when no broker answers; under {@code CI=true} it fails. The
 * kill -9 case is {@link MqttBridgeCrashTest}.
 */
class MqttBridgeTest {

  @TempDir Path tmp;

  @Test
  void noBroker_oneLineError_exit2_nothingWritten() {
    Path data = tmp.resolve("data");
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int code =
        GatewayDemo.execute(
            new String[] {"--data", data.toString(), "--mqtt", "tcp://127.0.0.1:1"},
            new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8),
            new PrintStream(err, true, StandardCharsets.UTF_8));
    String message = err.toString(StandardCharsets.UTF_8);
    assertThat(code).isEqualTo(2);
    assertThat(message.strip().lines()).hasSize(1);
    assertThat(message).contains("no MQTT broker answers").contains("mosquitto");
    assertThat(data).doesNotExist();
  }

  @Test
  void qos1And2FromTheBroker_eachProcessedOnce_resultsPublished() throws Exception {
    Mosquitto.assumeRunning();
    try (BridgedGateway g = new BridgedGateway("3s")) {
      int perLevel = 100;
      for (int qos = 0; qos <= 2; qos++) {
        for (int i = 0; i < perLevel; i++) {
          g.client.publish(
              g.prefix + "/in/sensor-" + (i % 5),
              ("m-" + qos + "-" + i).getBytes(StandardCharsets.UTF_8),
              qos,
              false);
        }
      }
      List<String> expected = new ArrayList<>();
      for (int qos = 1; qos <= 2; qos++) {
        for (int i = 0; i < perLevel; i++) {
          expected.add("qos=" + qos + " dup=0 m-" + qos + "-" + i);
        }
      }
      g.awaitResults(expected);
      String output = g.awaitExit();
      for (String e : expected) {
        assertThat(g.results.get(e).get()).as("exactly once: " + e).isEqualTo(1);
      }
      assertThat(output).contains("RESULT: OK");
    }
  }

  /**
   * The broker drops the bridge's connection (another client takes over its session, which
   * Mosquitto answers by disconnecting the bridge); the bridge reconnects by itself, resumes the
   * session, and the messages published while it was away are processed too.
   */
  @Test
  void connectionDroppedByTheBroker_bridgeReconnects_messagesOfTheGapProcessed() throws Exception {
    Mosquitto.assumeRunning();
    try (BridgedGateway g = new BridgedGateway("8s")) {
      g.awaitResults(publishQos1And2(g.client, g.prefix, "before", 50));

      // takes the session over, then leaves it: Mosquitto disconnects the bridge meanwhile
      MqttClient intruder = Mosquitto.connect(MqttBridge.clientId(g.data), false);
      intruder.disconnect();
      intruder.close();

      g.awaitResults(publishQos1And2(g.client, g.prefix, "gap", 50));
      assertThat(g.awaitExit())
          .contains("gateway: MQTT connection lost (reconnecting)")
          .contains("gateway: MQTT reconnected to tcp://127.0.0.1:1883, session resumed")
          .contains("RESULT: OK");
    }
  }

  /**
   * A gateway JVM bridged to the broker under a fresh topic prefix, and a subscriber counting its
   * results by their text; closing it kills the JVM and forgets the bridge's broker session.
   */
  private final class BridgedGateway implements AutoCloseable {
    final String prefix = "elasticq-test/" + UUID.randomUUID();
    final Path data = tmp.resolve("data");
    final Path log = tmp.resolve("child.log");
    final Map<String, AtomicInteger> results = new ConcurrentHashMap<>();
    final MqttClient client;
    private Process child;

    /** Returns once the gateway's bridge is attached. */
    BridgedGateway(String mqttIdle) throws Exception {
      client = Mosquitto.connect(MqttClient.generateClientId(), true);
      try {
        client.subscribe(
            prefix + "/out/#",
            1,
            (topic, message) -> {
              String text = new String(message.getPayload(), StandardCharsets.UTF_8);
              results.computeIfAbsent(text, k -> new AtomicInteger()).incrementAndGet();
            });
        child =
            GatewayProcess.start(
                log, GatewayProcess.bridgeArgs(data, prefix, "--mqtt-idle", mqttIdle));
        Awaitility.await()
            .atMost(Duration.ofMinutes(3))
            .pollInterval(Duration.ofMillis(200))
            .until(() -> Files.readString(log).contains("MQTT bridge") || !child.isAlive());
        assertThat(child.isAlive()).as(Files.readString(log)).isTrue();
      } catch (Exception | AssertionError e) {
        close();
        throw e;
      }
    }

    void awaitResults(List<String> expected) {
      Awaitility.await()
          .atMost(Duration.ofMinutes(2))
          .until(() -> results.keySet().containsAll(expected));
    }

    /** Waits for the gateway to end its run (exit 0); returns what it printed. */
    String awaitExit() throws Exception {
      assertThat(child.waitFor(4, TimeUnit.MINUTES)).as(Files.readString(log)).isTrue();
      String output = Files.readString(log);
      assertThat(child.exitValue()).as(output).isZero();
      return output;
    }

    @Override
    public void close() throws MqttException {
      if (child != null) {
        child.destroyForcibly();
      }
      client.disconnect();
      client.close();
      Mosquitto.forgetSession(MqttBridge.clientId(data));
    }
  }

  /** Publishes {@code n} QoS 1 and {@code n} QoS 2 messages; returns the results they must give. */
  private static List<String> publishQos1And2(MqttClient client, String prefix, String tag, int n)
      throws Exception {
    List<String> expected = new ArrayList<>();
    for (int qos = 1; qos <= 2; qos++) {
      for (int i = 0; i < n; i++) {
        String payload = tag + "-" + qos + "-" + i;
        client.publish(
            prefix + "/in/sensor-" + (i % 5), payload.getBytes(StandardCharsets.UTF_8), qos, false);
        expected.add("qos=" + qos + " dup=0 " + payload);
      }
    }
    return expected;
  }
}
