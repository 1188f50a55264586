package io.github.elasticq.persistence.wal;

import java.nio.file.Path;

/** Child-process main for the lock test: tries to open the log given as the only argument. */
public final class LockProbe {
  private LockProbe() {}

  /** Prints {@code OPENED} or {@code LOCKED <message>}. */
  public static void main(String[] args) throws Exception {
    try (WriteAheadLog wal = WriteAheadLog.open(WalSettings.builder(Path.of(args[0])).build())) {
      System.out.println("OPENED " + wal.directory());
    } catch (WalLockedException e) {
      System.out.println("LOCKED " + e.getMessage());
    }
  }
}
