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
  private final QueueFamily.Cache families;

  AbstractElasticMailboxType(ActorSystem.Settings settings, Config config) {
    this(MailboxSettings.of(settings, config, MailboxSettings.ELASTIC_DEFAULTS));
  }

  /** From a section already read, for a subclass that reads more keys of it. */
  AbstractElasticMailboxType(MailboxSettings s) {
    this(s, s.queueConfig());
  }

  /** As {@link #AbstractElasticMailboxType(MailboxSettings)}, with the queues' sizing given. */
  AbstractElasticMailboxType(MailboxSettings s, QueueConfig queueConfig) {
    this.id = s.id();
    this.queueConfig = queueConfig;
    this.families = new QueueFamily.Cache(id, getClass().getName(), s.unknownKeys());
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
    return newQueue(families.of(sys), queueConfig, owner.isDefined() ? owner.get() : null);
  }

  /**
   * The queue of this mailbox type, of {@code family} (without a registry when no actor system was
   * given); {@code owner} may be null as described in {@link #create}.
   */
  abstract MessageQueue newQueue(QueueFamily family, QueueConfig config, ActorRef owner);

  @Override
  public String toString() {
    return getClass().getSimpleName() + "{id=" + id + ", " + queueConfig + '}';
  }
}
