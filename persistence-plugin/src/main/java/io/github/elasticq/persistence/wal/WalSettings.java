package io.github.elasticq.persistence.wal;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.Objects;

/**
 * Immutable settings of a {@link WriteAheadLog}: built with {@link #builder(Path)} (plain Java, no
 * Pekko needed, e.g. in a child JVM) or read from a journal plugin section with {@link
 * #fromConfig(Config, String)}. Instances are safe to share between threads.
 */
public final class WalSettings {
  /** Smallest accepted {@code segment-size}. */
  public static final long MIN_SEGMENT_SIZE = 4L * 1024;

  /** Largest accepted {@code segment-size}; keeps every record offset within an {@code int}. */
  public static final long MAX_SEGMENT_SIZE = 1L << 30;

  /** Smallest accepted {@code max-batch-bytes}. */
  public static final long MIN_BATCH_BYTES = 64L * 1024;

  private final Path dir;
  private final SyncMode syncMode;
  private final Duration syncInterval;
  private final long segmentSize;
  private final long preallocate;
  private final long maxBatchBytes;
  private final boolean compactionEnabled;
  private final Duration compactionInterval;
  private final double compactionMinDeadRatio;
  private final boolean quarantineCorruptSegments;
  private final boolean indexCheckpoint;
  private final WalLogger logger;

  private WalSettings(Builder b) {
    this.dir = b.dir;
    this.syncMode = b.syncMode;
    this.syncInterval = b.syncInterval;
    this.segmentSize = b.segmentSize;
    this.preallocate = b.preallocate;
    this.maxBatchBytes = b.maxBatchBytes;
    this.compactionEnabled = b.compactionEnabled;
    this.compactionInterval = b.compactionInterval;
    this.compactionMinDeadRatio = b.compactionMinDeadRatio;
    this.quarantineCorruptSegments = b.quarantineCorruptSegments;
    this.indexCheckpoint = b.indexCheckpoint;
    this.logger = b.logger;
  }

  /** A builder with the reference.conf defaults and the given directory. */
  public static Builder builder(Path dir) {
    return new Builder(dir);
  }

  /**
   * Reads the settings of a journal plugin section such as {@code elasticq.journal}.
   *
   * @param config the plugin section (keys {@code dir}, {@code sync-mode}, ...)
   * @param path the section's path, used only in error messages
   * @throws IllegalArgumentException naming {@code path.key} and the bad value
   */
  public static WalSettings fromConfig(Config config, String path) {
    Builder b = builder(Paths.get(string(config, path, "dir")));
    try {
      b.syncMode(SyncMode.fromConfigName(string(config, path, "sync-mode")));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(path + ".sync-mode: " + e.getMessage(), e);
    }
    b.syncInterval = duration(config, path, "sync-interval");
    b.segmentSize = bytes(config, path, "segment-size");
    b.preallocate = bytes(config, path, "preallocate");
    b.maxBatchBytes = bytes(config, path, "max-batch-bytes");
    b.compactionEnabled = bool(config, path, "compaction.enabled");
    b.compactionInterval = duration(config, path, "compaction.interval");
    b.compactionMinDeadRatio = dbl(config, path, "compaction.min-dead-ratio");
    b.quarantineCorruptSegments = bool(config, path, "quarantine-corrupt-segments");
    b.indexCheckpoint = bool(config, path, "index-checkpoint");
    return b.build(path + ".");
  }

  private static String string(Config c, String path, String key) {
    try {
      return c.getString(key);
    } catch (ConfigException e) {
      throw bad(path, key, e);
    }
  }

  private static Duration duration(Config c, String path, String key) {
    try {
      return c.getDuration(key);
    } catch (ConfigException e) {
      throw bad(path, key, e);
    }
  }

  private static long bytes(Config c, String path, String key) {
    try {
      return c.getBytes(key);
    } catch (ConfigException e) {
      throw bad(path, key, e);
    }
  }

  private static boolean bool(Config c, String path, String key) {
    try {
      return c.getBoolean(key);
    } catch (ConfigException e) {
      throw bad(c, path, key, e);
    }
  }

  private static double dbl(Config c, String path, String key) {
    try {
      return c.getDouble(key);
    } catch (ConfigException e) {
      throw bad(path, key, e);
    }
  }

  private static IllegalArgumentException bad(String path, String key, ConfigException e) {
    return new IllegalArgumentException(
        path + "." + key + ": missing or invalid value (" + e.getMessage() + ")", e);
  }

  private static IllegalArgumentException bad(
      Config c, String path, String key, ConfigException e) {
    if (!c.hasPath(key)) {
      return bad(path, key, e);
    }
    return new IllegalArgumentException(
        path
            + "."
            + key
            + ": invalid value "
            + c.getValue(key).render()
            + " ("
            + e.getMessage()
            + ")",
        e);
  }

  /** Directory of the segment files and the lock file. */
  public Path dir() {
    return dir;
  }

  /** The durability mode. */
  public SyncMode syncMode() {
    return syncMode;
  }

  /** Force period for {@link SyncMode#PERIODIC}. */
  public Duration syncInterval() {
    return syncInterval;
  }

  /** Size at which a segment is sealed. */
  public long segmentSize() {
    return segmentSize;
  }

  /**
   * Bytes of zeros written ahead of the records of the active segment at a time (0: off); at most
   * {@link #segmentSize()} are used. Ignored with {@link SyncMode#NO_SYNC}.
   */
  public long preallocate() {
    return preallocate;
  }

  /** Upper bound of one group commit in bytes. */
  public long maxBatchBytes() {
    return maxBatchBytes;
  }

  /** Whether background compaction runs. */
  public boolean compactionEnabled() {
    return compactionEnabled;
  }

  /** Period of background compaction. */
  public Duration compactionInterval() {
    return compactionInterval;
  }

  /** Dead-bytes ratio from which a sealed segment is compacted. */
  public double compactionMinDeadRatio() {
    return compactionMinDeadRatio;
  }

  /** Whether a segment damaged before the tail is moved aside instead of failing the start. */
  public boolean quarantineCorruptSegments() {
    return quarantineCorruptSegments;
  }

  /**
   * Whether sealed segments get an index checkpoint ({@code <id>.idx}) that the next open loads
   * instead of scanning the segment; see {@link SegmentIndexCheckpoint}.
   */
  public boolean indexCheckpoint() {
    return indexCheckpoint;
  }

  /** Where the log reports recovery, quarantine and compaction events. */
  public WalLogger logger() {
    return logger;
  }

  /** A copy of these settings reporting to {@code newLogger}. */
  public WalSettings withLogger(WalLogger newLogger) {
    Builder b = new Builder(dir);
    b.syncMode = syncMode;
    b.syncInterval = syncInterval;
    b.segmentSize = segmentSize;
    b.preallocate = preallocate;
    b.maxBatchBytes = maxBatchBytes;
    b.compactionEnabled = compactionEnabled;
    b.compactionInterval = compactionInterval;
    b.compactionMinDeadRatio = compactionMinDeadRatio;
    b.quarantineCorruptSegments = quarantineCorruptSegments;
    b.indexCheckpoint = indexCheckpoint;
    b.logger = java.util.Objects.requireNonNull(newLogger, "logger");
    return new WalSettings(b);
  }

  /**
   * Whether {@code other} configures the same log in the same way: every setting equal, the
   * directories compared absolute and normalized. The logger is not compared.
   */
  public boolean sameLogAs(WalSettings other) {
    return dir.toAbsolutePath().normalize().equals(other.dir.toAbsolutePath().normalize())
        && syncMode == other.syncMode
        && syncInterval.equals(other.syncInterval)
        && segmentSize == other.segmentSize
        && preallocate == other.preallocate
        && maxBatchBytes == other.maxBatchBytes
        && compactionEnabled == other.compactionEnabled
        && compactionInterval.equals(other.compactionInterval)
        && Double.compare(compactionMinDeadRatio, other.compactionMinDeadRatio) == 0
        && quarantineCorruptSegments == other.quarantineCorruptSegments
        && indexCheckpoint == other.indexCheckpoint;
  }

  @Override
  public String toString() {
    return "WalSettings[dir="
        + dir
        + ", sync-mode="
        + syncMode.configName()
        + ", sync-interval="
        + syncInterval
        + ", segment-size="
        + segmentSize
        + ", preallocate="
        + preallocate
        + ", max-batch-bytes="
        + maxBatchBytes
        + ", compaction="
        + (compactionEnabled ? compactionInterval + "/" + compactionMinDeadRatio : "off")
        + ", quarantine-corrupt-segments="
        + quarantineCorruptSegments
        + ", index-checkpoint="
        + indexCheckpoint
        + "]";
  }

  /** Mutable builder; not thread-safe. Defaults equal the module's {@code reference.conf}. */
  public static final class Builder {
    private final Path dir;
    private SyncMode syncMode = SyncMode.EVERY_WRITE;
    private Duration syncInterval = Duration.ofMillis(100);
    private long segmentSize = 64L * 1024 * 1024;
    private long preallocate = 0L;
    private long maxBatchBytes = 4L * 1024 * 1024;
    private boolean compactionEnabled = true;
    private Duration compactionInterval = Duration.ofSeconds(60);
    private double compactionMinDeadRatio = 0.5;
    private boolean quarantineCorruptSegments = false;
    private boolean indexCheckpoint = false;
    private WalLogger logger = WalLogger.system();

    private Builder(Path dir) {
      this.dir = Objects.requireNonNull(dir, "dir");
    }

    /** See {@link SyncMode}. */
    public Builder syncMode(SyncMode v) {
      this.syncMode = Objects.requireNonNull(v, "sync-mode");
      return this;
    }

    /** Force period for {@link SyncMode#PERIODIC}; must be positive. */
    public Builder syncInterval(Duration v) {
      this.syncInterval = Objects.requireNonNull(v, "sync-interval");
      return this;
    }

    /** Segment size in bytes, between 4 KiB and 1 GiB. */
    public Builder segmentSize(long v) {
      this.segmentSize = v;
      return this;
    }

    /**
     * Bytes of zeros written ahead of need in the active segment, one chunk at a time: 0 (off) or
     * between 4 KiB and 1 GiB; at most the segment size is preallocated.
     */
    public Builder preallocate(long v) {
      this.preallocate = v;
      return this;
    }

    /** Group commit bound in bytes, between 64 KiB and 1 GiB. */
    public Builder maxBatchBytes(long v) {
      this.maxBatchBytes = v;
      return this;
    }

    /** Switches background compaction on or off ({@link WriteAheadLog#compact()} always works). */
    public Builder compactionEnabled(boolean v) {
      this.compactionEnabled = v;
      return this;
    }

    /** Period of background compaction; must be positive. */
    public Builder compactionInterval(Duration v) {
      this.compactionInterval = Objects.requireNonNull(v, "compaction.interval");
      return this;
    }

    /** Dead ratio in (0, 1] from which a sealed segment is compacted. */
    public Builder compactionMinDeadRatio(double v) {
      this.compactionMinDeadRatio = v;
      return this;
    }

    /** Opt-in: quarantine segments damaged before the tail instead of refusing to start. */
    public Builder quarantineCorruptSegments(boolean v) {
      this.quarantineCorruptSegments = v;
      return this;
    }

    /**
     * Switches index checkpoints of sealed segments on or off (the default); off, every open scans
     * every segment (and validates every record) and no checkpoint is written.
     */
    public Builder indexCheckpoint(boolean v) {
      this.indexCheckpoint = v;
      return this;
    }

    /** Destination of the log's messages; defaults to {@link WalLogger#system()}. */
    public Builder logger(WalLogger v) {
      this.logger = Objects.requireNonNull(v, "logger");
      return this;
    }

    /**
     * Validates and builds.
     *
     * @throws IllegalArgumentException naming the key and the bad value
     */
    public WalSettings build() {
      return build("");
    }

    WalSettings build(String prefix) {
      if (syncInterval.isNegative() || syncInterval.isZero()) {
        throw invalid(prefix, "sync-interval", syncInterval, "must be > 0");
      }
      if (segmentSize < MIN_SEGMENT_SIZE || segmentSize > MAX_SEGMENT_SIZE) {
        throw invalid(prefix, "segment-size", segmentSize, "must be between 4KiB and 1GiB");
      }
      if (preallocate != 0 && (preallocate < MIN_SEGMENT_SIZE || preallocate > MAX_SEGMENT_SIZE)) {
        throw invalid(
            prefix, "preallocate", preallocate, "must be 0 (off) or between 4KiB and 1GiB");
      }
      if (maxBatchBytes < MIN_BATCH_BYTES || maxBatchBytes > MAX_SEGMENT_SIZE) {
        throw invalid(prefix, "max-batch-bytes", maxBatchBytes, "must be between 64KiB and 1GiB");
      }
      if (compactionInterval.isNegative() || compactionInterval.isZero()) {
        throw invalid(prefix, "compaction.interval", compactionInterval, "must be > 0");
      }
      if (!(compactionMinDeadRatio > 0.0 && compactionMinDeadRatio <= 1.0)) {
        throw invalid(
            prefix, "compaction.min-dead-ratio", compactionMinDeadRatio, "must be in (0, 1]");
      }
      return new WalSettings(this);
    }

    private static IllegalArgumentException invalid(
        String prefix, String key, Object value, String rule) {
      return new IllegalArgumentException(
          prefix + key + ": invalid value " + value + " (" + rule + ")");
    }
  }
}
