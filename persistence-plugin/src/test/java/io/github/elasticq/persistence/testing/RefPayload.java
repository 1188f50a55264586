package io.github.elasticq.persistence.testing;

import org.apache.pekko.actor.ActorRef;

/**
 * A test event or snapshot that holds an {@link ActorRef}, as typed actors' events often hold a
 * {@code replyTo}; bound to {@link RefPayloadSerializer} by {@link #SERIALIZATION_CONFIG}.
 */
public record RefPayload(ActorRef ref) {
  /** Serialization settings that bind this class to {@link RefPayloadSerializer}. */
  public static final String SERIALIZATION_CONFIG =
      "pekko.actor.serializers.elasticq-ref-payload = \""
          + RefPayloadSerializer.class.getName()
          + "\"\n"
          + "pekko.actor.serialization-bindings { \""
          + RefPayload.class.getName()
          + "\" = elasticq-ref-payload }\n";
}
