package io.github.elasticq.persistence.internal;

import io.github.elasticq.persistence.wal.WalEvent;
import java.io.NotSerializableException;
import org.apache.pekko.actor.ActorRef;
import org.apache.pekko.actor.ActorSystem;
import org.apache.pekko.persistence.PersistentRepr;
import org.apache.pekko.serialization.Serialization;
import org.apache.pekko.serialization.SerializationExtension;
import org.apache.pekko.serialization.Serializer;
import org.apache.pekko.serialization.Serializers;

/**
 * INTERNAL API: converts between Pekko {@link PersistentRepr}s and stored {@link WalEvent}s with
 * Pekko Serialization (the serializer bound to the payload's class, its id and manifest).
 *
 * <p>Thread-safe; used by the journal actor and by read-journal streams on their dispatchers.
 */
public final class EventCodec {
  private final Serialization serialization;

  /** Creates a codec for the system's serialization settings. */
  public EventCodec(ActorSystem system) {
    this.serialization = SerializationExtension.get(system);
  }

  /**
   * Serializes one event; {@code timestamp} 0 is replaced by the current time.
   *
   * @throws NotSerializableException (or any serializer exception) if the payload cannot be
   *     serialized; the journal then rejects the atomic write
   */
  public WalEvent toWalEvent(PersistentRepr repr) throws Exception {
    Object payload = repr.payload();
    Serializer serializer = serialization.findSerializerFor(payload);
    String manifest = Serializers.manifestFor(serializer, payload);
    byte[] bytes = serializer.toBinary(payload);
    long ts = repr.timestamp() == 0 ? System.currentTimeMillis() : repr.timestamp();
    return new WalEvent(
        repr.persistenceId(),
        repr.sequenceNr(),
        repr.writerUuid() == null ? "" : repr.writerUuid(),
        repr.manifest() == null ? "" : repr.manifest(),
        serializer.identifier(),
        manifest,
        ts,
        bytes);
  }

  /** Deserializes the payload of a stored event; throws what the serializer throws. */
  public Object payload(WalEvent event) throws Throwable {
    return serialization
        .deserialize(event.payload(), event.serializerId(), event.serializerManifest())
        .get();
  }

  /** Rebuilds the {@link PersistentRepr} of a stored event. */
  public PersistentRepr toRepr(WalEvent event) throws Throwable {
    return PersistentRepr.apply(
            payload(event),
            event.sequenceNr(),
            event.persistenceId(),
            event.eventManifest().isEmpty() ? PersistentRepr.Undefined() : event.eventManifest(),
            false,
            ActorRef.noSender(),
            event.writerUuid().isEmpty() ? PersistentRepr.Undefined() : event.writerUuid())
        .withTimestamp(event.timestamp());
  }
}
