package io.github.elasticq.persistence.snapshot;

/**
 * The content of one snapshot file, before encoding or after decoding and verification.
 *
 * <p>Immutable by convention (see {@link SerializedObject}); safe to publish through any
 * happens-before edge.
 *
 * @param persistenceId the real persistence id, whatever characters it contains
 * @param sequenceNr sequence number the snapshot was taken at
 * @param timestamp time of the save in epoch milliseconds, as assigned by Pekko's snapshot protocol
 * @param snapshot the serialized snapshot
 * @param metadata the serialized optional {@code SnapshotMetadata.metadata}, or null if absent
 */
record SnapshotRecord(
    String persistenceId,
    long sequenceNr,
    long timestamp,
    SerializedObject snapshot,
    SerializedObject metadata) {}
