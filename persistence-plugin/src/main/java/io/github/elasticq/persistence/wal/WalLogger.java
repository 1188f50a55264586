package io.github.elasticq.persistence.wal;

import java.lang.System.Logger.Level;

/**
 * Destination of the messages of a {@link WriteAheadLog} (recovery cuts, quarantines, compaction,
 * background failures). The log stays free of any logging framework so that it runs in a bare JVM;
 * the Pekko journal plugs in Pekko's logging.
 *
 * <p>Called from the thread that opens the log, the writer thread and the background threads;
 * implementations must be thread-safe.
 */
@FunctionalInterface
public interface WalLogger {
  /** Reports one message at the given level. */
  void log(Level level, String message);

  /** A logger writing to {@link System#getLogger(String)} {@code io.github.elasticq.wal}. */
  static WalLogger system() {
    System.Logger logger = System.getLogger("io.github.elasticq.wal");
    return logger::log;
  }
}
