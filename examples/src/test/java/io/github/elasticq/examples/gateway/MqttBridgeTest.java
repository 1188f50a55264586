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
    String prefix = "elasticq-test/" + UUID.randomUUID();
    Path data = tmp.resolve("data");
    Map<String, AtomicInteger> results = new ConcurrentHashMap<>();
    MqttClient client = Mosquitto.connect(MqttClient.generateClientId(), true);
    try {
      client.subscribe(
          prefix + "/out/#",
          1,
          (topic, message) -> {
            String text = new String(message.getPayload(), StandardCharsets.UTF_8);
            results.computeIfAbsent(text, k -> new AtomicInteger()).incrementAndGet();
          });
      Path log = tmp.resolve("child.log");
      Process child =
          GatewayProcess.start(log, GatewayProcess.bridgeArgs(data, prefix, "--mqtt-idle", "3s"));
      try {
        Awaitility.await()
            .atMost(Duration.ofMinutes(3))
            .pollInterval(Duration.ofMillis(500))
            .until(() -> Files.readString(log).contains("MQTT bridge"));
        int perLevel = 100;
        for (int qos = 0; qos <= 2; qos++) {
          for (int i = 0; i < perLevel; i++) {
            client.publish(
                prefix + "/in/sensor-" + (i % 5),
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
        Awaitility.await()
            .atMost(Duration.ofMinutes(2))
            .until(() -> results.keySet().containsAll(expected));
        assertThat(child.waitFor(4, TimeUnit.MINUTES)).as(Files.readString(log)).isTrue();
        assertThat(child.exitValue()).as(Files.readString(log)).isZero();
        for (String e : expected) {
          assertThat(results.get(e).get()).as("exactly once: " + e).isEqualTo(1);
        }
        assertThat(Files.readString(log)).contains("RESULT: OK");
      } finally {
        child.destroyForcibly();
      }
    } finally {
      client.disconnect();
      client.close();
      Mosquitto.forgetSession(MqttBridge.clientId(data));
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
    String prefix = "elasticq-test/" + UUID.randomUUID();
    Path data = tmp.resolve("data");
    Map<String, AtomicInteger> results = new ConcurrentHashMap<>();
    MqttClient client = Mosquitto.connect(MqttClient.generateClientId(), true);
    try {
      client.subscribe(
          prefix + "/out/#",
          1,
          (topic, message) -> {
            String text = new String(message.getPayload(), StandardCharsets.UTF_8);
            results.computeIfAbsent(text, k -> new AtomicInteger()).incrementAndGet();
          });
      Path log = tmp.resolve("child.log");
      Process child =
          GatewayProcess.start(log, GatewayProcess.bridgeArgs(data, prefix, "--mqtt-idle", "8s"));
      try {
        Awaitility.await()
            .atMost(Duration.ofMinutes(3))
            .pollInterval(Duration.ofMillis(200))
            .until(() -> Files.readString(log).contains("MQTT bridge"));
        List<String> before = publishQos1And2(client, prefix, "before", 50);
        Awaitility.await()
            .atMost(Duration.ofMinutes(1))
            .until(() -> results.keySet().containsAll(before));

        // takes the session over, then leaves it: Mosquitto disconnects the bridge meanwhile
        MqttClient intruder = Mosquitto.connect(MqttBridge.clientId(data), false);
        intruder.disconnect();
        intruder.close();
        List<String> during = publishQos1And2(client, prefix, "gap", 50);

        Awaitility.await()
            .atMost(Duration.ofMinutes(1))
            .until(() -> results.keySet().containsAll(during));
        assertThat(child.waitFor(4, TimeUnit.MINUTES)).as(Files.readString(log)).isTrue();
        String output = Files.readString(log);
        assertThat(child.exitValue()).as(output).isZero();
        assertThat(output)
            .contains("gateway: MQTT connection lost (reconnecting)")
            .contains("gateway: MQTT reconnected to tcp://127.0.0.1:1883, session resumed")
            .contains("RESULT: OK");
      } finally {
        child.destroyForcibly();
      }
    } finally {
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
