package io.github.elasticq.mailbox;

import java.util.List;
import org.apache.pekko.actor.ActorPath;
import org.apache.pekko.actor.ActorRef;
import org.apache.pekko.actor.ActorSystem;

/**
 * What every queue of one mailbox type in one actor system shares: the mailbox id (config path),
 * the mailbox type's class name, the system's {@link MailboxRegistry}, its time-in-mailbox sampling
 * rate and dead letters. A queue refers to its family instead of holding these itself (idle
 * footprint: one queue per actor). Immutable except for {@link #deadLetters}, which a family made
 * without an actor system learns from the first receiver that overflows.
 */
final class QueueFamily {
  final String id;
  final String mailboxType;

  /** The registry of the family's actor system; null for a queue created without one. */
  final MailboxRegistry registry;

  /** The registry's {@link MailboxRegistry#sampleEvery()}; 0 (no sampling) without a registry. */
  final int sampleEvery;

  /**
   * Only in the family of one queue made without an actor system but for a known owner: that
   * owner's path, which the queue's registry entry takes when it registers on its first message.
   * Null in a shared family (each registered queue's owner is in its {@link
   * MailboxRegistry.Registration}).
   */
  final ActorPath pendingOwner;

  /** Dead letters of the system, or null until a receiver tells us (no actor system given). */
  volatile ActorRef deadLetters;

  QueueFamily(String id, String mailboxType, MailboxRegistry registry, ActorRef deadLetters) {
    this(id, mailboxType, registry, deadLetters, null);
  }

  private QueueFamily(
      String id,
      String mailboxType,
      MailboxRegistry registry,
      ActorRef deadLetters,
      ActorPath pendingOwner) {
    this.id = id;
    this.mailboxType = mailboxType;
    this.registry = registry;
    this.sampleEvery = registry == null ? 0 : registry.sampleEvery();
    this.pendingOwner = pendingOwner;
    this.deadLetters = deadLetters;
  }

  /** This family without a registry, for the one queue owned by {@code owner} (see above). */
  QueueFamily pendingFor(ActorPath owner) {
    return new QueueFamily(id, mailboxType, null, deadLetters, owner);
  }

  /**
   * The family of the queues one mailbox type creates, looked up once per actor system so that
   * creating a mailbox costs no extension lookup and no allocation. Any thread; a racy double
   * lookup is harmless.
   */
  static final class Cache {
    private final String id;
    private final String mailboxType;
    private final List<String> unknownKeys;
    private volatile QueueFamily family;

    /**
     * @param unknownKeys keys of the section that nothing reads ({@link
     *     MailboxSettings#unknownKeys()}): each actor system that creates a queue of this type logs
     *     a warning naming them, once
     */
    Cache(String id, String mailboxType, List<String> unknownKeys) {
      this.id = id;
      this.mailboxType = mailboxType;
      this.unknownKeys = List.copyOf(unknownKeys);
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
        if (!unknownKeys.isEmpty()) {
          system
              .log()
              .warning(
                  "ElasticQ mailbox configuration at [{}] sets keys that {} does not read and"
                      + " Pekko does not know: {} (misspelt, or of another mailbox type?)",
                  id,
                  mailboxType.substring(mailboxType.lastIndexOf('.') + 1),
                  unknownKeys);
        }
      }
      return f;
    }
  }
}
