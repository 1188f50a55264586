package io.github.elasticq.examples.gateway;

import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicLong;
import org.eclipse.paho.client.mqttv3.IMqttDeliveryToken;
import org.eclipse.paho.client.mqttv3.MqttCallback;
import org.eclipse.paho.client.mqttv3.MqttClient;
import org.eclipse.paho.client.mqttv3.MqttConnectOptions;
import org.eclipse.paho.client.mqttv3.MqttException;
import org.eclipse.paho.client.mqttv3.MqttMessage;
import org.eclipse.paho.client.mqttv3.persist.MemoryPersistence;

/**
 * Bridges a real MQTT broker (Eclipse Paho): subscribes to {@code <prefix>/in/#} with QoS 2, so
 * each message keeps the QoS its publisher chose, and feeds it to the gateway (topic = the last
 * segment, hashed onto the gateway's topics; MQTT QoS = {@code QosMailbox} level). QoS 1 and 2 are
 * acknowledged to the broker only once their durable inbox stored them (Paho manual acks), so a
 * crash of the gateway loses nothing the broker handed over: the broker delivers what was not
 * acknowledged again (persistent session: the client id is derived from the data directory). Each
 * result is published on {@code <prefix>/out/<topic>} as {@code qos=<q> dup=<0|1> <payload>}.
 */
final class MqttBridge implements MqttCallback, AutoCloseable {

  static final String DEFAULT_PREFIX = "elasticq/gateway";

  private final Gateway gateway;
  private final MqttClient client;
  private final String prefix;
  private final AtomicLong publishFailures = new AtomicLong();

  MqttBridge(Gateway gateway, String url, String prefix, String clientId) throws MqttException {
    this.gateway = gateway;
    this.prefix = prefix;
    this.client = new MqttClient(url, clientId, new MemoryPersistence());
    client.setCallback(this);
    client.setManualAcks(true);
    MqttConnectOptions options = new MqttConnectOptions();
    options.setCleanSession(false);
    options.setMaxInflight(65535);
    options.setConnectionTimeout(10);
    client.connect(options);
    gateway.resultListener = this::publishResult;
    client.subscribe(prefix + "/in/#", 2);
  }

  /**
   * Connects once and disconnects, so that a wrong URL fails before anything is written.
   *
   * @throws GatewayDemo.BadInputException naming the URL and how to start a broker
   */
  static void probe(String url) throws GatewayDemo.BadInputException {
    try {
      MqttClient probe =
          new MqttClient(url, MqttClient.generateClientId(), new MemoryPersistence());
      MqttConnectOptions options = new MqttConnectOptions();
      options.setConnectionTimeout(5);
      probe.connect(options);
      probe.disconnect();
      probe.close();
    } catch (MqttException | IllegalArgumentException e) {
      throw new GatewayDemo.BadInputException(
          "--mqtt "
              + url
              + ": no MQTT broker answers ("
              + e.getMessage()
              + "); start one, e.g. mosquitto -d -c /etc/mosquitto/mosquitto.conf");
    }
  }

  /** Stops taking messages from the broker (the results of those taken are still published). */
  void stopReceiving() {
    try {
      client.unsubscribe(prefix + "/in/#");
    } catch (MqttException e) {
      System.err.println("gateway: MQTT unsubscribe failed: " + e);
    }
  }

  /** Where the bridge listens and answers, for the start-up lines. */
  String describe() {
    return client.getServerURI() + "  in: " + prefix + "/in/#  results: " + prefix + "/out/<topic>";
  }

  long publishFailures() {
    return publishFailures.get();
  }

  @Override
  public void messageArrived(String topic, MqttMessage message) {
    int qos = message.getQos();
    int id = message.getId();
    String name = topic.substring(topic.lastIndexOf('/') + 1);
    int index = Math.floorMod(name.hashCode(), gateway.options().topics());
    gateway.fromBroker(
        index,
        qos,
        id,
        new String(message.getPayload(), StandardCharsets.UTF_8),
        () -> {
          try {
            client.messageArrivedComplete(id, qos);
          } catch (MqttException e) {
            publishFailures.incrementAndGet(); // not acknowledged: the broker delivers it again
          }
        });
  }

  private void publishResult(Gateway.Result r) {
    String text = "qos=" + r.qos() + " dup=" + (r.duplicate() ? 1 : 0) + " " + r.payload();
    try {
      client.publish(
          prefix + "/out/" + Gateway.topicName(r.topic()),
          text.getBytes(StandardCharsets.UTF_8),
          r.qos() == 0 ? 0 : 1,
          false);
    } catch (MqttException e) {
      publishFailures.incrementAndGet();
    }
  }

  @Override
  public void connectionLost(Throwable cause) {
    System.err.println("gateway: MQTT connection lost: " + cause);
  }

  @Override
  public void deliveryComplete(IMqttDeliveryToken token) {}

  @Override
  public void close() {
    gateway.resultListener = null;
    try {
      if (client.isConnected()) {
        client.disconnect(5_000);
      }
      client.close();
    } catch (MqttException e) {
      System.err.println("gateway: MQTT disconnect failed: " + e);
    }
  }
}
