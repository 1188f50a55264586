package io.github.elasticq.persistence.durable;

import java.util.Objects;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.persistence.typed.PersistenceId;

/**
 * An actor inbox that survives crashes, the event-sourced way: an {@code EventSourcedBehavior}
 * (Pekko Persistence, any journal plugin) in front of the user's own behavior.
 *
 * <h2>Protocol</h2>
 *
 * <p>The behavior returned by {@link #create} accepts two kinds of messages (its type is {@code
 * Behavior<Object>}: {@code narrow()} its {@code ActorRef} to the inner protocol for plain tells):
 *
 * <ul>
 *   <li>{@link Enqueue}{@code (message, replyTo)}: once the message is persisted, {@code replyTo}
 *       gets {@link Stored}{@code (seqNr)}; if it is refused, {@link Rejected}{@code (reason)}
 *       ({@link Rejected#FULL} at {@code max-unconfirmed}, {@link Rejected#STASH_FULL} or {@link
 *       Rejected#RESTARTING} when {@code stash-capacity} commands wait already (see below), or why
 *       it could not be serialized).
 *   <li>any other message: accepted the same way without a reply; a refused one is published to
 *       dead letters. Both kinds of refusal are counted ({@link DurableMailboxStats#rejected()}).
 * </ul>
 *
 * <p>Messages are written in batches. If the journal rejects a batch's write (it stored none of it,
 * for example a batch too large for it), each of its messages is refused with the journal's reason,
 * and the mailbox recovers from the journal (Pekko's restart with backoff, which keeps the commands
 * that wait, and the inner behavior, running) and goes on: nothing stored before is lost. If a
 * write fails instead (the journal cannot tell whether it stored it), the same restart follows, and
 * its messages are answered once the recovery shows whether they are stored (the same message under
 * its number: a failed write that the journal commits after that recovery is refused, yet
 * delivered, and takes the number of the next message, whose write then fails).
 *
 * <p>While a write is in flight, during a recovery and during the backoff of such a restart (200 ms
 * to 10 s), Pekko holds the commands that arrive (its stash, kept across the restart), up to {@code
 * stash-capacity} of them. A command beyond that is refused at once: an {@code Enqueue} gets {@link
 * Rejected#RESTARTING} during the restart (backoff and recovery), {@link Rejected#STASH_FULL}
 * otherwise; a plain tell goes to dead letters; both are counted, and none is dropped without a
 * word. The commands held are handled in order once the write or the recovery is done.
 *
 * <p>Stopping the mailbox from outside (its parent stops it, or the actor system terminates)
 * refuses the messages it accepted and had not started writing, with {@link Rejected#STOPPED}; the
 * messages of a write in flight are not answered (the journal may still store them: a later start
 * delivers them), and commands Pekko still held in the mailbox or its stash are dropped, as for any
 * actor. When the inner behavior stops by itself, the last write stores what is pending.
 *
 * <p>Every message is serialized with Pekko Serialization when it is accepted, so it needs a
 * serializer binding; Jackson ({@code pekko-serialization-jackson}, a dependency of this module) is
 * the documented default: bind a marker interface of your messages to {@code jackson-json} or
 * {@code jackson-cbor}.
 *
 * <h2>Delivery</h2>
 *
 * <p>The inner behavior runs as a child actor and receives the plain messages, in the order they
 * were stored, at most {@code window} at a time that it has not finished processing. A message is
 * processed when the inner behavior's message handler returned without throwing (asynchronous work
 * it started is not waited for); processed messages are confirmed in batches (one {@code Confirmed}
 * event per {@code confirm-batch-size} messages or per {@code confirm-flush-interval}). During
 * processing, {@link #deliverySeqNr()} gives the message's sequence number; {@link
 * DeliveryDeduplicator} turns at-least-once into effectively-once for handlers that record the last
 * processed number with their own effects.
 *
 * <p>If the inner behavior throws, the child stops (do not wrap the inner behavior in a restarting
 * supervisor: that would hide the failure and the message would count as processed), the failure is
 * persisted, and a new child gets every unconfirmed message again, from the failed one on, so order
 * is kept. After {@code max-redeliveries} failures on one message it is dropped, that drop is
 * persisted, and the message goes to the {@link PoisonMessageHandler} (default: dead letters). If
 * the inner behavior stops by itself, the mailbox writes its pending confirmations and stops too.
 *
 * <p>After a crash or a restart, every message stored and not confirmed is delivered again
 * (at-least-once): the messages processed since the last persisted confirmation (about {@code
 * confirm-batch-size}, plus those processed while a confirmation was being written or during the
 * last {@code confirm-flush-interval}) are processed again.
 *
 * <p>Storage stays bounded: a snapshot (the unconfirmed messages) is written every {@code
 * snapshot-every} events and the events below the oldest kept snapshot are deleted (Pekko's {@code
 * RetentionCriteria}). Configure a snapshot store.
 *
 * <h2>Threads</h2>
 *
 * <p>{@link #create} may be called from any thread; the behavior is spawned as usual. Counters are
 * readable from any thread through {@link DurableMailboxRegistry}.
 */
public final class DurableMailbox {
  private DurableMailbox() {}

  /**
   * A durable mailbox in front of {@code inner}, settings from {@code elasticq.durable-mailbox} of
   * the actor system's configuration.
   *
   * @param persistenceId the mailbox's unique persistence id
   * @param inner the behavior that processes the messages
   * @param <T> the inner protocol
   */
  public static <T> Behavior<Object> create(String persistenceId, Behavior<T> inner) {
    Objects.requireNonNull(persistenceId, "persistenceId");
    Objects.requireNonNull(inner, "inner");
    return Behaviors.setup(
        ctx ->
            create(
                PersistenceId.ofUniqueId(persistenceId),
                inner,
                DurableMailboxSettings.create(ctx.getSystem())));
  }

  /**
   * A durable mailbox in front of {@code inner}.
   *
   * @param persistenceId the mailbox's unique persistence id
   * @param inner the behavior that processes the messages
   * @param settings the settings
   * @param <T> the inner protocol
   */
  public static <T> Behavior<Object> create(
      String persistenceId, Behavior<T> inner, DurableMailboxSettings settings) {
    Objects.requireNonNull(persistenceId, "persistenceId");
    return create(PersistenceId.ofUniqueId(persistenceId), inner, settings);
  }

  /**
   * A durable mailbox in front of {@code inner}; for Cluster Sharding entities, pass {@code
   * PersistenceId.of(typeKey.name(), entityId)}.
   *
   * @param persistenceId the mailbox's unique persistence id
   * @param inner the behavior that processes the messages
   * @param settings the settings
   * @param <T> the inner protocol
   */
  public static <T> Behavior<Object> create(
      PersistenceId persistenceId, Behavior<T> inner, DurableMailboxSettings settings) {
    Objects.requireNonNull(persistenceId, "persistenceId");
    Objects.requireNonNull(inner, "inner");
    Objects.requireNonNull(settings, "settings");
    return Behaviors.setup(
        ctx ->
            Behaviors.withTimers(
                timers ->
                    new DurableMailboxBehavior<>(persistenceId, ctx, timers, inner, settings)
                        .withStopHandling()));
  }

  /**
   * The delivery sequence number of the message the inner behavior is processing right now: 1, 2,
   * 3, ... per persistence id, in the order the messages were stored; a redelivered message keeps
   * its number. Call it only from the inner behavior's message handler, while it handles a message
   * that came through the mailbox.
   *
   * @throws IllegalStateException when called anywhere else
   */
  public static long deliverySeqNr() {
    return DeliveryInterceptor.currentSeqNr();
  }

  /**
   * Asks the mailbox to store {@code message} and answer on {@code replyTo}: {@link Stored} once it
   * is persisted, {@link Rejected} if it is refused.
   *
   * @param message the message for the inner behavior
   * @param replyTo who gets the answer
   * @param <T> the inner protocol
   */
  public record Enqueue<T>(T message, ActorRef<Reply> replyTo)
      implements DurableMailboxSerializable {
    /** Checks the arguments. */
    public Enqueue {
      Objects.requireNonNull(message, "message");
      Objects.requireNonNull(replyTo, "replyTo");
    }
  }

  /** The answer to an {@link Enqueue}. */
  public sealed interface Reply extends DurableMailboxSerializable permits Stored, Rejected {}

  /**
   * The message is persisted: it will be delivered to the inner behavior, also after a crash.
   *
   * @param seqNr its delivery sequence number
   */
  public record Stored(long seqNr) implements Reply {}

  /**
   * The message was not accepted and will never be delivered.
   *
   * @param reason {@link #FULL}, {@link #STASH_FULL}, {@link #RESTARTING}, {@link #STOPPED}, why
   *     the message could not be serialized, why the journal rejected its write, or {@link
   *     #WRITE_FAILED} and why the journal failed it
   */
  public record Rejected(String reason) implements Reply {
    /** The reason when {@code max-unconfirmed} messages are stored and not confirmed. */
    public static final String FULL = "full";

    /**
     * The reason when {@code stash-capacity} commands already wait for the write in flight or for
     * the mailbox's recovery (Pekko stashes the commands that come meanwhile).
     */
    public static final String STASH_FULL =
        "stash full: stash-capacity commands wait for a write or the recovery";

    /**
     * The reason when {@code stash-capacity} commands already wait while the mailbox restarts after
     * the journal rejected or failed a write (or a recovery): during the backoff (200 ms to 10 s)
     * and the recovery that follows.
     */
    public static final String RESTARTING =
        "stash full: stash-capacity commands wait for the restart after a journal failure (backoff)";

    /**
     * The reason when the mailbox was stopped from outside (its parent, the actor system's
     * termination) after it accepted the message and before the message's write started.
     */
    public static final String STOPPED = "stopped before the message was written";

    /**
     * The start of the reason when the journal failed the message's write and the recovery after it
     * showed the message is not stored (a database that was unreachable, a call that timed out):
     * {@code "the journal failed to write it: <the journal's error>"}. Unlike a write the journal
     * rejects (the message itself cannot be stored), sending it again may succeed.
     */
    public static final String WRITE_FAILED = "the journal failed to write it";

    /** Whether the reason is {@link #WRITE_FAILED}'s: the journal failed the write. */
    public boolean isWriteFailure() {
      return reason.startsWith(WRITE_FAILED + ": ");
    }
  }
}
