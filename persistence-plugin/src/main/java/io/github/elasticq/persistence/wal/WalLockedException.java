package io.github.elasticq.persistence.wal;

import java.io.IOException;
import java.nio.file.Path;

/** The log directory is already open in another process or in this JVM. */
public final class WalLockedException extends IOException {
  private static final long serialVersionUID = 1L;

  private final transient Path dir;

  /** Creates the exception; the message names the directory. */
  public WalLockedException(Path dir, String detail) {
    super("Write-ahead log directory " + dir + " is already in use: " + detail);
    this.dir = dir;
  }

  /** The directory that could not be locked. */
  public Path dir() {
    return dir;
  }
}
