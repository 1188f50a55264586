package io.github.elasticq.persistence.durable;

import java.util.List;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Extension;
import org.apache.pekko.actor.typed.ExtensionId;

/**
 * A Pekko extension that knows the figures of every running {@link DurableMailbox} of an actor
 * system, keyed by persistence id, for metrics, management endpoints and tests. A mailbox registers
 * when it starts and leaves when it stops.
 *
 * <p>Any thread may call any method. Each counter has one writer at a time (the mailbox actor, or
 * for {@code processed} and {@code redelivered} its current inner child) and is read with volatile
 * semantics; updating it costs a volatile write.
 */
public final class DurableMailboxRegistry implements Extension {
  private static final Id ID = new Id();

  private final ConcurrentHashMap<String, Counters> mailboxes = new ConcurrentHashMap<>();

  private DurableMailboxRegistry() {}

  /** The registry of {@code system}. Any thread. */
  public static DurableMailboxRegistry get(ActorSystem<?> system) {
    return ID.apply(system);
  }

  /** The figures of the running mailbox {@code persistenceId}, if one runs. */
  public Optional<DurableMailboxStats> stats(String persistenceId) {
    Counters c = mailboxes.get(persistenceId);
    return c == null ? Optional.empty() : Optional.of(c.snapshot());
  }

  /** The figures of every running mailbox. */
  public List<DurableMailboxStats> all() {
    return mailboxes.values().stream().map(Counters::snapshot).toList();
  }

  Counters register(String persistenceId) {
    Counters c = new Counters(persistenceId);
    mailboxes.put(persistenceId, c);
    return c;
  }

  void unregister(Counters counters) {
    mailboxes.remove(counters.persistenceId, counters);
  }

  /** The counters of one mailbox incarnation; each written by one thread at a time. */
  static final class Counters {
    final String persistenceId;
    volatile long stored;
    volatile long confirmed;
    volatile long processed;
    volatile long redelivered;
    volatile long rejected;
    volatile long poisoned;
    volatile long unconfirmed;

    Counters(String persistenceId) {
      this.persistenceId = persistenceId;
    }

    DurableMailboxStats snapshot() {
      return new DurableMailboxStats(
          persistenceId,
          stored,
          confirmed,
          processed,
          redelivered,
          rejected,
          poisoned,
          unconfirmed);
    }
  }

  private static final class Id extends ExtensionId<DurableMailboxRegistry> {
    @Override
    public DurableMailboxRegistry createExtension(ActorSystem<?> system) {
      return new DurableMailboxRegistry();
    }
  }
}
