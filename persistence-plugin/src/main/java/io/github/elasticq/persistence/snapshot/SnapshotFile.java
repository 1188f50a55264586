package io.github.elasticq.persistence.snapshot;

import java.nio.file.Path;
import java.util.Comparator;

/**
 * A snapshot file found in a persistence id's directory, described by its name alone (the content
 * is not read yet).
 *
 * @param path the file
 * @param sequenceNr sequence number from the file name
 * @param timestamp timestamp from the file name
 */
record SnapshotFile(Path path, long sequenceNr, long timestamp) {

  /** Newest first: higher sequence number first, then later timestamp first. */
  static final Comparator<SnapshotFile> NEWEST_FIRST =
      Comparator.comparingLong(SnapshotFile::sequenceNr)
          .thenComparingLong(SnapshotFile::timestamp)
          .reversed();
}
