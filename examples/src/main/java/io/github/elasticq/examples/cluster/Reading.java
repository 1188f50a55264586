package io.github.elasticq.examples.cluster;

import io.github.elasticq.mailbox.QosMessage;
import java.util.Objects;

/**
 * A device reading, the cluster example's message: stored by the device's {@code DurableMailbox}
 * and processed by its inner behavior.
 *
 * @param deviceId the device (the sharding entity id)
 * @param n the sender's number for this reading, 1, 2, 3, ... per device
 * @param qos its priority level in the entity's {@code QosMailbox} (0 routine .. 2 alarm)
 */
public record Reading(String deviceId, long n, int qos) implements ClusterJson, QosMessage {
  /** Checks the arguments. */
  public Reading {
    Objects.requireNonNull(deviceId, "deviceId");
  }

  @Override
  public int qosLevel() {
    return qos;
  }
}
