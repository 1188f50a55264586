/**
 * The file-based snapshot store {@link io.github.elasticq.persistence.snapshot.FileSnapshotStore}
 * (plugin id {@code elasticq.snapshot-store}).
 *
 * <p>Layout on disk: one sub-directory per persistence id (its name is derived from the id by
 * {@code PersistenceIdEncoding}, never the raw id), holding one file per snapshot named {@code
 * snapshot-<sequenceNr>-<timestamp>.snap}. The file format is documented in {@code
 * SnapshotFileDescriptor}. Everything but {@code FileSnapshotStore} is internal.
 */
package io.github.elasticq.persistence.snapshot;
