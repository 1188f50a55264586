package io.github.elasticq.persistence.snapshot;

import java.io.IOException;
import java.nio.file.Path;

/**
 * A snapshot file that cannot be trusted: truncated, wrong magic, unknown version, inconsistent
 * lengths, CRC32C mismatch. The message always names the file and what was wrong with it.
 */
final class CorruptSnapshotException extends IOException {

  private static final long serialVersionUID = 1L;

  CorruptSnapshotException(Path file, String problem) {
    super("Corrupt snapshot file [" + file + "]: " + problem);
  }
}
