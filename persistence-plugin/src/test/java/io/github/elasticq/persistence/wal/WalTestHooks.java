package io.github.elasticq.persistence.wal;

/** Test access to package-private failure injection of {@link WriteAheadLog}. */
public final class WalTestHooks {
  private WalTestHooks() {}

  /** Closes the active segment channel so that the next group commit fails with an I/O error. */
  public static void breakActiveChannel(WriteAheadLog wal) {
    wal.breakActiveChannelForTesting();
  }
}
