package io.github.elasticq.persistence.durable;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigRenderOptions;
import java.time.Duration;
import java.util.Objects;
import java.util.Set;
import org.apache.pekko.actor.typed.ActorSystem;

/**
 * Immutable settings of a {@link DurableMailbox}: built with {@link #builder()}, or read from a
 * configuration section with {@link #fromConfig(Config, String)} (the defaults and the meaning of
 * every key are in the {@code elasticq.durable-mailbox} section of this module's {@code
 * reference.conf}). Instances are safe to share between threads and actors.
 *
 * <p>Every invalid value fails with an {@link IllegalArgumentException} whose message names the
 * configuration path and key (for a builder: {@code elasticq.durable-mailbox.<key>}) and the value.
 */
public final class DurableMailboxSettings {
  /** The configuration path of the defaults and of {@link #create(ActorSystem)}. */
  public static final String CONFIG_PATH = "elasticq.durable-mailbox";

  private static final Set<String> KEYS =
      Set.of(
          "window",
          "max-unconfirmed",
          "max-redeliveries",
          "max-store-batch",
          "confirm-batch-size",
          "confirm-flush-interval",
          "snapshot-every",
          "keep-snapshots",
          "stash-capacity",
          "journal-plugin-id",
          "snapshot-plugin-id");

  private final int window;
  private final int maxUnconfirmed;
  private final int maxRedeliveries;
  private final int maxStoreBatch;
  private final int confirmBatchSize;
  private final Duration confirmFlushInterval;
  private final int snapshotEvery;
  private final int keepSnapshots;
  private final int stashCapacity;
  private final String journalPluginId;
  private final String snapshotPluginId;
  private final PoisonMessageHandler poisonHandler;

  private DurableMailboxSettings(Builder b) {
    this.window = b.window;
    this.maxUnconfirmed = b.maxUnconfirmed;
    this.maxRedeliveries = b.maxRedeliveries;
    this.maxStoreBatch = b.maxStoreBatch;
    this.confirmBatchSize = b.confirmBatchSize;
    this.confirmFlushInterval = b.confirmFlushInterval;
    this.snapshotEvery = b.snapshotEvery;
    this.keepSnapshots = b.keepSnapshots;
    this.stashCapacity = b.stashCapacity;
    this.journalPluginId = b.journalPluginId;
    this.snapshotPluginId = b.snapshotPluginId;
    this.poisonHandler = b.poisonHandler;
  }

  /** A builder holding the {@code reference.conf} defaults. Any thread. */
  public static Builder builder() {
    return new Builder();
  }

  /** The {@code reference.conf} defaults. Any thread. */
  public static DurableMailboxSettings defaults() {
    return builder().build();
  }

  /** The settings at {@value #CONFIG_PATH} of {@code system}'s configuration. Any thread. */
  public static DurableMailboxSettings create(ActorSystem<?> system) {
    return fromConfig(system.settings().config().getConfig(CONFIG_PATH), CONFIG_PATH);
  }

  /**
   * Reads a settings section; keys missing from it take the {@code elasticq.durable-mailbox}
   * defaults of {@code reference.conf}. Any thread.
   *
   * @param section the section (keys {@code window}, {@code max-unconfirmed}, ...)
   * @param path the section's configuration path, used in error messages
   * @throws IllegalArgumentException naming {@code path.key} for an unknown key, a value of the
   *     wrong type or a value out of range
   */
  public static DurableMailboxSettings fromConfig(Config section, String path) {
    Objects.requireNonNull(section, "section");
    Objects.requireNonNull(path, "path");
    for (String key : section.root().keySet()) {
      if (!KEYS.contains(key)) {
        throw new IllegalArgumentException(
            path + "." + key + ": unknown key of a durable mailbox section (known: " + KEYS + ")");
      }
    }
    Config c = section.withFallback(ConfigFactory.defaultReference().getConfig(CONFIG_PATH));
    Builder b = new Builder();
    b.path = path;
    b.window = integer(c, path, "window");
    b.maxUnconfirmed = integer(c, path, "max-unconfirmed");
    b.maxRedeliveries = integer(c, path, "max-redeliveries");
    b.maxStoreBatch = integer(c, path, "max-store-batch");
    b.confirmBatchSize = integer(c, path, "confirm-batch-size");
    b.confirmFlushInterval = duration(c, path, "confirm-flush-interval");
    b.snapshotEvery = integer(c, path, "snapshot-every");
    b.keepSnapshots = integer(c, path, "keep-snapshots");
    b.stashCapacity = integer(c, path, "stash-capacity");
    b.journalPluginId = string(c, path, "journal-plugin-id");
    b.snapshotPluginId = string(c, path, "snapshot-plugin-id");
    return b.build();
  }

  private static int integer(Config c, String path, String key) {
    try {
      int value = c.getInt(key);
      if (c.getDouble(key) != value) { // getInt truncates 2.9 to 2 without a word
        throw new IllegalArgumentException(
            path
                + "."
                + key
                + ": must be a whole number, was "
                + c.getValue(key).render(ConfigRenderOptions.concise()));
      }
      return value;
    } catch (ConfigException e) {
      throw new IllegalArgumentException(path + "." + key + ": " + e.getMessage(), e);
    }
  }

  private static Duration duration(Config c, String path, String key) {
    try {
      return c.getDuration(key);
    } catch (ConfigException e) {
      throw new IllegalArgumentException(path + "." + key + ": " + e.getMessage(), e);
    }
  }

  private static String string(Config c, String path, String key) {
    try {
      return c.getString(key);
    } catch (ConfigException e) {
      throw new IllegalArgumentException(path + "." + key + ": " + e.getMessage(), e);
    }
  }

  /** A builder holding these settings, to change some of them. */
  public Builder toBuilder() {
    Builder b = new Builder();
    b.window = window;
    b.maxUnconfirmed = maxUnconfirmed;
    b.maxRedeliveries = maxRedeliveries;
    b.maxStoreBatch = maxStoreBatch;
    b.confirmBatchSize = confirmBatchSize;
    b.confirmFlushInterval = confirmFlushInterval;
    b.snapshotEvery = snapshotEvery;
    b.keepSnapshots = keepSnapshots;
    b.stashCapacity = stashCapacity;
    b.journalPluginId = journalPluginId;
    b.snapshotPluginId = snapshotPluginId;
    b.poisonHandler = poisonHandler;
    return b;
  }

  /** Messages delivered to the inner behavior and not yet processed, at most. */
  public int window() {
    return window;
  }

  /** Stored and not yet confirmed messages, at most; beyond it new messages are rejected. */
  public int maxUnconfirmed() {
    return maxUnconfirmed;
  }

  /** Redeliveries after failures of the inner behavior before a message is poisoned. */
  public int maxRedeliveries() {
    return maxRedeliveries;
  }

  /** Messages written in one atomic journal write, at most. */
  public int maxStoreBatch() {
    return maxStoreBatch;
  }

  /** Processed messages that make the mailbox write a confirmation at once. */
  public int confirmBatchSize() {
    return confirmBatchSize;
  }

  /**
   * Longest time a processed message waits for its confirmation to be written; the mailbox's timers
   * wait at most an hour, so a longer value flushes hourly.
   */
  public Duration confirmFlushInterval() {
    return confirmFlushInterval;
  }

  /** Journal events between two snapshots (events below the older kept snapshot are deleted). */
  public int snapshotEvery() {
    return snapshotEvery;
  }

  /** Snapshots kept. */
  public int keepSnapshots() {
    return keepSnapshots;
  }

  /**
   * How many commands the mailbox holds while a write is in flight, during a recovery and during
   * the backoff of a restart after journal trouble; beyond it a command is refused ({@code
   * Rejected}, dead letters for a plain tell).
   */
  public int stashCapacity() {
    return stashCapacity;
  }

  /** Journal plugin id; empty for {@code pekko.persistence.journal.plugin}. */
  public String journalPluginId() {
    return journalPluginId;
  }

  /** Snapshot store plugin id; empty for {@code pekko.persistence.snapshot-store.plugin}. */
  public String snapshotPluginId() {
    return snapshotPluginId;
  }

  /** What receives poisoned messages; by default they go to dead letters. */
  public PoisonMessageHandler poisonHandler() {
    return poisonHandler;
  }

  @Override
  public String toString() {
    return "DurableMailboxSettings(window="
        + window
        + ", max-unconfirmed="
        + maxUnconfirmed
        + ", max-redeliveries="
        + maxRedeliveries
        + ", max-store-batch="
        + maxStoreBatch
        + ", confirm-batch-size="
        + confirmBatchSize
        + ", confirm-flush-interval="
        + confirmFlushInterval
        + ", snapshot-every="
        + snapshotEvery
        + ", keep-snapshots="
        + keepSnapshots
        + ", stash-capacity="
        + stashCapacity
        + ", journal-plugin-id="
        + journalPluginId
        + ", snapshot-plugin-id="
        + snapshotPluginId
        + ")";
  }

  /** Mutable builder; not thread-safe. Setters validate in {@link #build()}. */
  public static final class Builder {
    private String path = CONFIG_PATH;
    private int window = 1;
    private int maxUnconfirmed = 10_000;
    private int maxRedeliveries = 3;
    private int maxStoreBatch = 1000;
    private int confirmBatchSize = 100;
    private Duration confirmFlushInterval = Duration.ofMillis(50);
    private int snapshotEvery = 1000;
    private int keepSnapshots = 2;
    private int stashCapacity = 10_000;
    private String journalPluginId = "";
    private String snapshotPluginId = "";
    private PoisonMessageHandler poisonHandler = PoisonMessageHandler.DEAD_LETTERS;

    private Builder() {}

    /** Key {@code window}: messages in flight to the inner behavior, at least 1. */
    public Builder window(int window) {
      this.window = window;
      return this;
    }

    /** Key {@code max-unconfirmed}: at least 1. */
    public Builder maxUnconfirmed(int maxUnconfirmed) {
      this.maxUnconfirmed = maxUnconfirmed;
      return this;
    }

    /** Key {@code max-redeliveries}: at least 0. */
    public Builder maxRedeliveries(int maxRedeliveries) {
      this.maxRedeliveries = maxRedeliveries;
      return this;
    }

    /** Key {@code max-store-batch}: at least 1. */
    public Builder maxStoreBatch(int maxStoreBatch) {
      this.maxStoreBatch = maxStoreBatch;
      return this;
    }

    /** Key {@code confirm-batch-size}: at least 1. */
    public Builder confirmBatchSize(int confirmBatchSize) {
      this.confirmBatchSize = confirmBatchSize;
      return this;
    }

    /** Key {@code confirm-flush-interval}: greater than zero. */
    public Builder confirmFlushInterval(Duration confirmFlushInterval) {
      this.confirmFlushInterval = confirmFlushInterval;
      return this;
    }

    /** Key {@code snapshot-every}: at least 1. */
    public Builder snapshotEvery(int snapshotEvery) {
      this.snapshotEvery = snapshotEvery;
      return this;
    }

    /** Key {@code keep-snapshots}: at least 1. */
    public Builder keepSnapshots(int keepSnapshots) {
      this.keepSnapshots = keepSnapshots;
      return this;
    }

    /** Key {@code stash-capacity}: at least 1. */
    public Builder stashCapacity(int stashCapacity) {
      this.stashCapacity = stashCapacity;
      return this;
    }

    /** Key {@code journal-plugin-id}: empty for the default journal. */
    public Builder journalPluginId(String journalPluginId) {
      this.journalPluginId = journalPluginId;
      return this;
    }

    /** Key {@code snapshot-plugin-id}: empty for the default snapshot store. */
    public Builder snapshotPluginId(String snapshotPluginId) {
      this.snapshotPluginId = snapshotPluginId;
      return this;
    }

    /** Where poisoned messages go (not configurable in HOCON); default dead letters. */
    public Builder poisonHandler(PoisonMessageHandler poisonHandler) {
      this.poisonHandler = poisonHandler;
      return this;
    }

    /**
     * Validates and builds.
     *
     * @throws IllegalArgumentException naming the configuration path and key of a bad value
     */
    public DurableMailboxSettings build() {
      atLeast("window", window, 1);
      atLeast("max-unconfirmed", maxUnconfirmed, 1);
      atLeast("max-redeliveries", maxRedeliveries, 0);
      atLeast("max-store-batch", maxStoreBatch, 1);
      atLeast("confirm-batch-size", confirmBatchSize, 1);
      atLeast("snapshot-every", snapshotEvery, 1);
      atLeast("keep-snapshots", keepSnapshots, 1);
      atLeast("stash-capacity", stashCapacity, 1);
      if (confirmFlushInterval == null
          || confirmFlushInterval.isNegative()
          || confirmFlushInterval.isZero()) {
        throw new IllegalArgumentException(
            path + ".confirm-flush-interval must be > 0, was " + confirmFlushInterval);
      }
      if (journalPluginId == null) {
        throw new IllegalArgumentException(path + ".journal-plugin-id must not be null");
      }
      if (snapshotPluginId == null) {
        throw new IllegalArgumentException(path + ".snapshot-plugin-id must not be null");
      }
      if (poisonHandler == null) {
        throw new IllegalArgumentException("poisonHandler must not be null");
      }
      return new DurableMailboxSettings(this);
    }

    private void atLeast(String key, int value, int min) {
      if (value < min) {
        throw new IllegalArgumentException(
            path + "." + key + " must be >= " + min + ", was " + value);
      }
    }
  }
}
