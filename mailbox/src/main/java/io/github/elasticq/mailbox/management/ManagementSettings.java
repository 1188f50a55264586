package io.github.elasticq.mailbox.management;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;
import org.apache.pekko.ConfigurationException;

/**
 * The validated {@code elasticq.management} section as far as the mailboxes use it. Every error is
 * a {@link ConfigurationException} naming the full path of the offending key; a key the section
 * does not have (a misspelling that would leave the default in force) is an error too.
 */
final class ManagementSettings {

  static final String PATH = "elasticq.management";

  /**
   * Every key of the section: it is shared with elasticq-persistence's journal checks ({@code
   * journals}, {@code journal-min-free-space}), which validate it the same way.
   */
  static final Set<String> KEYS =
      Set.of(
          "saturation-threshold",
          "saturation-duration",
          "mailboxes",
          "journals",
          "journal-min-free-space");

  private final double saturationThreshold;
  private final Duration saturationDuration;
  private final List<String> patterns;
  private final List<Pattern> compiled;

  private ManagementSettings(
      double saturationThreshold, Duration saturationDuration, List<String> patterns) {
    this.saturationThreshold = saturationThreshold;
    this.saturationDuration = saturationDuration;
    this.patterns = List.copyOf(patterns);
    List<Pattern> c = new ArrayList<>(patterns.size());
    for (String p : patterns) {
      c.add(glob(p));
    }
    this.compiled = List.copyOf(c);
  }

  /** Reads {@code elasticq.management} from a system's configuration. */
  static ManagementSettings of(Config systemConfig) {
    if (!systemConfig.hasPath(PATH)) {
      throw invalid("", "section is missing (the elasticq-mailbox reference.conf defines it)");
    }
    Config c;
    try {
      c = systemConfig.getConfig(PATH);
    } catch (ConfigException e) {
      throw invalid("", "must be an object: " + e.getMessage());
    }
    for (var entry : c.entrySet()) {
      if (!KEYS.contains(entry.getKey())) {
        throw invalid(entry.getKey(), "is not a known key; known keys: " + new TreeSet<>(KEYS));
      }
    }
    double threshold;
    try {
      threshold = c.getDouble("saturation-threshold");
    } catch (ConfigException e) {
      throw invalid("saturation-threshold", e.getMessage());
    }
    if (!(threshold > 0.0 && threshold <= 1.0)) {
      throw invalid("saturation-threshold", "must be > 0 and <= 1, was " + threshold);
    }
    Duration duration;
    try {
      duration = c.getDuration("saturation-duration");
    } catch (ConfigException e) {
      throw invalid("saturation-duration", e.getMessage());
    }
    if (duration.isNegative()) {
      throw invalid("saturation-duration", "must be >= 0, was " + duration);
    }
    List<String> patterns;
    try {
      patterns = c.getStringList("mailboxes");
    } catch (ConfigException e) {
      throw invalid("mailboxes", "must be a list of mailbox id patterns: " + e.getMessage());
    }
    for (String p : patterns) {
      if (p.isBlank()) {
        throw invalid("mailboxes", "patterns must not be empty, was " + patterns);
      }
    }
    return new ManagementSettings(threshold, duration, patterns);
  }

  double saturationThreshold() {
    return saturationThreshold;
  }

  Duration saturationDuration() {
    return saturationDuration;
  }

  List<String> patterns() {
    return patterns;
  }

  /** Whether the readiness check watches mailbox {@code id}: no patterns, or one matches. */
  boolean watches(String id) {
    if (compiled.isEmpty()) {
      return true;
    }
    for (Pattern p : compiled) {
      if (p.matcher(id).matches()) {
        return true;
      }
    }
    return false;
  }

  /** {@code *} matches any run of characters; everything else is literal. */
  private static Pattern glob(String pattern) {
    StringBuilder regex = new StringBuilder();
    int from = 0;
    for (int star = pattern.indexOf('*'); star >= 0; star = pattern.indexOf('*', from)) {
      if (star > from) {
        regex.append(Pattern.quote(pattern.substring(from, star)));
      }
      regex.append(".*");
      from = star + 1;
    }
    if (from < pattern.length()) {
      regex.append(Pattern.quote(pattern.substring(from)));
    }
    return Pattern.compile(regex.toString());
  }

  private static ConfigurationException invalid(String key, String problem) {
    return new ConfigurationException(
        "Invalid ElasticQ management configuration ["
            + PATH
            + (key.isEmpty() ? "" : "." + key)
            + "]: "
            + problem);
  }
}
