package io.github.elasticq.persistence.wal;

import java.util.Objects;

/**
 * One event as stored in the log: the serialized form of a Pekko {@code PersistentRepr}.
 *
 * <p>Immutable apart from the payload array, which the log neither copies nor modifies; callers
 * must not modify it after handing it over. Safe to pass between threads.
 *
 * @param persistenceId the persistence id (at most 65535 UTF-8 bytes)
 * @param sequenceNr the sequence number, {@code >= 1}
 * @param writerUuid the writer uuid of the persistent actor incarnation ("" if none)
 * @param eventManifest the event adapter manifest of the {@code PersistentRepr} ("" if none)
 * @param serializerId the Pekko serializer id that produced {@code payload}
 * @param serializerManifest the serializer's manifest ("" if none)
 * @param timestamp epoch milliseconds
 * @param payload the serialized event
 * @param metadataSerializerId the serializer id of {@code metadata} (0 when there is none)
 * @param metadataManifest the serializer manifest of {@code metadata} ("" when there is none)
 * @param metadata the serialized {@code PersistentRepr.metadata}, or null when the event has none
 */
public record WalEvent(
    String persistenceId,
    long sequenceNr,
    String writerUuid,
    String eventManifest,
    int serializerId,
    String serializerManifest,
    long timestamp,
    byte[] payload,
    int metadataSerializerId,
    String metadataManifest,
    byte[] metadata) {

  /** Validates the non-null fields and the sequence number. */
  public WalEvent {
    Objects.requireNonNull(persistenceId, "persistenceId");
    Objects.requireNonNull(writerUuid, "writerUuid");
    Objects.requireNonNull(eventManifest, "eventManifest");
    Objects.requireNonNull(serializerManifest, "serializerManifest");
    Objects.requireNonNull(payload, "payload");
    Objects.requireNonNull(metadataManifest, "metadataManifest");
    if (sequenceNr < 1) {
      throw new IllegalArgumentException(
          "sequenceNr must be >= 1 but was " + sequenceNr + " for " + persistenceId);
    }
  }

  /** An event without metadata. */
  public WalEvent(
      String persistenceId,
      long sequenceNr,
      String writerUuid,
      String eventManifest,
      int serializerId,
      String serializerManifest,
      long timestamp,
      byte[] payload) {
    this(
        persistenceId,
        sequenceNr,
        writerUuid,
        eventManifest,
        serializerId,
        serializerManifest,
        timestamp,
        payload,
        0,
        "",
        null);
  }

  /** Whether the event carries serialized metadata. */
  public boolean hasMetadata() {
    return metadata != null;
  }

  /** A convenience event for tests and tools: serializer id 0, empty manifests, timestamp 0. */
  public static WalEvent of(String persistenceId, long sequenceNr, byte[] payload) {
    return new WalEvent(persistenceId, sequenceNr, "", "", 0, "", 0L, payload);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof WalEvent e
        && sequenceNr == e.sequenceNr
        && serializerId == e.serializerId
        && timestamp == e.timestamp
        && persistenceId.equals(e.persistenceId)
        && writerUuid.equals(e.writerUuid)
        && eventManifest.equals(e.eventManifest)
        && serializerManifest.equals(e.serializerManifest)
        && java.util.Arrays.equals(payload, e.payload)
        && metadataSerializerId == e.metadataSerializerId
        && metadataManifest.equals(e.metadataManifest)
        && java.util.Arrays.equals(metadata, e.metadata);
  }

  @Override
  public int hashCode() {
    return Objects.hash(persistenceId, sequenceNr, writerUuid) * 31
        + java.util.Arrays.hashCode(payload);
  }

  @Override
  public String toString() {
    return "WalEvent["
        + persistenceId
        + "#"
        + sequenceNr
        + ", serializer="
        + serializerId
        + ", payload="
        + payload.length
        + " bytes"
        + (metadata == null ? "" : ", metadata=" + metadata.length + " bytes")
        + "]";
  }
}
