package io.github.elasticq.mailbox;

import java.lang.ref.ReferenceQueue;
import java.lang.ref.WeakReference;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.pekko.actor.AbstractExtensionId;
import org.apache.pekko.actor.ActorPath;
import org.apache.pekko.actor.ActorRef;
import org.apache.pekko.actor.ActorSystem;
import org.apache.pekko.actor.ClassicActorSystemProvider;
import org.apache.pekko.actor.ExtendedActorSystem;
import org.apache.pekko.actor.Extension;
import org.apache.pekko.actor.ExtensionId;
import org.apache.pekko.actor.ExtensionIdProvider;

/**
 * Every live ElasticQ mailbox of one actor system: its id (config path), owner path, mailbox type
 * and current counters. Metrics and management integrations read it; mailboxes write it only when
 * they are created and cleaned up, never per message.
 *
 * <pre>
 * MailboxRegistry registry = MailboxRegistry.get(system); // classic or typed ActorSystem
 * for (MailboxInfo m : registry.mailboxes()) { ... }
 * </pre>
 *
 * <p>Lifecycle: a mailbox registers when Pekko creates its queue and deregisters in {@code cleanUp}
 * when its actor stops, so stopped actors disappear. Entries refer to their queue weakly, so even a
 * queue that is never cleaned up (one Pekko discards, or the shared queue of a balancing dispatcher
 * that goes away) is not kept reachable; such entries are dropped the next time the registry is
 * written or read.
 *
 * <p>All methods may be called from any thread. Listing is weakly consistent: a mailbox registered
 * or removed concurrently may or may not appear. The counters of each entry are read when the
 * listing is made.
 */
public final class MailboxRegistry implements Extension {

  /** The extension id; prefer {@link #get(ClassicActorSystemProvider)}. */
  public static final Id ID = new Id();

  private final ActorSystem system;
  private final Set<Registration> live = ConcurrentHashMap.newKeySet();
  private final ReferenceQueue<AbstractElasticMessageQueue> cleared = new ReferenceQueue<>();

  private MailboxRegistry(ActorSystem system) {
    this.system = system;
  }

  /**
   * The registry of {@code system}; a typed {@code ActorSystem} is a {@link
   * ClassicActorSystemProvider} too. Any thread.
   */
  public static MailboxRegistry get(ClassicActorSystemProvider system) {
    return ID.get(system);
  }

  /** The registry of a classic {@code system}. Any thread. */
  public static MailboxRegistry get(ActorSystem system) {
    return ID.get(system);
  }

  boolean belongsTo(ActorSystem other) {
    return system == other;
  }

  /** Number of live ElasticQ mailboxes. Any thread; O(1) after dropping collected entries. */
  public int size() {
    expunge();
    return live.size();
  }

  /** A snapshot of every live mailbox with its current counters. Any thread; O(mailboxes). */
  public List<MailboxInfo> mailboxes() {
    expunge();
    List<MailboxInfo> out = new ArrayList<>(live.size());
    for (Registration r : live) {
      MailboxInfo info = r.info();
      if (info != null) {
        out.add(info);
      }
    }
    return Collections.unmodifiableList(out);
  }

  /**
   * The mailbox owned by {@code actor}, if it is a live ElasticQ mailbox. Any thread; O(mailboxes).
   */
  public Optional<MailboxInfo> find(ActorRef actor) {
    return find(actor.path());
  }

  /** The mailbox owned by the actor at {@code path}. Any thread; O(mailboxes). */
  public Optional<MailboxInfo> find(ActorPath path) {
    expunge();
    for (Registration r : live) {
      if (path.equals(r.owner)) {
        MailboxInfo info = r.info();
        if (info != null) {
          return Optional.of(info);
        }
      }
    }
    return Optional.empty();
  }

  Registration register(
      AbstractElasticMessageQueue queue, String id, ActorPath owner, String mailboxType) {
    expunge();
    Registration r = new Registration(this, queue, cleared, id, owner, mailboxType);
    live.add(r);
    return r;
  }

  private void expunge() {
    for (Object ref = cleared.poll(); ref != null; ref = cleared.poll()) {
      live.remove(ref);
    }
  }

  @Override
  public String toString() {
    return "MailboxRegistry{system=" + system.name() + ", mailboxes=" + live.size() + '}';
  }

  /**
   * One entry: holds its queue weakly, and only what the listing needs strongly. Identity equality.
   */
  static final class Registration extends WeakReference<AbstractElasticMessageQueue> {
    private final MailboxRegistry registry;
    private final String id;
    private final ActorPath owner;
    private final String mailboxType;

    private Registration(
        MailboxRegistry registry,
        AbstractElasticMessageQueue queue,
        ReferenceQueue<AbstractElasticMessageQueue> cleared,
        String id,
        ActorPath owner,
        String mailboxType) {
      super(queue, cleared);
      this.registry = registry;
      this.id = id;
      this.owner = owner;
      this.mailboxType = mailboxType;
    }

    MailboxInfo info() {
      AbstractElasticMessageQueue q = get();
      if (q == null) {
        return null;
      }
      return new MailboxInfo(
          id,
          owner == null ? "" : owner.toString(),
          mailboxType,
          q.stats(),
          q.levelStats(),
          q.clampedLevels(),
          q.maxCapacity());
    }

    /** Removes this entry; called by the queue's cleanUp. */
    void deregister() {
      registry.live.remove(this);
      clear();
    }
  }

  /** Classic extension id of {@link MailboxRegistry}. */
  public static final class Id extends AbstractExtensionId<MailboxRegistry>
      implements ExtensionIdProvider {

    private Id() {}

    @Override
    public MailboxRegistry createExtension(ExtendedActorSystem system) {
      return new MailboxRegistry(system);
    }

    @Override
    public ExtensionId<? extends Extension> lookup() {
      return ID;
    }
  }
}
