package io.github.elasticq.persistence.wal;

import java.util.Locale;

/**
 * When an acknowledged write of a {@link WriteAheadLog} is on stable storage.
 *
 * <p>In every mode, concurrent writes share one {@code write} and (where the mode forces) one
 * {@code FileChannel.force} (group commit), and a write is acknowledged only after its bytes are in
 * the operating system's page cache, so a crash of the JVM process alone (including {@code kill
 * -9}) never loses an acknowledged write. The modes differ in what an OS crash or a power loss can
 * lose:
 *
 * <ul>
 *   <li>{@link #EVERY_WRITE}: nothing acknowledged; a write completes only after {@code force}.
 *   <li>{@link #PERIODIC}: the writes acknowledged during the last {@code sync-interval} (plus the
 *       duration of one {@code force}); a background task forces the log every interval.
 *   <li>{@link #NO_SYNC}: everything the kernel had not yet written back on its own; no bound. The
 *       log is forced only on an orderly {@link WriteAheadLog#close()}, and by compaction, which
 *       forces the segments holding the tombstones it relies on before it removes what they
 *       deleted.
 * </ul>
 */
public enum SyncMode {
  /** Acknowledge after {@code FileChannel.force}: survives process crash, OS crash, power loss. */
  EVERY_WRITE("every-write"),
  /** Acknowledge after the write; force every {@code sync-interval} in the background. */
  PERIODIC("periodic"),
  /** Acknowledge after the write; never force (except on close and before compaction). */
  NO_SYNC("no-sync");

  private final String configName;

  SyncMode(String configName) {
    this.configName = configName;
  }

  /** The spelling used in configuration, e.g. {@code every-write}. */
  public String configName() {
    return configName;
  }

  /**
   * Parses the configuration spelling ({@code every-write | periodic | no-sync}, case-insensitive).
   *
   * @throws IllegalArgumentException naming the value and the accepted ones
   */
  public static SyncMode fromConfigName(String value) {
    String v = value.trim().toLowerCase(Locale.ROOT);
    for (SyncMode m : values()) {
      if (m.configName.equals(v)) {
        return m;
      }
    }
    throw new IllegalArgumentException(
        "invalid sync-mode '" + value + "'; expected every-write | periodic | no-sync");
  }
}
