package io.github.elasticq.persistence.internal;

import io.github.elasticq.persistence.wal.WalEvent;
import java.io.NotSerializableException;
import java.util.concurrent.Callable;
import org.apache.pekko.actor.ActorRef;
import org.apache.pekko.actor.ActorSystem;
import org.apache.pekko.actor.ExtendedActorSystem;
import org.apache.pekko.persistence.PersistentRepr;
import org.apache.pekko.persistence.journal.Tagged;
import org.apache.pekko.serialization.Serialization;
import org.apache.pekko.serialization.Serialization$;
import org.apache.pekko.serialization.SerializationExtension;
import org.apache.pekko.serialization.Serializer;
import org.apache.pekko.serialization.Serializers;
import scala.Option;
import scala.util.DynamicVariable;

/**
 * INTERNAL API: converts between Pekko {@link PersistentRepr}s and stored {@link WalEvent}s with
 * Pekko Serialization (the serializer bound to the payload's class, its id and manifest), payload
 * and {@code PersistentRepr.metadata} alike. A {@link Tagged} payload is stored as the event it
 * wraps; its tags are dropped.
 *
 * <p>Every serializer call runs inside Pekko's transport-information scope ({@code
 * Serialization.currentTransportInformation} set to this system's), as Pekko's own {@code
 * Serialization.serialize} does: serializers of events that hold an {@link ActorRef} need it to
 * write the ref's full path ({@code Serialization.serializedActorPath}) and to resolve it on the
 * way back. Callers that convert many events enter the scope once with {@link
 * #withTransportInformation}; the single-event methods enter it themselves when it is not set.
 *
 * <p>Thread-safe; used by the journal actor and by read-journal streams on their dispatchers.
 */
public final class EventCodec {
  private final Serialization serialization;
  private final Serialization.Information transportInformation;

  /** Creates a codec for the system's serialization settings. */
  public EventCodec(ActorSystem system) {
    this.serialization = SerializationExtension.get(system);
    this.transportInformation =
        ((ExtendedActorSystem) system).provider().serializationInformation();
  }

  /**
   * Runs {@code body} on the calling thread with this system's transport information set (or leaves
   * an enclosing scope as it is) and returns its result.
   */
  public <T> T withTransportInformation(Callable<T> body) throws Exception {
    DynamicVariable<Serialization.Information> current =
        Serialization$.MODULE$.currentTransportInformation();
    Serialization.Information outer = current.value();
    if (outer != null) {
      return body.call();
    }
    current.value_$eq(transportInformation);
    try {
      return body.call();
    } finally {
      current.value_$eq(null);
    }
  }

  /**
   * Serializes one event (and its metadata, if any); {@code timestamp} 0 is replaced by the current
   * time.
   *
   * @throws NotSerializableException (or any serializer exception) if the payload or the metadata
   *     cannot be serialized; the journal then rejects the atomic write
   */
  public WalEvent toWalEvent(PersistentRepr repr) throws Exception {
    return withTransportInformation(() -> encode(repr));
  }

  private WalEvent encode(PersistentRepr repr) throws Exception {
    // Pekko Persistence Typed wraps the event of a behavior with tags (tagsFor, withTagger) in
    // Tagged: the event is stored, the tags are not (this journal has no eventsByTag query).
    Object payload = repr.payload() instanceof Tagged tagged ? tagged.payload() : repr.payload();
    Serializer serializer = serialization.findSerializerFor(payload);
    String manifest = Serializers.manifestFor(serializer, payload);
    byte[] bytes = serializer.toBinary(payload);
    long ts = repr.timestamp() == 0 ? System.currentTimeMillis() : repr.timestamp();
    String writerUuid = repr.writerUuid() == null ? "" : repr.writerUuid();
    String eventManifest = repr.manifest() == null ? "" : repr.manifest();
    Option<Object> metadata = repr.metadata();
    Object meta = metadata.isEmpty() ? null : metadata.get();
    Serializer metaSerializer = meta == null ? null : serialization.findSerializerFor(meta);
    return new WalEvent(
        repr.persistenceId(),
        repr.sequenceNr(),
        writerUuid,
        eventManifest,
        serializer.identifier(),
        manifest,
        ts,
        bytes,
        meta == null ? 0 : metaSerializer.identifier(),
        meta == null ? "" : Serializers.manifestFor(metaSerializer, meta),
        meta == null ? null : metaSerializer.toBinary(meta));
  }

  /** Deserializes the payload of a stored event; throws what the serializer throws. */
  public Object payload(WalEvent event) throws Throwable {
    return deserialize(event.payload(), event.serializerId(), event.serializerManifest());
  }

  /** Deserializes the metadata of a stored event: empty when it has none. */
  public Option<Object> metadata(WalEvent event) throws Throwable {
    if (!event.hasMetadata()) {
      return Option.empty();
    }
    return Option.apply(
        deserialize(event.metadata(), event.metadataSerializerId(), event.metadataManifest()));
  }

  /** Rebuilds the {@link PersistentRepr} of a stored event, metadata included. */
  public PersistentRepr toRepr(WalEvent event) throws Throwable {
    PersistentRepr repr =
        PersistentRepr.apply(
                payload(event),
                event.sequenceNr(),
                event.persistenceId(),
                event.eventManifest().isEmpty()
                    ? PersistentRepr.Undefined()
                    : event.eventManifest(),
                false,
                ActorRef.noSender(),
                event.writerUuid().isEmpty() ? PersistentRepr.Undefined() : event.writerUuid())
            .withTimestamp(event.timestamp());
    Option<Object> metadata = metadata(event);
    return metadata.isEmpty() ? repr : repr.withMetadata(metadata.get());
  }

  private Object deserialize(byte[] bytes, int serializerId, String manifest) throws Throwable {
    DynamicVariable<Serialization.Information> current =
        Serialization$.MODULE$.currentTransportInformation();
    boolean enter = current.value() == null;
    if (enter) {
      current.value_$eq(transportInformation);
    }
    try {
      return serialization.deserialize(bytes, serializerId, manifest).get();
    } finally {
      if (enter) {
        current.value_$eq(null);
      }
    }
  }
}
