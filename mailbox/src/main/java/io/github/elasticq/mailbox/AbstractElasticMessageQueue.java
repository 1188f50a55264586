package io.github.elasticq.mailbox;

import io.github.elasticq.queue.QueueStats;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
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
 *
 * <p><b>Time-in-mailbox sampling</b> (only when {@code elasticq.kamon.enabled = on} and {@code
 * time-in-mailbox.sample-every = N > 0}, see {@link MailboxRegistry#sampleEvery()}): a sender picks
 * about one envelope in N with its thread's {@link ThreadLocalRandom} (no shared write, so
 * producers do not contend on a sampling counter) and enqueues instead an envelope whose message is
 * a {@link SampledMessage} holding the original message and {@link System#nanoTime()}. The consumer
 * unwraps it in {@link #delivered}, hands the elapsed time to the registry's listener and returns
 * the original envelope, so the actor, dead letters and classifiers never see the wrapper. With
 * sampling off both paths test one int of the shared {@link QueueFamily}; with it on, an unsampled
 * message costs one random draw on the send side and one type test on the receive side.
 *
 * <p>Idle footprint: the queue holds its family, its registry entry and (in the subclass) its
 * queue, three references. The owner's path lives in the registry entry, the sampling rate in the
 * family; neither is needed on the way of a message except the rate, one load away.
 */
abstract class AbstractElasticMessageQueue implements MessageQueue {

  /** Not registered yet: a queue created without an actor system registers on its first enqueue. */
  private static final MailboxRegistry.Registration PENDING =
      MailboxRegistry.Registration.pending();

  /**
   * Id, type, registry, sampling rate and dead letters, shared by every queue of the mailbox type
   * in the system. Replaced once, under this queue's lock, when a queue created without a system
   * registers (or, in {@link #register}, by a family of this queue alone that keeps its owner).
   */
  private volatile QueueFamily family;

  /**
   * {@link #PENDING} until registered, then the registry entry (which holds the owner's path), null
   * after clean-up (or if a lazy registration found no actor system). Written under this queue's
   * lock; a stale read on enqueue only leads to the synchronized re-check in {@link
   * #registerLazily}.
   */
  private MailboxRegistry.Registration registration;

  AbstractElasticMessageQueue(QueueFamily family) {
    this.family = family;
    this.registration = PENDING;
  }

  /**
   * Registers with the family's registry as the queue of {@code owner} (null: a shared queue), or,
   * if the family has none, on the first enqueue, keeping the owner's path in a family of this
   * queue alone until then. Called by the final subclasses as the last statement of their
   * constructors, so a concurrent registry listing never sees a half-built queue.
   */
  final void register(ActorRef owner) {
    ActorPath ownerPath = owner == null ? null : owner.path();
    synchronized (this) {
      QueueFamily f = family;
      if (f.registry != null) {
        registration = f.registry.register(this, ownerPath);
      } else if (ownerPath != null) {
        family = f.pendingFor(ownerPath);
      }
    }
  }

  /** Adds the envelope; false if the target queue is at max-capacity. Any thread. */
  abstract boolean offer(Envelope handle);

  /** Current counters, all levels together. Any thread. */
  abstract QueueStats stats();

  /** Counters per level (one element for single-level queues). Any thread. */
  abstract List<QueueStats> levelStats();

  /**
   * The whole queue's counters consistent with {@code levels} (a {@link #levelStats()} result): for
   * a single level, that level; QoS adds the control queue, read once here. Any thread.
   */
  QueueStats stats(List<QueueStats> levels) {
    return levels.get(0);
  }

  /**
   * The bound of each level's queue: {@code max-capacity}, at most {@link
   * io.github.elasticq.queue.QueueConfig#CAPACITY_LIMIT} ({@link
   * io.github.elasticq.queue.QueueConfig#heldAtMost}). Any thread.
   */
  abstract int maxCapacity();

  /**
   * The peak size of each level since the previous call (QoS: one element per level, then one for
   * the control queue). Any thread; for the registry's one metrics poller.
   */
  abstract int[] takePeakWindows();

  /** Messages refused by overload shedding, per level; null when the queue never sheds. */
  long[] levelShed() {
    return null;
  }

  /** Classifier results that had to be clamped into range; 0 for single-level queues. */
  long clampedLevels() {
    return 0L;
  }

  final String id() {
    return family.id;
  }

  /** The registry of the queue's actor system; null while none is known (not registered yet). */
  final MailboxRegistry registry() {
    return family.registry;
  }

  final String mailboxType() {
    return family.mailboxType;
  }

  /** The owner's path: from the registry entry, or kept for it; null for a shared queue. */
  final ActorPath ownerPath() {
    MailboxRegistry.Registration r = registration;
    return r != null && r != PENDING ? r.owner : family.pendingOwner;
  }

  @Override
  public final void enqueue(ActorRef receiver, Envelope handle) {
    int n = family.sampleEvery;
    Envelope queued = handle;
    if (n != 0 && ThreadLocalRandom.current().nextInt(n) == 0) {
      queued =
          handle.copy(new SampledMessage(handle.message(), System.nanoTime()), handle.sender());
    }
    if (!offer(queued)) {
      overflow(receiver, handle);
    }
    if (registration == PENDING) {
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
    QueueFamily f = family;
    ActorRef target = f.deadLetters;
    if (target == null && receiver instanceof InternalActorRef) {
      target = ((InternalActorRef) receiver).provider().deadLetters();
      f.deadLetters = target; // the family of this one queue (no actor system at creation)
    }
    if (target != null) {
      target.tell(new DeadLetter(message, handle.sender(), receiver), handle.sender());
    }
  }

  private synchronized void registerLazily(ActorRef receiver) {
    if (registration != PENDING) {
      return;
    }
    registration = null;
    if (receiver instanceof ActorRefWithCell) {
      ActorSystem system = ((ActorRefWithCell) receiver).underlying().system();
      MailboxRegistry registry = MailboxRegistry.get(system);
      QueueFamily f = family;
      ActorRef dead = f.deadLetters;
      family =
          new QueueFamily(
              f.id, f.mailboxType, registry, dead != null ? dead : system.deadLetters());
      registration = registry.register(this, f.pendingOwner);
    }
  }

  /**
   * What a dequeue returns: {@code e} itself, or, for a sampled envelope, the original envelope
   * after its time in the mailbox was reported. Consumer thread.
   */
  final Envelope delivered(Envelope e) {
    QueueFamily f = family;
    if (f.sampleEvery != 0 && e != null && e.message() instanceof SampledMessage sampled) {
      long nanos = System.nanoTime() - sampled.enqueuedNanos;
      MailboxRegistry.Registration r = registration;
      MailboxRegistry registry = f.registry;
      if (r != null && r != PENDING && registry != null) {
        registry.timeInMailbox(r, this, sampled.level, nanos);
      }
      return e.copy(sampled.message, e.sender());
    }
    return e;
  }

  /**
   * How long a mailbox dequeue waits, in {@link Thread#onSpinWait}s, for a message whose sender has
   * claimed its index but not yet stored it ({@code relaxedPoll(int)} of the queues): a window of
   * nanoseconds unless the sender was descheduled in it. Returning null there ends the mailbox run
   * early (Pekko re-checks {@code hasMessages} and schedules the mailbox again: no message is
   * stranded, but a run, its status changes and a dispatcher hand-off are spent on it). Bounded, so
   * that a descheduled sender does not hold the dispatcher thread: after the wait the dequeue
   * returns null and the re-check takes over, as with no wait. Measured in
   * bench/results/2026-12-03/round13.
   */
  static final int CLAIMED_SPINS = 64;

  /**
   * A dequeue that returns null only when the queue is empty by index: it waits out a sender
   * between its claim and its store, where the mailbox's relaxed {@link #dequeue} would return
   * null. Used by {@link #cleanUp}, which runs once and has no later run to pick such a message up.
   */
  Envelope exactDequeue() {
    return dequeue();
  }

  /**
   * Whether a consumer batch holds messages taken from a level and not released yet. Consumer
   * thread; false for queues that never batch.
   */
  boolean holdsHeldBatch() {
    return false;
  }

  /**
   * How many messages of the batch in progress ({@link #holdsHeldBatch()}) were already handed to
   * the actor; 0 when no batch is held. Consumer thread.
   */
  int handedOutOfHeldBatch() {
    return 0;
  }

  /** The message of an envelope as the sender sent it (unwraps a sampled one). Any thread. */
  static Object payload(Envelope e) {
    Object m = e.message();
    return m instanceof SampledMessage sampled ? sampled.message : m;
  }

  /**
   * A message picked for time-in-mailbox sampling, with the time it was enqueued and, in a QoS
   * mailbox, the level it was queued at.
   */
  static final class SampledMessage {
    final Object message;
    final long enqueuedNanos;

    /**
     * The QoS level's tag ({@code "0"}, {@code "1"}, ..., {@code "control"}); null outside QoS
     * mailboxes. Written by the sender before the offer that publishes the envelope, read by the
     * consumer after taking it: the queue's happens-before covers it.
     */
    String level;

    SampledMessage(Object message, long enqueuedNanos) {
      this.message = message;
      this.enqueuedNanos = enqueuedNanos;
    }

    @Override
    public String toString() {
      return "SampledMessage(" + message + ')';
    }
  }

  /**
   * Deregisters, then hands every remaining message to {@code deadLetters}, which publishes them as
   * dead letters addressed to {@code owner}, and finally adds this queue's counters, with the
   * number of messages dead-lettered here per level, to the registry's totals of stopped mailboxes
   * (so metrics keep them after the entry is gone). Called by Pekko on the consumer when the actor
   * terminates.
   */
  @Override
  public void cleanUp(ActorRef owner, MessageQueue deadLetters) {
    MailboxRegistry.Registration r;
    synchronized (this) {
      r = registration == PENDING ? null : registration;
      registration = null;
    }
    MailboxRegistry registry = family.registry; // non-null when r is: set before registering
    if (r != null) {
      registry.deregister(r); // before retire: MailboxRegistry.takeSnapshot never counts it twice
    }
    List<QueueStats> before = r == null ? null : levelStats();
    long beforeAll = r == null ? 0 : stats(before).dequeued();
    // The messages of a batch in progress that the actor had already processed: the drain releases
    // them (its level counts them dequeued only then), but they are not dead-lettered here.
    int handedOut = r == null ? 0 : handedOutOfHeldBatch();
    long dead = 0;
    List<QueueStats> released = null;
    if (handedOut > 0) {
      // The rest of that batch first, so that the level it came from shows in the counters.
      while (holdsHeldBatch()) {
        deadLetters.enqueue(owner, exactDequeue());
        dead++;
      }
      released = levelStats();
    }
    for (Envelope e = exactDequeue(); e != null; e = exactDequeue()) {
      deadLetters.enqueue(owner, e);
      dead++;
    }
    if (r != null) {
      List<QueueStats> after = levelStats();
      QueueStats afterAll = stats(after);
      long[] cleaned = new long[after.size()];
      for (int i = 0; i < cleaned.length; i++) {
        cleaned[i] = after.get(i).dequeued() - before.get(i).dequeued();
      }
      if (released != null) {
        for (int i = 0; i < cleaned.length; i++) {
          if (released.get(i).dequeued() != before.get(i).dequeued()) {
            cleaned[i] -= handedOut; // the batch's level: its release alone dequeued in between
            break;
          }
        }
      }
      // Dequeued during the drain but neither dead-lettered here nor of a batch: for the shared
      // queue, what other team members took meanwhile (level 0, its only level); 0 otherwise.
      cleaned[0] -= afterAll.dequeued() - beforeAll - dead - handedOut;
      registry.retire(
          id(),
          mailboxType(),
          afterAll,
          after,
          clampedLevels(),
          dead,
          cleaned,
          maxCapacity(),
          levelShed());
    }
  }

  @Override
  public String toString() {
    return getClass().getSimpleName()
        + "{id="
        + id()
        + ", owner="
        + ownerPath()
        + ", stats="
        + stats()
        + '}';
  }
}
