package io.github.elasticq.persistence.durable;

/**
 * Stands for a stored message that could not be deserialized when a {@link DurableMailbox}
 * recovered (for example because its class changed incompatibly). It is never given to the inner
 * behavior: each delivery attempt counts as a failure, so after {@code max-redeliveries} it reaches
 * the {@link PoisonMessageHandler} in place of the message.
 *
 * @param serializerId the serializer that wrote the message
 * @param manifest the serializer's manifest
 * @param bytes the serialized message
 * @param reason why deserialization failed
 */
public record UndeliverableMessage(
    int serializerId, String manifest, byte[] bytes, String reason) {}
