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
 */
public record Publish(
    long run, int publisher, long seq, int topic, int qos, long sentNanos, String payload)
    implements GatewayMessage, QosMessage {

  @Override
  public int qosLevel() {
    return qos;
  }
}
