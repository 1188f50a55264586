package io.github.elasticq.persistence.kamon;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigRenderOptions;
import com.typesafe.config.ConfigValueType;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.apache.pekko.ConfigurationException;

/**
 * The validated {@code elasticq.kamon} section as the journal metrics read it. The section is
 * shared with the mailbox metrics (elasticq-mailbox validates it the same way when present), so
 * every key of it is known here. Immutable; any thread.
 */
public final class JournalKamonSettings {

  /** The configuration path of the section. */
  public static final String PATH = "elasticq.kamon";

  private static final Set<String> KEYS =
      Set.of("enabled", "poll-interval", "per-actor.includes", "time-in-mailbox.sample-every");

  private final boolean enabled;
  private final Duration pollInterval;

  private JournalKamonSettings(boolean enabled, Duration pollInterval) {
    this.enabled = enabled;
    this.pollInterval = pollInterval;
  }

  /**
   * Reads and validates {@code elasticq.kamon} of a whole system configuration.
   *
   * @throws ConfigurationException naming the key when a key is unknown, missing or invalid
   */
  public static JournalKamonSettings fromConfig(Config config) {
    Config section;
    try {
      section = config.getConfig(PATH);
    } catch (ConfigException e) {
      throw new ConfigurationException(PATH + " is missing or not an object: " + e.getMessage(), e);
    }
    for (var entry : section.entrySet()) {
      if (!KEYS.contains(entry.getKey())) {
        throw new ConfigurationException(
            PATH
                + "."
                + entry.getKey()
                + " is not a known key; known keys: "
                + new TreeSet<>(KEYS));
      }
    }
    try {
      boolean enabled = section.getBoolean("enabled");
      Duration poll = section.getDuration("poll-interval");
      if (poll.isZero() || poll.isNegative()) {
        throw new ConfigurationException(
            PATH
                + ".poll-interval is invalid: must be > 0, was "
                + section.getValue("poll-interval").unwrapped());
      }
      if (section.getValue("per-actor.includes").valueType() != ConfigValueType.LIST) {
        throw new ConfigurationException(
            PATH + ".per-actor.includes is invalid: must be a list of actor path patterns");
      }
      List<String> unused = section.getStringList("per-actor.includes");
      if (unused.stream().anyMatch(p -> !p.startsWith("/"))) {
        throw new ConfigurationException(
            PATH + ".per-actor.includes is invalid: a pattern starts with '/'");
      }
      int sampleEvery = section.getInt("time-in-mailbox.sample-every");
      if (sampleEvery < 0) {
        throw new ConfigurationException(
            PATH + ".time-in-mailbox.sample-every is invalid: must be >= 0 (0 is off)");
      }
      if (section.getDouble("time-in-mailbox.sample-every") != sampleEvery) { // getInt truncates
        throw new ConfigurationException(
            PATH
                + ".time-in-mailbox.sample-every is invalid: "
                + section
                    .getValue("time-in-mailbox.sample-every")
                    .render(ConfigRenderOptions.concise())
                + " (must be a whole number, an envelope count)");
      }
      return new JournalKamonSettings(enabled, poll);
    } catch (ConfigException e) {
      // Typesafe Config names the key relative to the section, e.g. "poll-interval".
      throw new ConfigurationException(PATH + " is invalid: " + e.getMessage(), e);
    }
  }

  /** {@code elasticq.kamon.enabled}. */
  public boolean enabled() {
    return enabled;
  }

  /** How often the journal counters are read. */
  public Duration pollInterval() {
    return pollInterval;
  }

  @Override
  public String toString() {
    return "JournalKamonSettings{enabled=" + enabled + ", poll-interval=" + pollInterval + '}';
  }
}
