package io.github.elasticq.persistence.wal;

import java.io.IOException;
import java.nio.file.Path;

/**
 * A segment is damaged before the tail of the log: a record that is not committed is followed by
 * valid data. Thrown by {@link WriteAheadLog#open(WalSettings)} (unless quarantine is enabled) and
 * by reads that find a stored record no longer matching its checksum.
 */
public final class WalCorruptionException extends IOException {
  private static final long serialVersionUID = 1L;

  private final transient Path file;
  private final long offset;

  /** Creates the exception; the message names the file and the offset. */
  public WalCorruptionException(Path file, long offset, String detail) {
    super("Corrupt write-ahead log segment " + file + " at offset " + offset + ": " + detail);
    this.file = file;
    this.offset = offset;
  }

  /** The damaged segment file. */
  public Path file() {
    return file;
  }

  /** Byte offset of the first damaged record in {@link #file()}. */
  public long offset() {
    return offset;
  }
}
