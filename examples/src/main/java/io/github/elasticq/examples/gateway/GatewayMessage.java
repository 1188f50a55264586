package io.github.elasticq.examples.gateway;

/**
 * Marker of the gateway's messages that the durable mailboxes store; bound to Jackson CBOR in
 * {@code gateway.conf} ({@code pekko.actor.serialization-bindings}).
 */
public interface GatewayMessage {}
