package io.github.elasticq.mailbox;

import com.typesafe.config.Config;
import io.github.elasticq.queue.ElasticBuffer;
import io.github.elasticq.queue.QueueConfig;
import org.apache.pekko.actor.ActorRef;
import org.apache.pekko.actor.ActorSystem;
import org.apache.pekko.dispatch.MessageQueue;
import org.apache.pekko.dispatch.ProducesMessageQueue;

/**
 * An ElasticQ mailbox whose queue many actors may consume: backed by an {@link ElasticBuffer}, with
 * {@link ElasticSharedMessageQueueSemantics} (a {@code MultipleConsumerSemantics}), for {@code
 * BalancingPool} routees and {@code BalancingDispatcher}s, where all actors of the pool share one
 * queue. Same sizing keys and overflow rule as {@link ElasticMailbox}; keys a section does not set
 * fall back to {@code elasticq.mailbox}. Of the ElasticMailbox-only keys, {@code burst-memory = on}
 * and {@code layout = padded} in the section itself are errors, and any invalid value it sets
 * itself ({@code layout}, {@code idle-shrink-after}) too.
 *
 * <pre>
 * pekko.actor.deployment./workers {
 *   router = balancing-pool
 *   nr-of-instances = 4
 *   pool-dispatcher.mailbox = shared-mailbox
 * }
 * shared-mailbox.mailbox-type = "io.github.elasticq.mailbox.ElasticSharedMailbox"
 * </pre>
 *
 * <p>Pekko creates the shared queue of a balancing dispatcher without owner or system; it appears
 * in the {@link MailboxRegistry} (with an empty owner path) from its first message on, and lives as
 * long as the dispatcher. Constructed once per section and actor system; {@link #create} may be
 * called from any thread.
 */
public final class ElasticSharedMailbox extends AbstractElasticMailboxType
    implements ProducesMessageQueue<ElasticSharedMessageQueue> {

  /**
   * Called by Pekko with the mailbox's configuration section.
   *
   * @throws org.apache.pekko.ConfigurationException if a key is invalid; the message names the
   *     config path of the key
   */
  public ElasticSharedMailbox(ActorSystem.Settings settings, Config config) {
    super(checked(MailboxSettings.of(settings, config, MailboxSettings.ELASTIC_DEFAULTS)));
  }

  /**
   * Validates the keys of the ElasticMailbox sections that the section sets itself, although this
   * type does not use them, so that a typo fails as it would there. Rejects {@code burst-memory =
   * on} and {@code layout = padded} set in the section itself: the shared queue has many consumers
   * and no owning actor whose run could trim it, and one lock-based layout, so the setting would be
   * ignored; an error says so instead. The same keys in the defaults ({@code elasticq.mailbox},
   * meant for the ElasticMailbox sections) do not apply here and are ignored.
   */
  private static MailboxSettings checked(MailboxSettings s) {
    if (s.setsItself("burst-memory") && s.burstMemory()) {
      throw s.invalid(
          "burst-memory",
          "is not supported by ElasticSharedMailbox (ElasticMailbox and QosMailbox have it); set"
              + " it off");
    }
    if (s.setsItself("layout") && s.paddedLayout()) {
      throw s.invalid(
          "layout",
          "padded is not supported by ElasticSharedMailbox (its queue has one layout; ElasticMailbox"
              + " and QosMailbox have it); set it compact");
    }
    if (s.setsItself("idle-shrink-after")) {
      s.idleShrinkAfter(); // unused without burst memory, but an invalid value is still an error
    }
    return s;
  }

  @Override
  MessageQueue newQueue(QueueFamily family, QueueConfig config, ActorRef owner) {
    return new ElasticSharedMessageQueue(family, config, owner);
  }
}
