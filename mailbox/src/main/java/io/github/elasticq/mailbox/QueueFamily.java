package io.github.elasticq.mailbox;

import org.apache.pekko.actor.ActorRef;
import org.apache.pekko.actor.ActorSystem;

/**
 * What every queue of one mailbox type in one actor system shares: the mailbox id (config path),
 * the mailbox type's class name, the system's {@link MailboxRegistry} and dead letters. A queue
 * refers to its family instead of holding these four references itself (idle footprint: one queue
 * per actor). Immutable except for {@link #deadLetters}, which a family made without an actor
 * system learns from the first receiver that overflows.
 */
final class QueueFamily {
  final String id;
  final String mailboxType;

  /** The registry of the family's actor system; null for a queue created without one. */
  final MailboxRegistry registry;

  /** Dead letters of the system, or null until a receiver tells us (no actor system given). */
  volatile ActorRef deadLetters;

  QueueFamily(String id, String mailboxType, MailboxRegistry registry, ActorRef deadLetters) {
    this.id = id;
    this.mailboxType = mailboxType;
    this.registry = registry;
    this.deadLetters = deadLetters;
  }

  /**
   * The family of the queues one mailbox type creates, looked up once per actor system so that
   * creating a mailbox costs no extension lookup and no allocation. Any thread; a racy double
   * lookup is harmless.
   */
  static final class Cache {
    private final String id;
    private final String mailboxType;
    private volatile QueueFamily family;

    Cache(String id, String mailboxType) {
      this.id = id;
      this.mailboxType = mailboxType;
    }

    /**
     * The shared family of {@code system}'s queues; for a null system, a new family of one queue
     * (no registry yet: that queue registers on its first message).
     */
    QueueFamily of(ActorSystem system) {
      if (system == null) {
        return new QueueFamily(id, mailboxType, null, null);
      }
      QueueFamily f = family;
      if (f == null || !f.registry.belongsTo(system)) {
        f = new QueueFamily(id, mailboxType, MailboxRegistry.get(system), system.deadLetters());
        family = f;
      }
      return f;
    }
  }
}
