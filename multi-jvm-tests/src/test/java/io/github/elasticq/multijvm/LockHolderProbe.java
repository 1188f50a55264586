package io.github.elasticq.multijvm;

import io.github.elasticq.persistence.wal.WalLockedException;
import io.github.elasticq.persistence.wal.WalSettings;
import io.github.elasticq.persistence.wal.WriteAheadLog;
import java.nio.file.Path;

/**
 * Child-process main of the lock test: tries once to open the log directory given as the only
 * argument and prints {@code OPENED <dir>} (then closes it) or {@code LOCKED <message>}; exits 0.
 */
public final class LockHolderProbe {
  private LockHolderProbe() {}

  /** Runs one open attempt. */
  public static void main(String[] args) throws Exception {
    try (WriteAheadLog wal = WriteAheadLog.open(WalSettings.builder(Path.of(args[0])).build())) {
      ChildOutput.line("OPENED " + wal.directory());
    } catch (WalLockedException e) {
      ChildOutput.line("LOCKED " + e.getMessage());
    }
  }
}
