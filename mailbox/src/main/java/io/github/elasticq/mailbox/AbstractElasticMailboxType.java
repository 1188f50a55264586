package io.github.elasticq.mailbox;

import com.typesafe.config.Config;
import io.github.elasticq.queue.QueueConfig;
import org.apache.pekko.actor.ActorRef;
import org.apache.pekko.actor.ActorSystem;
import org.apache.pekko.dispatch.MailboxType;
import org.apache.pekko.dispatch.MessageQueue;

/**
 * INTERNAL API: what {@link ElasticMailbox} and {@link ElasticSharedMailbox} share: the validated
 * section, the registry lookup and {@code create}. Subclasses only choose the queue.
 */
abstract class AbstractElasticMailboxType implements MailboxType {

  private final String id;
  private final QueueConfig queueConfig;
  private final RegistryCache registry = new RegistryCache();

  AbstractElasticMailboxType(ActorSystem.Settings settings, Config config) {
    MailboxSettings s = MailboxSettings.of(settings, config, MailboxSettings.ELASTIC_DEFAULTS);
    this.id = s.id();
    this.queueConfig = s.queueConfig();
  }

  /** The configuration path this mailbox type was created from. Any thread. */
  public final String id() {
    return id;
  }

  /** The validated sizing of every queue this type creates. Any thread. */
  public final QueueConfig queueConfig() {
    return queueConfig;
  }

  /**
   * Creates a queue and registers it with the system's {@link MailboxRegistry}. Either option may
   * be empty (system-internal use, or the shared queue of a balancing dispatcher); the queue then
   * registers on its first message. Any thread.
   */
  @Override
  public final MessageQueue create(scala.Option<ActorRef> owner, scala.Option<ActorSystem> system) {
    ActorSystem sys = system.isDefined() ? system.get() : null;
    return newQueue(id, queueConfig, owner.isDefined() ? owner.get() : null, sys, registry.of(sys));
  }

  /** The queue of this mailbox type; the arguments may be null as described in {@link #create}. */
  abstract MessageQueue newQueue(
      String id, QueueConfig config, ActorRef owner, ActorSystem system, MailboxRegistry registry);

  @Override
  public String toString() {
    return getClass().getSimpleName() + "{id=" + id + ", " + queueConfig + '}';
  }
}
