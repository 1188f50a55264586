package io.github.elasticq.mailbox.kamon;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigRenderOptions;
import com.typesafe.config.ConfigValueType;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;
import org.apache.pekko.ConfigurationException;

/**
 * The validated {@code elasticq.kamon} section. Immutable; any thread.
 *
 * <pre>
 * elasticq.kamon {
 *   enabled = off
 *   poll-interval = 1s
 *   per-actor.includes = []             # e.g. ["/user/orders/*", "/user/ingest/**"]
 *   time-in-mailbox.sample-every = 64   # 0: no time-in-mailbox metric
 * }
 * </pre>
 *
 * <p>Path patterns match the actor path without its address ({@code /user/orders/42}): {@code *}
 * stands for any characters within one path element, {@code **} for any characters across elements.
 */
public final class KamonSettings {

  /** The configuration path of the section. */
  public static final String PATH = "elasticq.kamon";

  private static final Set<String> KEYS =
      Set.of("enabled", "poll-interval", "per-actor.includes", "time-in-mailbox.sample-every");

  private final boolean enabled;
  private final Duration pollInterval;
  private final List<String> perActorIncludes;
  private final List<Pattern> perActorPatterns;
  private final int sampleEvery;

  private KamonSettings(
      boolean enabled, Duration pollInterval, List<String> includes, int sampleEvery) {
    this.enabled = enabled;
    this.pollInterval = pollInterval;
    this.perActorIncludes = List.copyOf(includes);
    List<Pattern> patterns = new ArrayList<>(includes.size());
    for (String glob : includes) {
      patterns.add(globToPattern(glob));
    }
    this.perActorPatterns = List.copyOf(patterns);
    this.sampleEvery = sampleEvery;
  }

  /**
   * Reads and validates {@code elasticq.kamon} of {@code config} (a whole system configuration).
   *
   * @throws ConfigurationException naming the key when a key is unknown, missing or invalid
   */
  public static KamonSettings fromConfig(Config config) {
    if (!config.hasPath(PATH)) {
      throw new ConfigurationException(
          PATH + " is missing: the module's reference.conf was not loaded");
    }
    Config section;
    try {
      section = config.getConfig(PATH);
    } catch (ConfigException e) {
      throw new ConfigurationException(PATH + " must be an object: " + e.getMessage(), e);
    }
    for (var entry : section.entrySet()) {
      if (!KEYS.contains(entry.getKey())) {
        throw new ConfigurationException(
            PATH + "." + entry.getKey() + " is not a known key; known keys: " + sorted(KEYS));
      }
    }
    boolean enabled = read(section, "enabled", () -> section.getBoolean("enabled"));
    Duration poll = read(section, "poll-interval", () -> section.getDuration("poll-interval"));
    if (poll.isZero() || poll.isNegative()) {
      throw invalid(
          "poll-interval", "must be > 0, was " + section.getValue("poll-interval").unwrapped());
    }
    ConfigValueType includesType =
        read(
            section,
            "per-actor.includes",
            () -> section.getValue("per-actor.includes").valueType());
    if (includesType != ConfigValueType.LIST) {
      throw invalid("per-actor.includes", "must be a list of actor path patterns");
    }
    List<String> includes =
        read(section, "per-actor.includes", () -> section.getStringList("per-actor.includes"));
    for (String p : includes) {
      if (p.isBlank() || !p.startsWith("/")) {
        throw invalid("per-actor.includes", "\"" + p + "\" (a pattern starts with '/')");
      }
    }
    int sampleEvery =
        read(
            section,
            "time-in-mailbox.sample-every",
            () -> section.getInt("time-in-mailbox.sample-every"));
    if (sampleEvery < 0) {
      throw invalid("time-in-mailbox.sample-every", sampleEvery + " (must be >= 0; 0 is off)");
    }
    if (section.getDouble("time-in-mailbox.sample-every") != sampleEvery) { // getInt truncates
      throw invalid(
          "time-in-mailbox.sample-every",
          section.getValue("time-in-mailbox.sample-every").render(ConfigRenderOptions.concise())
              + " (must be a whole number, an envelope count)");
    }
    return new KamonSettings(enabled, poll, includes, sampleEvery);
  }

  private interface Reader<T> {
    T read();
  }

  private static <T> T read(Config section, String key, Reader<T> reader) {
    if (!section.hasPath(key)) {
      throw invalid(key, "is missing");
    }
    try {
      return reader.read();
    } catch (ConfigException e) {
      throw new ConfigurationException(PATH + "." + key + " is invalid: " + e.getMessage(), e);
    }
  }

  private static ConfigurationException invalid(String key, String what) {
    return new ConfigurationException(PATH + "." + key + " is invalid: " + what);
  }

  private static List<String> sorted(Set<String> keys) {
    List<String> l = new ArrayList<>(keys);
    l.sort(null);
    return l;
  }

  private static Pattern globToPattern(String glob) {
    StringBuilder re = new StringBuilder();
    for (int i = 0; i < glob.length(); i++) {
      char c = glob.charAt(i);
      if (c == '*') {
        if (i + 1 < glob.length() && glob.charAt(i + 1) == '*') {
          re.append(".*");
          i++;
        } else {
          re.append("[^/]*");
        }
      } else {
        re.append(Pattern.quote(String.valueOf(c)));
      }
    }
    return Pattern.compile(re.toString());
  }

  /** {@code elasticq.kamon.enabled}. */
  public boolean enabled() {
    return enabled;
  }

  /** How often the registry's counters are read and exported. */
  public Duration pollInterval() {
    return pollInterval;
  }

  /** The per-actor path patterns as configured. */
  public List<String> perActorIncludes() {
    return perActorIncludes;
  }

  /** About one envelope in this many is timed; 0 disables the time-in-mailbox metric. */
  public int sampleEvery() {
    return sampleEvery;
  }

  /** Whether the actor at {@code path} (full path with address, or without) gets its own series. */
  public boolean perActor(String path) {
    if (perActorPatterns.isEmpty() || path.isEmpty()) {
      return false;
    }
    String local = withoutAddress(path);
    for (Pattern p : perActorPatterns) {
      if (p.matcher(local).matches()) {
        return true;
      }
    }
    return false;
  }

  static String withoutAddress(String path) {
    int scheme = path.indexOf("://");
    if (scheme < 0) {
      return path;
    }
    int slash = path.indexOf('/', scheme + 3);
    return slash < 0 ? "/" : path.substring(slash);
  }

  @Override
  public String toString() {
    return "KamonSettings{enabled="
        + enabled
        + ", poll-interval="
        + pollInterval
        + ", per-actor.includes="
        + perActorIncludes
        + ", time-in-mailbox.sample-every="
        + sampleEvery
        + '}';
  }
}
