package io.github.elasticq.mailbox;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigObject;
import com.typesafe.config.ConfigRenderOptions;
import com.typesafe.config.ConfigValue;
import io.github.elasticq.queue.QosQueue;
import io.github.elasticq.queue.QueueConfig;
import java.lang.reflect.Constructor;
import java.lang.reflect.InvocationTargetException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.apache.pekko.ConfigurationException;
import org.apache.pekko.actor.ActorSystem;

/**
 * Reads and validates one mailbox configuration section, falling back to the module's defaults.
 * Every error is a {@link ConfigurationException} naming the full config path of the offending key.
 * Used only while a mailbox type is constructed (once per section per actor system).
 */
final class MailboxSettings {

  static final String ELASTIC_DEFAULTS = "elasticq.mailbox";
  static final String QOS_DEFAULTS = "elasticq.qos-mailbox";

  private final String id;
  private final Config explicit;
  private final Config config;
  private final List<String> unknownKeys;

  private MailboxSettings(String id, Config explicit, Config config, List<String> unknownKeys) {
    this.id = id;
    this.explicit = explicit;
    this.config = config;
    this.unknownKeys = unknownKeys;
  }

  /**
   * @param settings the actor system's settings (its config holds the reference defaults)
   * @param section the section Pekko passes to the mailbox type; Pekko adds an {@code id} key
   * @param defaultsPath where the defaults live, e.g. {@code elasticq.mailbox}
   */
  static MailboxSettings of(ActorSystem.Settings settings, Config section, String defaultsPath) {
    String id = section.hasPath("id") ? section.getString("id") : defaultsPath;
    Config systemConfig = settings.config();
    Config defaults =
        systemConfig.hasPath(defaultsPath)
            ? systemConfig.getConfig(defaultsPath)
            : ConfigFactory.defaultReference().getConfig(defaultsPath);
    // What the section sets itself: Pekko passes it with pekko.actor.default-mailbox as fallback,
    // so a key of the default mailbox (layout = padded for every actor) would look set here.
    Config own = section;
    if (section.hasPath("id") && systemConfig.hasPath(id)) {
      try {
        own = systemConfig.getConfig(id);
      } catch (ConfigException.WrongType notASection) {
        // keep the section as passed
      }
    }
    return new MailboxSettings(
        id, own, section.withFallback(defaults), unknownKeys(own, defaults, systemConfig));
  }

  /**
   * The keys the section sets that neither this mailbox type nor Pekko reads: a misspelt key
   * ({@code max-capcity}) or one of another mailbox type ({@code levels} in an ElasticMailbox
   * section) is silently ignored otherwise. Pekko's own keys count as known: those of {@code
   * pekko.actor.default-mailbox}, and those of {@code pekko.actor.default-dispatcher}, since a
   * dispatcher section that names a {@code mailbox-type} is the section the mailbox gets. Inside a
   * section of the defaults ({@code shedding}) each key is compared too: {@code shedding.treshold}
   * left shedding off without a word. Sorted.
   */
  private static List<String> unknownKeys(Config own, Config defaults, Config systemConfig) {
    Set<String> known = new HashSet<>(defaults.root().keySet());
    known.add("id");
    for (String pekko : List.of("pekko.actor.default-mailbox", "pekko.actor.default-dispatcher")) {
      if (systemConfig.hasPath(pekko)) {
        known.addAll(systemConfig.getConfig(pekko).root().keySet());
      }
    }
    List<String> out = new ArrayList<>();
    for (Map.Entry<String, ConfigValue> e : own.root().entrySet()) {
      String key = e.getKey();
      if (!known.contains(key)) {
        out.add(key);
      } else if (e.getValue() instanceof ConfigObject set
          && defaults.root().get(key) instanceof ConfigObject read) {
        unknownUnder(key, set, read, out); // shedding.treshold: shedding itself is known
      }
    }
    out.sort(null);
    return List.copyOf(out);
  }

  /** The keys of {@code set} (at {@code path}) that {@code read} does not hold, recursively. */
  private static void unknownUnder(
      String path, ConfigObject set, ConfigObject read, List<String> out) {
    for (Map.Entry<String, ConfigValue> e : set.entrySet()) {
      String key = path + '.' + e.getKey();
      ConfigValue defaultValue = read.get(e.getKey());
      if (defaultValue == null) {
        out.add(key);
      } else if (e.getValue() instanceof ConfigObject nested
          && defaultValue instanceof ConfigObject nestedRead) {
        unknownUnder(key, nested, nestedRead, out);
      }
    }
  }

  /** See {@link #unknownKeys(Config, Config, Config)}; empty when every key is known. */
  List<String> unknownKeys() {
    return unknownKeys;
  }

  /** The mailbox id: the config path of the section. */
  String id() {
    return id;
  }

  /** The section with the defaults applied. */
  Config config() {
    return config;
  }

  QueueConfig queueConfig() {
    int max = integer("max-capacity");
    if (max <= 0) {
      throw invalid("max-capacity", "must be > 0, was " + max);
    }
    int min = capacity("min-capacity");
    int initial = capacity("initial-capacity");
    // Defaults that the user did not set follow a smaller max-capacity instead of failing.
    if (!explicit.hasPath("min-capacity")) {
      min = Math.min(min, max);
    }
    if (!explicit.hasPath("initial-capacity")) {
      initial = Math.min(Math.max(initial, min), max);
    }
    if (min > max) {
      throw invalid("min-capacity", "must be <= max-capacity (" + max + "), was " + min);
    }
    if (initial < min || initial > max) {
      throw invalid(
          "initial-capacity",
          "must lie between min-capacity ("
              + min
              + ") and max-capacity ("
              + max
              + "), was "
              + initial);
    }
    double growth = number("growth-factor");
    if (!(growth > 1.0) || Double.isInfinite(growth)) {
      throw invalid("growth-factor", "must be a finite number > 1.0, was " + growth);
    }
    double shrink = number("shrink-threshold");
    if (!(shrink > 0.0 && shrink < 1.0)) {
      throw invalid("shrink-threshold", "must be > 0 and < 1, was " + shrink);
    }
    try {
      return QueueConfig.builder()
          .maxCapacity(max)
          .minCapacity(min)
          .initialCapacity(initial)
          .growthFactor(growth)
          .shrinkThreshold(shrink)
          .build();
    } catch (IllegalArgumentException e) {
      throw new ConfigurationException(
          "Invalid ElasticQ mailbox configuration at [" + id + "]: " + e.getMessage(), e);
    }
  }

  /**
   * {@code layout}: true for {@code padded}, false for {@code compact} (ElasticMailbox, and each
   * level of a QosMailbox).
   */
  boolean paddedLayout() {
    String value = string("layout");
    switch (value.trim().toLowerCase(Locale.ROOT)) {
      case "compact":
        return false;
      case "padded":
        return true;
      default:
        throw invalid("layout", "must be compact or padded, was [" + value + "]");
    }
  }

  /** Whether the section itself sets {@code key} (not only the defaults it falls back to). */
  boolean setsItself(String key) {
    return explicit.hasPath(key);
  }

  /** {@code burst-memory}: whether each queue keeps its capacity across recurring bursts. */
  boolean burstMemory() {
    try {
      return config.getBoolean("burst-memory");
    } catch (ConfigException e) {
      throw invalid("burst-memory", "must be on or off, was [" + string("burst-memory") + "]", e);
    }
  }

  /**
   * {@code idle-shrink-after}: with burst memory, how long an actor must leave its queue empty and
   * quiet before the registry returns it to {@code min-capacity}; strictly positive.
   */
  Duration idleShrinkAfter() {
    Duration d;
    try {
      d = config.getDuration("idle-shrink-after");
    } catch (ConfigException e) {
      throw invalid("idle-shrink-after", "must be a duration such as 1s: " + e.getMessage(), e);
    }
    if (d.isNegative() || d.isZero()) {
      throw invalid(
          "idle-shrink-after", "must be > 0, was " + config.getString("idle-shrink-after"));
    }
    return d;
  }

  int levels() {
    int levels = integer("levels");
    if (levels < 1 || levels > QosQueue.MAX_LEVELS) {
      throw invalid("levels", "must be between 1 and " + QosQueue.MAX_LEVELS + ", was " + levels);
    }
    return levels;
  }

  int defaultLevel(int levels) {
    int level = integer("default-level");
    if (level < 0 || level >= levels) {
      throw invalid("default-level", "must be between 0 and " + (levels - 1) + ", was " + level);
    }
    return level;
  }

  QosQueue.Fairness fairness() {
    String value = string("fairness");
    switch (value.trim().toLowerCase(Locale.ROOT)) {
      case "strict":
        return QosQueue.Fairness.STRICT;
      case "weighted":
        return QosQueue.Fairness.WEIGHTED;
      default:
        throw invalid("fairness", "must be strict or weighted, was [" + value + "]");
    }
  }

  /**
   * {@code shedding.threshold}: 0 (off), or the fraction of {@code max-capacity} of total queued
   * user messages (all levels) from which the levels below {@code shedding.below-level} are
   * refused.
   */
  double sheddingThreshold() {
    double threshold = number("shedding.threshold");
    if (!(threshold == 0.0 || (threshold > 0.0 && threshold <= 1.0))) {
      throw invalid("shedding.threshold", "must be 0 (off) or > 0 and <= 1, was " + threshold);
    }
    return threshold;
  }

  /** {@code shedding.below-level}: levels below it are shed; 1..levels-1 when shedding is on. */
  int sheddingBelowLevel(int levels, double threshold) {
    int level = integer("shedding.below-level");
    if (threshold > 0.0 && (level < 1 || level > levels - 1)) {
      throw invalid(
          "shedding.below-level",
          "must be between 1 and levels - 1 ("
              + (levels - 1)
              + ") while shedding.threshold is on, was "
              + level);
    }
    return level;
  }

  /** The weights, validated only for {@link QosQueue.Fairness#WEIGHTED}; null for strict. */
  int[] weights(QosQueue.Fairness fairness, int levels) {
    if (fairness != QosQueue.Fairness.WEIGHTED) {
      return null;
    }
    List<Integer> list;
    try {
      list = config.getIntList("weights");
      List<Double> exact = config.getDoubleList("weights"); // getIntList truncates 1.5 to 1
      for (int i = 0; i < list.size(); i++) {
        if (exact.get(i) != list.get(i).intValue()) {
          throw invalid(
              "weights",
              "must be a list of whole numbers, one per level, was "
                  + config.getValue("weights").render(ConfigRenderOptions.concise()));
        }
      }
    } catch (ConfigException e) {
      throw invalid("weights", "must be a list of integers, one per level: " + e.getMessage(), e);
    }
    if (list.size() != levels) {
      throw invalid(
          "weights",
          "must hold one weight per level (levels = "
              + levels
              + "), lowest level first, was "
              + list);
    }
    int[] weights = new int[levels];
    for (int i = 0; i < levels; i++) {
      weights[i] = list.get(i);
      if (weights[i] < 1) {
        throw invalid("weights", "every weight must be >= 1, was " + list);
      }
    }
    return weights;
  }

  /** The configured classifier, instantiated now, or null if the key is empty. */
  QosClassifier classifier() {
    String fqcn = string("classifier").trim();
    if (fqcn.isEmpty()) {
      return null;
    }
    Class<?> type;
    try {
      type = loadClass(fqcn);
    } catch (ClassNotFoundException | LinkageError e) {
      throw invalid("classifier", "class [" + fqcn + "] cannot be loaded: " + e, e);
    }
    if (!QosClassifier.class.isAssignableFrom(type)) {
      throw invalid(
          "classifier", "class [" + fqcn + "] does not implement " + QosClassifier.class.getName());
    }
    try {
      Object instance;
      Constructor<?> withConfig = constructor(type, Config.class);
      if (withConfig != null) {
        instance = withConfig.newInstance(config);
      } else {
        Constructor<?> noArgs = constructor(type);
        if (noArgs == null) {
          throw invalid(
              "classifier",
              "class ["
                  + fqcn
                  + "] needs a public constructor taking com.typesafe.config.Config or no"
                  + " arguments");
        }
        instance = noArgs.newInstance();
      }
      return (QosClassifier) instance;
    } catch (InvocationTargetException e) {
      throw invalid(
          "classifier", "constructor of [" + fqcn + "] failed: " + e.getCause(), e.getCause());
    } catch (ReflectiveOperationException e) {
      throw invalid("classifier", "class [" + fqcn + "] cannot be instantiated: " + e, e);
    }
  }

  private static Constructor<?> constructor(Class<?> type, Class<?>... params) {
    try {
      return type.getConstructor(params);
    } catch (NoSuchMethodException e) {
      return null;
    }
  }

  /**
   * Loads {@code fqcn} through the creating thread's context class loader, as Pekko finds its class
   * loader, then through the loader of this module (the one Pekko loaded the mailbox type with): a
   * context loader that cannot see the class (a framework's, a bare thread's) made a valid
   * classifier fail to load.
   */
  private static Class<?> loadClass(String fqcn) throws ClassNotFoundException {
    ClassLoader context = Thread.currentThread().getContextClassLoader();
    ClassLoader own = MailboxSettings.class.getClassLoader();
    if (context != null && context != own) {
      try {
        return Class.forName(fqcn, true, context);
      } catch (ClassNotFoundException notThere) {
        // try this module's loader
      }
    }
    return Class.forName(fqcn, true, own);
  }

  private int capacity(String key) {
    int value = integer(key);
    if (value <= 0) {
      throw invalid(key, "must be > 0, was " + value);
    }
    if (value > QueueConfig.CAPACITY_LIMIT) {
      throw invalid(key, "must be <= " + QueueConfig.CAPACITY_LIMIT + " (2^30), was " + value);
    }
    return value;
  }

  private int integer(String key) {
    try {
      int value = config.getInt(key);
      if (config.getDouble(key) != value) { // getInt truncates 2.9 to 2 without a word
        throw invalid(
            key,
            "must be a whole number, was "
                + config.getValue(key).render(ConfigRenderOptions.concise()));
      }
      return value;
    } catch (ConfigException e) {
      throw invalid(key, e.getMessage(), e);
    }
  }

  private double number(String key) {
    try {
      return config.getDouble(key);
    } catch (ConfigException e) {
      throw invalid(key, e.getMessage(), e);
    }
  }

  private String string(String key) {
    try {
      return config.getString(key);
    } catch (ConfigException e) {
      throw invalid(key, e.getMessage(), e);
    }
  }

  ConfigurationException invalid(String key, String problem) {
    return invalid(key, problem, null);
  }

  private ConfigurationException invalid(String key, String problem, Throwable cause) {
    return new ConfigurationException(
        "Invalid ElasticQ mailbox configuration [" + id + "." + key + "]: " + problem, cause);
  }
}
