package io.github.elasticq.bench;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;

/**
 * The mailbox types under comparison, by the names the benchmarks take as {@code @Param}, as Pekko
 * configuration: each benchmark actor is created with {@code Props.withMailbox("bench-mailbox")}.
 * The bounded peers get a capacity larger than any burst the benchmarks send, so none of them drops
 * a message; BoundedMailbox has a push timeout of 0 (never blocks the sender).
 */
public final class Mailboxes {
  /** The config path of the mailbox section every benchmark actor uses. */
  public static final String PATH = "bench-mailbox";

  /** Capacity of the bounded peers: above the 100,000-message burst. */
  static final int BOUNDED_CAPACITY = 131_072;

  private Mailboxes() {}

  /**
   * The mailbox section for {@code name}. An ElasticMailbox, QosMailbox or SortingQosMailbox name
   * may end in {@code +key=value} settings of that mailbox's section (dashes kept, no spaces), each
   * its own line after the named variant's, so that a benchmark can try a setting without a new
   * name: for example {@code ElasticMailbox+padded+min-capacity=256+initial-capacity=256}.
   */
  static String section(String name) {
    int settings = name.indexOf('=');
    if (settings > 0) {
      int cut = name.lastIndexOf('+', settings);
      if (cut < 1) {
        throw new IllegalArgumentException("settings follow a mailbox name and '+': " + name);
      }
      String base = name.substring(0, cut);
      if (!base.startsWith("ElasticMailbox")
          && !base.startsWith("QosMailbox")
          && !base.startsWith("SortingQosMailbox")) {
        throw new IllegalArgumentException(
            "settings apply to ElasticMailbox, QosMailbox and SortingQosMailbox: " + name);
      }
      StringBuilder section = new StringBuilder(section(base));
      for (String setting : name.substring(cut + 1).split("\\+")) {
        if (setting.indexOf('=') < 1) {
          throw new IllegalArgumentException("not a key=value setting: " + setting + " in " + name);
        }
        section.append('\n').append(setting.replace("=", " = "));
      }
      return section.toString();
    }
    String ring =
        name.startsWith(RingMailbox.PREFIX) ? name.substring(RingMailbox.PREFIX.length()) : "";
    if (RingMailbox.RINGS.contains(ring)) {
      return "mailbox-type = \"" + RingMailbox.class.getName() + "\"\nring = " + ring;
    }
    return switch (name) {
      case "ElasticMailbox" -> "mailbox-type = \"io.github.elasticq.mailbox.ElasticMailbox\"";
      case "ElasticMailbox+padded" ->
          "mailbox-type = \"io.github.elasticq.mailbox.ElasticMailbox\", layout = padded";
      case "ElasticMailbox+padded+burst-memory" ->
          "mailbox-type = \"io.github.elasticq.mailbox.ElasticMailbox\", layout = padded,"
              + " burst-memory = on";
      case "SingleConsumerOnlyUnboundedMailbox" ->
          "mailbox-type = \"org.apache.pekko.dispatch.SingleConsumerOnlyUnboundedMailbox\"";
      case "UnboundedMailbox" -> "mailbox-type = \"org.apache.pekko.dispatch.UnboundedMailbox\"";
      case "NonBlockingBoundedMailbox" ->
          "mailbox-type = \"org.apache.pekko.dispatch.NonBlockingBoundedMailbox\"\n"
              + "mailbox-capacity = "
              + BOUNDED_CAPACITY;
      case "BoundedMailbox" ->
          "mailbox-type = \"org.apache.pekko.dispatch.BoundedMailbox\"\n"
              + "mailbox-capacity = "
              + BOUNDED_CAPACITY
              + "\nmailbox-push-timeout-time = 0s";
      case "QosMailbox" -> "mailbox-type = \"io.github.elasticq.mailbox.QosMailbox\"";
      case "QosMailboxStrict" ->
          "mailbox-type = \"io.github.elasticq.mailbox.QosMailbox\"\nfairness = strict";
      case "SortingQosMailbox" -> "mailbox-type = \"" + SortingQosMailbox.class.getName() + "\"";
      case "SortingQosMailbox+padded" ->
          "mailbox-type = \"" + SortingQosMailbox.class.getName() + "\"\nlayout = padded";
      case "SortingQosMailbox+padded+one-level" ->
          "mailbox-type = \""
              + SortingQosMailbox.class.getName()
              + "\"\nlayout = padded\none-level = on";
      case "UnboundedStablePriorityMailbox" ->
          "mailbox-type = \"" + ThreeLevelPriorityMailbox.class.getName() + "\"";
      default -> throw new IllegalArgumentException("unknown mailbox: " + name);
    };
  }

  /** A full actor-system config using mailbox {@code name} for {@value #PATH}. */
  public static Config systemConfig(String name) {
    String text =
        PATH
            + " {\n"
            + section(name)
            + "\n}\n"
            + "pekko.log-dead-letters = off\n"
            + "pekko.log-dead-letters-during-shutdown = off\n"
            + "pekko.loglevel = WARNING\n"
            + "pekko.stdout-loglevel = WARNING\n";
    return ConfigFactory.parseString(text).withFallback(ConfigFactory.load()).resolve();
  }
}
