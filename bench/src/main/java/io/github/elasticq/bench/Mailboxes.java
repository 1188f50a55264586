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

  /** The mailbox section for {@code name}. */
  static String section(String name) {
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
