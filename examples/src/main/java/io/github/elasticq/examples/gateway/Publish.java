package io.github.elasticq.examples.gateway;

import io.github.elasticq.mailbox.QosMessage;

/**
 * One MQTT-style PUBLISH: a payload for a topic with a quality-of-service level, which is also its
 * level in the processor's {@code QosMailbox} (0 lowest, 2 highest).
 *
 * @param run the id of the run that sent it (a message of an earlier run is a redelivery from the
 *     journal)
 * @param publisher index of the publisher
 * @param seq the publisher's sequence number
 * @param topic index of the topic
 * @param qos 0 (at most once), 1 (at least once) or 2 (exactly once)
 * @param sentNanos {@code System.nanoTime()} when sent; meaningful within its run only
 * @param payload the payload
 * @param mqttIdentity for a QoS 2 message from the MQTT broker, the identity Paho's persisted state
 *     gave it ({@link InboundIdentityPersistence}): the same when Paho delivers it again after a
 *     crash or a reconnect; 0 otherwise
 */
public record Publish(
    long run,
    int publisher,
    long seq,
    int topic,
    int qos,
    long sentNanos,
    String payload,
    long mqttIdentity)
    implements GatewayMessage, QosMessage {

  /** A message without an MQTT identity: the built-in publishers', QoS 0 and 1 from the broker. */
  public Publish(
      long run, int publisher, long seq, int topic, int qos, long sentNanos, String payload) {
    this(run, publisher, seq, topic, qos, sentNanos, payload, 0);
  }

  @Override
  public int qosLevel() {
    return qos;
  }
}
