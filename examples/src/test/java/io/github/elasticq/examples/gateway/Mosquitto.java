package io.github.elasticq.examples.gateway;

import java.nio.file.Path;
import java.util.List;
import org.eclipse.paho.client.mqttv3.MqttAsyncClient;
import org.eclipse.paho.client.mqttv3.MqttClient;
import org.eclipse.paho.client.mqttv3.MqttConnectOptions;
import org.eclipse.paho.client.mqttv3.MqttException;
import org.eclipse.paho.client.mqttv3.persist.MemoryPersistence;
import org.junit.jupiter.api.Assumptions;

/**
 * The real Mosquitto on 127.0.0.1:1883 (started by {@code .ci/run}; never stopped or reconfigured
 * by a test). Its defaults matter to the tests: at most 20 QoS 1/2 messages in flight to a client
 * ({@code max_inflight_messages}) and 1000 more queued for it ({@code max_queued_messages}), also
 * while a client with a persistent session is away.
 */
final class Mosquitto {
  static final int PORT = 1883;
  static final String URL = "tcp://127.0.0.1:" + PORT;

  private Mosquitto() {}

  /**
   * Skips the calling test when no broker answers; under {@code CI=true} fails it instead, naming
   * the command that starts one.
   */
  static void assumeRunning() {
    try {
      MqttClient probe = connect(MqttClient.generateClientId(), true);
      probe.disconnect();
      probe.close();
    } catch (MqttException e) {
      if ("true".equals(System.getenv("CI"))) {
        throw new AssertionError("no MQTT broker at " + URL + " (.ci/run starts Mosquitto)", e);
      }
      Assumptions.abort("no MQTT broker at " + URL + ": " + e);
    }
  }

  /**
   * A connected client; up to 1000 of its own QoS 1/2 publishes in flight (Paho's default of 10 is
   * too few for back-to-back publishes).
   */
  static MqttClient connect(String clientId, boolean cleanSession) throws MqttException {
    MqttClient client = new MqttClient(URL, clientId, new MemoryPersistence());
    MqttConnectOptions options = new MqttConnectOptions();
    options.setCleanSession(cleanSession);
    options.setMaxInflight(1_000);
    options.setConnectionTimeout(5);
    client.connect(options);
    return client;
  }

  /**
   * A connected asynchronous client with a clean session, for publishing bursts: its publishes go
   * out without waiting for each other (keep at most 20 in flight, see {@link
   * MqttBridgeCrashTest}).
   */
  static MqttAsyncClient connectAsync() throws MqttException {
    MqttAsyncClient client =
        new MqttAsyncClient(URL, MqttAsyncClient.generateClientId(), new MemoryPersistence());
    MqttConnectOptions options = new MqttConnectOptions();
    options.setMaxInflight(20);
    options.setConnectionTimeout(5);
    client.connect(options).waitForCompletion(10_000);
    return client;
  }

  /**
   * Kills a test's gateway processes, closes its publishing and subscribing clients and forgets the
   * gateways' broker session (that of {@code data}).
   */
  static void stopAll(
      List<Process> gateways, MqttClient publisher, MqttClient subscriber, Path data)
      throws MqttException {
    gateways.forEach(Process::destroyForcibly);
    publisher.disconnect();
    publisher.close();
    subscriber.disconnect();
    subscriber.close();
    forgetSession(MqttBridge.clientId(data));
  }

  /**
   * Ends the persistent session of {@code clientId} (the broker drops its subscriptions and queued
   * messages), so that test runs leave nothing behind in the broker.
   */
  static void forgetSession(String clientId) throws MqttException {
    MqttClient client = connect(clientId, true);
    client.disconnect();
    client.close();
  }
}
