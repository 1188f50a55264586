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
import org.eclipse.paho.client.mqttv3.MqttConnectOptions;
import org.eclipse.paho.client.mqttv3.MqttException;
import org.eclipse.paho.client.mqttv3.persist.MemoryPersistence;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The gateway's MQTT bridge against the real Mosquitto on 127.0.0.1:1883 (started by {@code
 * .ci/run}; never stopped or reconfigured here). Outside CI the broker test is skipped when no
 * broker answers; under {@code CI=true} it fails.
 */
class MqttBridgeTest {

  private static final String BROKER = "tcp://127.0.0.1:1883";

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
    assumeBroker();
    String prefix = "elasticq-test/" + UUID.randomUUID();
    Map<String, AtomicInteger> results = new ConcurrentHashMap<>();
    MqttClient client =
        new MqttClient(BROKER, MqttClient.generateClientId(), new MemoryPersistence());
    org.eclipse.paho.client.mqttv3.MqttConnectOptions options =
        new org.eclipse.paho.client.mqttv3.MqttConnectOptions();
    // the default of 10 in-flight publishes is too few for 300 back-to-back publishes
    options.setMaxInflight(1_000);
    client.connect(options);
    try {
      client.subscribe(
          prefix + "/out/#",
          1,
          (topic, message) -> {
            String text = new String(message.getPayload(), StandardCharsets.UTF_8);
            results.computeIfAbsent(text, k -> new AtomicInteger()).incrementAndGet();
          });
      Path log = tmp.resolve("child.log");
      Process child = startGateway(prefix, log);
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
    }
  }

  private Process startGateway(String prefix, Path log) throws Exception {
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.add("-Xmx512m");
    command.add("-cp");
    command.add(
        System.getProperty("surefire.test.class.path", System.getProperty("java.class.path")));
    command.add(GatewayDemo.class.getName());
    command.addAll(
        List.of(
            "--data",
            tmp.resolve("data").toString(),
            "--mqtt",
            BROKER,
            "--mqtt-topic",
            prefix,
            "--publishers",
            "0",
            "--duration",
            "40s",
            "--metrics-port",
            "0",
            "--management-port",
            "0",
            "--refresh",
            "5s"));
    return new ProcessBuilder(command)
        .redirectErrorStream(true)
        .redirectOutput(log.toFile())
        .start();
  }

  private static void assumeBroker() {
    try {
      MqttClient probe =
          new MqttClient(BROKER, MqttClient.generateClientId(), new MemoryPersistence());
      MqttConnectOptions options = new MqttConnectOptions();
      options.setConnectionTimeout(5);
      probe.connect(options);
      probe.disconnect();
      probe.close();
    } catch (MqttException e) {
      if ("true".equals(System.getenv("CI"))) {
        throw new AssertionError("no MQTT broker at " + BROKER + " (.ci/run starts Mosquitto)", e);
      }
      Assumptions.abort("no MQTT broker at " + BROKER + ": " + e);
    }
  }
}
