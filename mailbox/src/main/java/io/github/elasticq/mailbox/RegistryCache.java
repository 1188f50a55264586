package io.github.elasticq.mailbox;

import org.apache.pekko.actor.ActorSystem;

/**
 * The {@link MailboxRegistry} of the one actor system a mailbox type belongs to, looked up once so
 * that creating a mailbox costs no extension lookup. Any thread; a racy double lookup is harmless.
 */
final class RegistryCache {

  private volatile MailboxRegistry registry;

  /** The registry of {@code system}, or null if {@code system} is null. */
  MailboxRegistry of(ActorSystem system) {
    if (system == null) {
      return null;
    }
    MailboxRegistry r = registry;
    if (r == null || !r.belongsTo(system)) {
      r = MailboxRegistry.get(system);
      registry = r;
    }
    return r;
  }
}
