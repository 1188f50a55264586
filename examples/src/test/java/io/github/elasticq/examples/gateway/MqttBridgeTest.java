package io.github.elasticq.examples.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.elasticq.testkit.TcpProxy;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.awaitility.Awaitility;
import org.awaitility.core.ConditionTimeoutException;
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
   * The network path to the broker fails twice while a burst is on its way through the bridge: a
   * TCP proxy in front of Mosquitto resets the bridge's connection (an RST both ways; whatever was
   * in flight on it is lost: messages not yet acknowledged to the broker, results not yet
   * acknowledged by it). The bridge reconnects by itself through the same path and resumes its
   * session, the broker delivers again what it had not seen acknowledged, and the bridge publishes
   * again what it had not: every QoS 1/2 message comes back processed, at least once (a message
   * stored but not yet acknowledged when the connection went is delivered and stored again).
   */
  @Test
  void connectionCutTwiceMidBurst_bridgeReconnects_everyMessageProcessed() throws Exception {
    Mosquitto.assumeRunning();
    try (TcpProxy proxy = TcpProxy.to(Mosquitto.PORT);
        BridgedGateway g = new BridgedGateway(mqttUrl(proxy), "8s", "--work-us=5000")) {
      int perLevel = 200;
      List<String> payloads = new ArrayList<>();
      for (int qos = 1; qos <= 2; qos++) {
        for (int i = 0; i < perLevel; i++) {
          payloads.add("burst-" + qos + "-" + i);
        }
      }
      // publishing goes on while the connection is cut, at about one message per millisecond
      CompletableFuture<Void> publishing =
          CompletableFuture.runAsync(
              () -> {
                try {
                  for (String p : payloads) {
                    int qos = p.startsWith("burst-1-") ? 1 : 2;
                    g.client.publish(
                        g.prefix + "/in/sensor-" + (p.hashCode() & 3),
                        p.getBytes(StandardCharsets.UTF_8),
                        qos,
                        false);
                    g.published.incrementAndGet();
                    Thread.sleep(1);
                  }
                } catch (Exception e) {
                  throw new CompletionException(e);
                }
              });
      List<String> cuts = new ArrayList<>();
      for (int cutAt : new int[] {payloads.size() / 8, payloads.size() / 2}) {
        g.await(
            cutAt + " results before cut " + (cuts.size() + 1),
            Duration.ofMillis(5),
            () -> g.processedPayloads().size() >= cutAt);
        int processed = g.processedPayloads().size();
        assertThat(proxy.cut()).as("bridge connections cut at " + processed).isEqualTo(1);
        cuts.add(processed + " of " + payloads.size() + " processed");
        assertThat(processed)
            .as("cut while the burst is on its way through the bridge")
            .isLessThan(payloads.size());
      }
      publishing.get(2, TimeUnit.MINUTES);
      g.await(
          "every result after the cuts at " + cuts,
          Duration.ofMillis(100),
          () -> g.processedPayloads().containsAll(payloads));
      String output = g.awaitExit();
      String story = "cuts at " + cuts + "; results " + g.results + "\n" + output;
      assertThat(output).as(story).contains("RESULT: OK");
      assertThat(occurrences(output, "gateway: MQTT connection lost (reconnecting)"))
          .as(story)
          .isEqualTo(2);
      assertThat(occurrences(output, "gateway: MQTT reconnected to " + mqttUrl(proxy)))
          .as(story)
          .isEqualTo(2);
      assertThat(proxy.connections())
          .as("the start-up probe, the bridge's connection and its two reconnects")
          .isEqualTo(4);
      System.out.println("connection cuts at " + cuts + "; duplicates: " + g.duplicates());
    }
  }

  /** The MQTT URL that reaches the broker through {@code proxy}. */
  private static String mqttUrl(TcpProxy proxy) {
    return "tcp://127.0.0.1:" + proxy.port();
  }

  private static int occurrences(String text, String part) {
    int n = 0;
    for (int i = text.indexOf(part); i >= 0; i = text.indexOf(part, i + 1)) {
      n++;
    }
    return n;
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

    /** Messages the test published, for the failure messages. */
    final AtomicInteger published = new AtomicInteger();

    final MqttClient client;
    private Process child;

    /** Returns once the gateway's bridge to Mosquitto is attached. */
    BridgedGateway(String mqttIdle) throws Exception {
      this(Mosquitto.URL, mqttIdle);
    }

    /** Returns once the gateway's bridge to {@code mqttUrl} is attached. */
    BridgedGateway(String mqttUrl, String mqttIdle, String... extra) throws Exception {
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
                log,
                GatewayProcess.bridgeArgsVia(
                    mqttUrl, data, prefix, concat(extra, "--mqtt-idle", mqttIdle)));
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

    /** The payloads whose results came back, whatever their QoS and dup flag. */
    Set<String> processedPayloads() {
      Set<String> payloads = new HashSet<>();
      for (String text : results.keySet()) {
        payloads.add(payloadOf(text));
      }
      return payloads;
    }

    /** Results that came back more than once, by payload, with how often. */
    Map<String, Integer> duplicates() {
      Map<String, Integer> counts = new TreeMap<>();
      results.forEach((text, n) -> counts.merge(payloadOf(text), n.get(), Integer::sum));
      counts.values().removeIf(n -> n == 1);
      return counts;
    }

    /**
     * Waits up to 2 minutes for {@code condition}; on a timeout fails with {@code what}, the count
     * of results and the gateway's log without its live view.
     */
    void await(String what, Duration poll, Callable<Boolean> condition) throws Exception {
      try {
        Awaitility.await().atMost(Duration.ofMinutes(2)).pollInterval(poll).until(condition);
      } catch (ConditionTimeoutException e) {
        if (child.isAlive()) {
          GatewayProcess.printThreadDump(child);
        }
        throw new AssertionError(
            "waited 2 minutes for "
                + what
                + "; results of "
                + processedPayloads().size()
                + " messages, "
                + published.get()
                + " published; "
                + GatewayProcess.digest(log)
                + "its last lines:\n"
                + String.join("\n", lastLines(log, 16)),
            e);
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

  private static List<String> lastLines(Path file, int n) throws IOException {
    List<String> lines = Files.readAllLines(file);
    return lines.subList(Math.max(0, lines.size() - n), lines.size());
  }

  /** {@code qos=<q> dup=<d> <payload>} to payload. */
  private static String payloadOf(String result) {
    return result.substring(result.indexOf(' ', result.indexOf(' ') + 1) + 1);
  }

  private static String[] concat(String[] first, String... second) {
    String[] all = Arrays.copyOf(first, first.length + second.length);
    System.arraycopy(second, 0, all, first.length, second.length);
    return all;
  }
}
