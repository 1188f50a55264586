package io.github.elasticq.mailbox;

import io.github.elasticq.queue.QueueStats;
import java.util.List;
import org.apache.pekko.actor.ActorPath;
import org.apache.pekko.actor.ActorRef;
import org.apache.pekko.actor.ActorRefWithCell;
import org.apache.pekko.actor.ActorSystem;
import org.apache.pekko.actor.AllDeadLetters;
import org.apache.pekko.actor.DeadLetter;
import org.apache.pekko.actor.InternalActorRef;
import org.apache.pekko.dispatch.Envelope;
import org.apache.pekko.dispatch.MessageQueue;

/**
 * What every ElasticQ message queue shares: overflow to dead letters, cleanup to dead letters, and
 * its entry in the {@link MailboxRegistry}.
 *
 * <p>{@link #enqueue} runs on any sending thread; {@link #dequeue} and {@link #cleanUp} on the
 * consumer (the owning actor's mailbox run, or the team of a balancing dispatcher for the shared
 * queue). The registry entry is made when the queue is created for a known actor system, or on the
 * first enqueue for a queue Pekko creates without one (the shared queue of a balancing dispatcher);
 * after that the hot path reads one plain field.
 */
abstract class AbstractElasticMessageQueue implements MessageQueue {

  private final String id;
  private final String mailboxType;
  private final ActorPath ownerPath;

  /** Dead letters of the system, or null until a receiver tells us (queues created without one). */
  private volatile ActorRef deadLetters;

  private MailboxRegistry.Registration registration;

  /**
   * True until a queue created without an actor system has registered. A stale read only leads to
   * the synchronized re-check in {@link #registerLazily}.
   */
  private boolean registrationPending;

  AbstractElasticMessageQueue(String id, String mailboxType, ActorRef owner, ActorSystem system) {
    this.id = id;
    this.mailboxType = mailboxType;
    this.ownerPath = owner == null ? null : owner.path();
    if (system != null) {
      this.deadLetters = system.deadLetters();
    }
    this.registrationPending = true;
  }

  /**
   * Registers with {@code registry}, or, if it is null, on the first enqueue. Called by the final
   * subclasses as the last statement of their constructors, so a concurrent registry listing never
   * sees a half-built queue.
   */
  final void register(MailboxRegistry registry) {
    if (registry != null) {
      synchronized (this) {
        registration = registry.register(this, id, ownerPath, mailboxType);
        registrationPending = false;
      }
    }
  }

  /** Adds the envelope; false if the target queue is at max-capacity. Any thread. */
  abstract boolean offer(Envelope handle);

  /** Current counters, all levels together. Any thread. */
  abstract QueueStats stats();

  /** Counters per level (one element for single-level queues). Any thread. */
  abstract List<QueueStats> levelStats();

  /** The configured max-capacity: of the queue, or of each level for multi-level queues. */
  abstract int maxCapacity();

  /** Classifier results that had to be clamped into range; 0 for single-level queues. */
  long clampedLevels() {
    return 0L;
  }

  final String id() {
    return id;
  }

  final String mailboxType() {
    return mailboxType;
  }

  final ActorPath ownerPath() {
    return ownerPath;
  }

  @Override
  public final void enqueue(ActorRef receiver, Envelope handle) {
    if (!offer(handle)) {
      overflow(receiver, handle);
    }
    if (registrationPending) {
      registerLazily(receiver);
    }
  }

  /**
   * The message did not fit under max-capacity: publish it as a {@link DeadLetter} with its
   * original sender and recipient; the queue's {@code rejected} counter has already counted it. A
   * message that already is a dead-letter notification is only counted, never re-published, so a
   * flooded dead-letter subscriber cannot feed itself.
   */
  private void overflow(ActorRef receiver, Envelope handle) {
    Object message = handle.message();
    if (message instanceof AllDeadLetters) {
      return;
    }
    ActorRef target = deadLetters;
    if (target == null && receiver instanceof InternalActorRef) {
      target = ((InternalActorRef) receiver).provider().deadLetters();
      deadLetters = target;
    }
    if (target != null) {
      target.tell(new DeadLetter(message, handle.sender(), receiver), handle.sender());
    }
  }

  private synchronized void registerLazily(ActorRef receiver) {
    if (!registrationPending) {
      return;
    }
    if (receiver instanceof ActorRefWithCell) {
      ActorSystem system = ((ActorRefWithCell) receiver).underlying().system();
      registration = MailboxRegistry.get(system).register(this, id, ownerPath, mailboxType);
    }
    registrationPending = false;
  }

  /**
   * Deregisters, then hands every remaining message to {@code deadLetters}, which publishes them as
   * dead letters addressed to {@code owner}. Called by Pekko on the consumer when the actor
   * terminates.
   */
  @Override
  public void cleanUp(ActorRef owner, MessageQueue deadLetters) {
    MailboxRegistry.Registration r;
    synchronized (this) {
      r = registration;
      registration = null;
      registrationPending = false;
    }
    if (r != null) {
      r.deregister();
    }
    for (Envelope e = dequeue(); e != null; e = dequeue()) {
      deadLetters.enqueue(owner, e);
    }
  }

  @Override
  public String toString() {
    return getClass().getSimpleName()
        + "{id="
        + id
        + ", owner="
        + ownerPath
        + ", stats="
        + stats()
        + '}';
  }
}
