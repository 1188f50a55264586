package io.github.elasticq.persistence.durable;

/** Marker of the test messages, bound to Pekko's {@code jackson-json} serializer by the tests. */
public interface JsonMessage {}
