package io.github.elasticq.persistence.durable;

import io.github.elasticq.persistence.durable.DeliveryInterceptor.Channel;
import io.github.elasticq.persistence.durable.DeliveryInterceptor.ConfirmHint;
import io.github.elasticq.persistence.durable.DeliveryInterceptor.Deliver;
import io.github.elasticq.persistence.durable.DeliveryInterceptor.InnerFailed;
import io.github.elasticq.persistence.durable.DeliveryInterceptor.Pull;
import io.github.elasticq.persistence.durable.DurableMailbox.Enqueue;
import io.github.elasticq.persistence.durable.DurableMailbox.Rejected;
import io.github.elasticq.persistence.durable.DurableMailbox.Reply;
import io.github.elasticq.persistence.durable.DurableMailbox.Stored;
import io.github.elasticq.persistence.durable.DurableMailboxEvent.Confirmed;
import io.github.elasticq.persistence.durable.DurableMailboxEvent.DeliveryFailed;
import io.github.elasticq.persistence.durable.DurableMailboxEvent.MessageStored;
import io.github.elasticq.persistence.durable.DurableMailboxEvent.Poisoned;
import io.github.elasticq.persistence.durable.DurableMailboxRegistry.Counters;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.apache.pekko.actor.DeadLetter;
import org.apache.pekko.actor.Dropped;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.BackoffSupervisorStrategy;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.BehaviorInterceptor;
import org.apache.pekko.actor.typed.PostStop;
import org.apache.pekko.actor.typed.PreRestart;
import org.apache.pekko.actor.typed.Signal;
import org.apache.pekko.actor.typed.SupervisorStrategy;
import org.apache.pekko.actor.typed.Terminated;
import org.apache.pekko.actor.typed.TypedActorContext;
import org.apache.pekko.actor.typed.internal.RestartSupervisor;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Adapter;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.TimerScheduler;
import org.apache.pekko.persistence.JournalProtocol;
import org.apache.pekko.persistence.RecoveryPermitter;
import org.apache.pekko.persistence.SnapshotProtocol;
import org.apache.pekko.persistence.typed.JournalPersistFailed;
import org.apache.pekko.persistence.typed.JournalPersistRejected;
import org.apache.pekko.persistence.typed.PersistenceId;
import org.apache.pekko.persistence.typed.RecoveryCompleted;
import org.apache.pekko.persistence.typed.RecoveryFailed;
import org.apache.pekko.persistence.typed.SnapshotAdapter;
import org.apache.pekko.persistence.typed.internal.InternalProtocol;
import org.apache.pekko.persistence.typed.internal.JournalFailureException;
import org.apache.pekko.persistence.typed.javadsl.CommandHandler;
import org.apache.pekko.persistence.typed.javadsl.Effect;
import org.apache.pekko.persistence.typed.javadsl.EffectBuilder;
import org.apache.pekko.persistence.typed.javadsl.EventHandler;
import org.apache.pekko.persistence.typed.javadsl.EventSourcedBehavior;
import org.apache.pekko.persistence.typed.javadsl.RetentionCriteria;
import org.apache.pekko.persistence.typed.javadsl.SignalHandler;
import org.apache.pekko.serialization.Serialization;
import org.apache.pekko.serialization.SerializationExtension;
import org.apache.pekko.serialization.Serializer;
import org.apache.pekko.serialization.Serializers;
import scala.util.Try;

/**
 * The event-sourced actor behind {@link DurableMailbox}.
 *
 * <p>Accepting: a message is serialized at once (the serializability check, and the bytes its
 * {@code MessageStored} event carries), numbered and put in {@link #pendingStores}; the first one
 * sends the actor a {@link FlushStores}. Pekko stashes every command while a write is in flight, so
 * by the time {@code FlushStores} is handled, every message that arrived meanwhile is pending, and
 * all of them (up to {@code max-store-batch}) go into one atomic write. A pending message is not
 * accepted yet: its {@code Stored} reply and its delivery wait for the write. The mailbox's own
 * commands are stashed too and, with {@code stash-capacity} commands waiting, dropped ({@link
 * OuterInterceptor}), so a timer repeats {@code FlushStores} every {@code confirm-flush-interval}
 * while messages are pending; a child's stop comes as a death watch signal (never stashed by the
 * event-sourced actor; Pekko's restart supervisor stashes it during a backoff, and would drop it
 * from a full stash, so a recovery also asks whether the child still lives) and is handled through
 * a command repeated the same way, with the failure the child reported read from its channel (the
 * {@code InnerFailed} command may be dropped; a dropped {@code ConfirmHint} only delays one
 * confirmation to the next written one, flush timer or store batch, which lets the child hint
 * again); a message whose serializer manifest the stored format cannot hold is rejected as it is
 * accepted, not in its batch's write; and when the inner behavior stops, the last write stores what
 * is pending.
 *
 * <p>Journal trouble: Pekko applies an event to the state before it is written, so after a write
 * the journal rejected or failed, the state is ahead of the journal and only a recovery puts it
 * right. Pekko stops the actor on a rejection ({@code EventRejectedException}, which no supervisor
 * can restart without discarding the stashed commands), and on a failure unless {@code
 * onPersistFailure} is set. The mailbox sets it ({@link #journalRestart}: backoff, the child and
 * the stash kept) and turns a rejection into the same restart: the {@code JournalPersistRejected}
 * signal, sent before Pekko throws, answers every message of the rejected batch ({@code Rejected},
 * dead letters for plain tells; a rejected write stored nothing) and throws the exception Pekko's
 * restart catches. A failed write's outcome is unknown until the recovery: its messages are
 * answered then, {@code Stored} if the journal has them, {@code Rejected} if not. During the
 * restart the state object Pekko reuses is emptied ({@code PreRestart}), the child keeps running,
 * and the mailbox goes on offering to it where it left off (a new child, if it stopped, starts
 * after what the recovery shows confirmed: a failed {@code Poisoned} write may be stored, and then
 * its handler runs). The restart cancels the timers: the flush timer starts again if a confirmation
 * is owed. A rejected or failed write that was to precede a stop stops the mailbox, as before. A
 * stop during the backoff gives {@code PostStop} to Pekko's restart supervisor, which stashes it:
 * {@link #withStopHandling} runs the cleanup before it.
 *
 * <p>Stash capacity: Pekko holds the commands that arrive during a write, a recovery or a backoff
 * in its stashes and drops those beyond their capacity, without a reply. {@link OuterInterceptor},
 * outside the restart supervisor, counts the commands held and refuses those beyond {@code
 * stash-capacity} itself ({@link Rejected#RESTARTING} during a restart, {@link Rejected#STASH_FULL}
 * otherwise); Pekko's stashes are larger by the room its other messages need ({@link
 * #pekkoStashCapacity}), so they never drop a command. The one kind of Pekko's own messages that
 * could outgrow that room, the events of a replay that a timed-out recovery left running, is
 * dropped while the restart's backoff waits ({@link #awaitingRestart}).
 *
 * <p>An external stop (the parent, or the actor system's termination) answers every message
 * accepted and not yet written with {@link Rejected#STOPPED} (dead letters for plain tells); the
 * messages of a write still in flight are not answered, since the journal may yet store them.
 *
 * <p>Delivering: persisted messages are offered, in order, to the current child's {@link Channel}
 * ({@code offeredUpTo} only grows, except that a new child starts again at {@code processedUpTo +
 * 1}); the child pulls them itself (see {@link DeliveryInterceptor}) and publishes {@code
 * processedUpTo}, which moves one by one. A child stops only after its last write of {@code
 * processedUpTo}, and the mailbox reads it after the notice of that stop, so the message a child
 * failed on is always {@code processedUpTo + 1}. Failure notices carry the child's incarnation;
 * those of an older child are ignored.
 *
 * <p>Confirming: {@code state.confirmedUpTo() <= processedUpTo}; the gap is written as one {@code
 * Confirmed} event when it reaches {@code confirm-batch-size} (the child sends a {@link
 * ConfirmHint}), when the flush timer fires (running while offered messages are unprocessed), or
 * along with the next stored batch.
 */
final class DurableMailboxBehavior<T>
    extends EventSourcedBehavior<Object, DurableMailboxEvent, DurableMailboxState> {

  /** Write the messages accepted so far. */
  private enum FlushStores {
    INSTANCE
  }

  /**
   * The key of the timer that repeats {@link FlushStores} while messages are pending: the mailbox's
   * own commands are stashed during a write like any other, and dropped like them when the stash is
   * full; a dropped FlushStores used to leave every later message pending until {@code
   * max-store-batch} of them piled up (no write, no reply, no delivery).
   */
  private enum FlushStoresRetry {
    INSTANCE
  }

  /** Write the confirmations gathered so far. */
  private enum FlushConfirmations {
    INSTANCE
  }

  /** The child of {@code incarnation} terminated. */
  private record InnerTerminated(int incarnation) {}

  /**
   * The key of the timer that repeats {@link InnerTerminated} until it is handled: the notice is a
   * command, and a full stash drops commands (a lost notice left offers going to a dead child).
   */
  private enum InnerTerminatedRetry {
    INSTANCE
  }

  /** A message waiting for its store write. */
  private record Pending(MessageStored event, ActorRef<Reply> replyTo) {}

  /** The first wait of {@link #journalRestart}. */
  private static final Duration RESTART_MIN_BACKOFF = Duration.ofMillis(200);

  /** The longest wait of {@link #journalRestart}, for a journal that keeps failing. */
  private static final Duration RESTART_MAX_BACKOFF = Duration.ofSeconds(10);

  /**
   * The longest delay of the mailbox's timers: a longer {@code confirm-flush-interval}
   * ("practically never") flushes this often instead. Pekko's scheduler refuses delays beyond about
   * 248 days (with its default tick), and such a setting used to fail the mailbox on its first
   * message.
   */
  static final Duration MAX_TIMER_DELAY = Duration.ofHours(1);

  /** Room in Pekko's stashes for its snapshot and delete replies and for signals. */
  private static final int OTHER_MESSAGES_HELD = 64;

  private final ActorContext<Object> ctx;
  private final TimerScheduler<Object> timers;
  private final Behavior<T> inner;
  private final DurableMailboxSettings settings;
  private final Serialization serialization;
  private final String persistenceIdString;
  private final Counters counters;

  /** {@code confirm-flush-interval}, at most {@link #MAX_TIMER_DELAY}: every timer's delay. */
  private final Duration timerDelay;

  private final ArrayList<Pending> pendingStores = new ArrayList<>();

  /** The message classes whose stored form was read back once ({@link #checkReadable}). */
  private final Set<Class<?>> readable = new HashSet<>();

  private boolean flushStoresSent;

  /**
   * The messages of the store write in flight: answered at once if the journal rejects it, after
   * the recovery if it fails.
   */
  private List<Pending> inFlight = List.of();

  /**
   * The confirmed position {@code counters.confirmed} has counted up to ({@link
   * #countConfirmations}).
   */
  private long countedConfirmedUpTo;

  /** Why the write of {@link #inFlight} failed; null unless it did. */
  private Throwable inFlightFailure;

  /** The write in flight is the last one before the mailbox stops. */
  private boolean stopping;

  /**
   * The state object Pekko starts every recovery from (it asks for it once): emptied before a
   * restart, because the events applied to it are the actor's own.
   */
  private DurableMailboxState initialState;

  /**
   * The notice of the {@code Poisoned} write in flight, for the handler once it is stored; after a
   * restart the handler runs if the recovery shows it stored (a failed write may have been).
   */
  private PoisonedMessage poisoning;

  /** The notice of the current child's stop, until handled: a restart cancels its timer. */
  private InnerTerminated unhandledNotice;

  private ActorRef<Object> child;
  private Channel channel;
  private int incarnation;
  private long offeredUpTo;

  /** The failure the current child reported before it stopped; null if none. */
  private InnerFailed failure;

  /**
   * Commands passed on by {@link OuterInterceptor} and not yet handled by {@link #onCommand}: those
   * Pekko holds in its stashes (or hands over right now).
   */
  private int heldCommands;

  /**
   * The repeatable own commands among {@link #heldCommands} ({@link #isRepeatable}): a copy that
   * arrives while one is held is dropped uncounted (the held one is handled), so a notice repeated
   * by its timer during a long write or recovery does not fill {@code stash-capacity}.
   */
  private final Set<Object> heldRepeatable = new HashSet<>();

  /** From a rejected or failed write (or recovery) to the end of the recovery that follows. */
  private boolean restarting;

  /**
   * From a rejected or failed write (or recovery) to the restart supervisor's end of the backoff
   * (its {@code ScheduledRestart} signal, which {@link OuterInterceptor} sees first): no recovery
   * runs then, so a replay or snapshot reply that arrives is left over from a recovery that timed
   * out. Pekko 1.7 does not cancel such a replay; its supervisor would stash every event of it for
   * the next recovery, taking the room Pekko's stash keeps for commands, and drop commands once
   * full.
   */
  private boolean awaitingRestart;

  /** Stale replay messages dropped during the current backoff ({@link #awaitingRestart}). */
  private long staleDropped;

  /** {@link OuterInterceptor} refused the last user command (logged once per run of refusals). */
  private boolean refusing;

  /**
   * Children in a row that failed outside the stored messages (on a message of their own or a
   * signal) with {@code processedUpTo} at {@link #ownFailuresAt}: past {@code max-redeliveries} the
   * mailbox stops instead of restarting a child that dies at once (a child that watches a stopped
   * actor and does not handle Terminated would otherwise be restarted forever).
   */
  private int ownFailures;

  private long ownFailuresAt = -1;

  DurableMailboxBehavior(
      PersistenceId persistenceId,
      ActorContext<Object> ctx,
      TimerScheduler<Object> timers,
      Behavior<T> inner,
      DurableMailboxSettings settings) {
    super(persistenceId, journalRestart(settings));
    this.ctx = ctx;
    this.timers = timers;
    this.inner = inner;
    this.settings = settings;
    this.serialization = SerializationExtension.get(Adapter.toClassic(ctx.getSystem()));
    this.persistenceIdString = persistenceId.id();
    this.counters = DurableMailboxRegistry.get(ctx.getSystem()).register(persistenceIdString);
    Duration interval = settings.confirmFlushInterval();
    this.timerDelay = interval.compareTo(MAX_TIMER_DELAY) > 0 ? MAX_TIMER_DELAY : interval;
  }

  /**
   * This behavior behind {@link OuterInterceptor}, which sits outside Pekko's restart supervisor
   * ({@link #journalRestart}): it runs {@link #onPostStop} at every stop, and it refuses the
   * commands that Pekko could not hold ({@link #heldCommands}).
   */
  Behavior<Object> withStopHandling() {
    return Behaviors.intercept(OuterInterceptor::new, this);
  }

  /**
   * Sees every message and signal before Pekko's restart supervisor does.
   *
   * <p>{@code PostStop}: a stop during the backoff of a restart gives it to the supervisor, which
   * stashes it instead of passing it to the signal handler (the registry kept the stopped mailbox's
   * counters), so the cleanup runs here.
   *
   * <p>Commands: while a write is in flight, during the recovery, and during a restart's backoff,
   * Pekko stashes the commands (the event-sourced actor's stash, which survives the restart, and
   * the restart supervisor's own stash during the backoff, which it empties into the former after
   * the backoff); beyond their capacity Pekko drops them, and the sender of an {@code Enqueue} got
   * no reply. This interceptor counts the commands it passes on that the command handler has not
   * handled yet (each one passes here once and reaches the handler once, since Pekko discards none
   * of them within the capacity, across restarts too), and refuses a user command when {@code
   * stash-capacity} of them wait: {@link Rejected#RESTARTING} while the mailbox restarts after
   * journal trouble, else {@link Rejected#STASH_FULL}; dead letters for a plain tell. The mailbox's
   * own commands count the same and, beyond {@code stash-capacity}, are dropped here as Pekko would
   * ({@code Dropped}; each of them is repeated or superseded); a copy of a repeatable one that is
   * held already is dropped uncounted ({@link #heldRepeatable}). Pekko's stashes have room for the
   * other messages they hold too ({@link #pekkoStashCapacity}), so Pekko itself drops nothing and
   * the count stays exact.
   */
  private final class OuterInterceptor extends BehaviorInterceptor<Object, Object> {
    OuterInterceptor() {
      super(Object.class);
    }

    @Override
    public Behavior<Object> aroundReceive(
        TypedActorContext<Object> c, Object msg, ReceiveTarget<Object> target) {
      if (isPekkoInternal(msg)) {
        if (awaitingRestart) {
          if (isRecoveryReply(msg)) {
            staleDropped++;
            return Behaviors.same();
          }
          if (msg == RecoveryPermitter.RecoveryPermitGranted$.MODULE$) {
            endBackoff(); // a new recovery starts: never drop its replies, whatever came first
          }
        }
        return target.apply(c, msg);
      }
      if (isRepeatable(msg) && heldRepeatable.contains(msg)) {
        return Behaviors.same(); // a copy of a held one, which the handler will see
      }
      if (heldCommands >= settings.stashCapacity()) {
        if (isOwnCommand(msg)) {
          // as Pekko's full stash would: each of them is repeated or superseded
          Adapter.toClassic(ctx.getSystem())
              .getEventStream()
              .publish(
                  new Dropped(
                      msg,
                      "stash-capacity commands wait",
                      org.apache.pekko.actor.ActorRef.noSender(),
                      Adapter.toClassic(ctx.getSelf())));
        } else {
          refuseUnheld(msg);
        }
        return Behaviors.same();
      }
      if (!isOwnCommand(msg)) {
        refusing = false;
      } else if (isRepeatable(msg)) {
        heldRepeatable.add(msg);
      }
      heldCommands++;
      return target.apply(c, msg);
    }

    @Override
    public Behavior<Object> aroundSignal(
        TypedActorContext<Object> c, Signal signal, SignalTarget<Object> target) {
      if (signal == PostStop.instance()) {
        onPostStop();
      } else if (awaitingRestart && signal instanceof RestartSupervisor.ScheduledRestart) {
        endBackoff();
      }
      return target.apply(c, signal);
    }
  }

  /**
   * Messages of Pekko's own protocol that the event-sourced actor does not hand to the command
   * handler (as its own interceptor tells them apart): journal and snapshot store replies, the
   * recovery permit, its internal timer ticks.
   */
  private static boolean isPekkoInternal(Object msg) {
    return msg instanceof JournalProtocol.Response
        || msg instanceof SnapshotProtocol.Response
        || msg == RecoveryPermitter.RecoveryPermitGranted$.MODULE$
        || msg instanceof InternalProtocol;
  }

  /** The journal's and the snapshot store's replies to a recovery. */
  private static boolean isRecoveryReply(Object msg) {
    return msg instanceof JournalProtocol.ReplayedMessage
        || msg instanceof JournalProtocol.RecoverySuccess
        || msg instanceof JournalProtocol.ReplayMessagesFailure
        || msg instanceof SnapshotProtocol.LoadSnapshotResult
        || msg instanceof SnapshotProtocol.LoadSnapshotFailed;
  }

  /** A restart's backoff begins: see {@link #awaitingRestart}. */
  private void beginBackoff() {
    restarting = true;
    awaitingRestart = true;
  }

  /** The restart supervisor ends the backoff: the next recovery starts now. */
  private void endBackoff() {
    awaitingRestart = false;
    if (staleDropped > 0) {
      ctx.getLog()
          .info(
              "Durable mailbox [{}]: dropped {} replay messages of a timed-out recovery during the"
                  + " backoff",
              persistenceIdString,
              staleDropped);
      staleDropped = 0;
    }
  }

  /** The mailbox's own commands: a lost one is repeated by a timer, or superseded. */
  private static boolean isOwnCommand(Object msg) {
    return msg == ConfirmHint.INSTANCE
        || msg == FlushStores.INSTANCE
        || msg == FlushConfirmations.INSTANCE
        || msg instanceof InnerFailed
        || msg instanceof InnerTerminated;
  }

  /**
   * The own commands a timer repeats or that are sent again until handled, each equal to its
   * copies: one held copy stands for all.
   */
  private static boolean isRepeatable(Object msg) {
    return msg == ConfirmHint.INSTANCE
        || msg == FlushStores.INSTANCE
        || msg == FlushConfirmations.INSTANCE
        || msg instanceof InnerTerminated;
  }

  /** A user command {@link OuterInterceptor} cannot let Pekko hold: refused, counted. */
  private void refuseUnheld(Object msg) {
    String reason = restarting ? Rejected.RESTARTING : Rejected.STASH_FULL;
    if (!refusing) {
      refusing = true;
      ctx.getLog()
          .warn(
              "Durable mailbox [{}]: {} commands wait {}; refusing more ({})",
              persistenceIdString,
              heldCommands,
              restarting
                  ? "for the restart after a journal failure"
                  : "for a write in flight or the recovery",
              reason);
    }
    if (msg instanceof Enqueue<?> e) {
      reject(e.message(), e.replyTo(), reason);
    } else {
      reject(msg, null, reason);
    }
  }

  /**
   * The capacity of Pekko's stashes (the restart supervisor's and the event-sourced actor's):
   * {@code stash-capacity} commands and room for the rest: the journal's late replies to a failed
   * or rejected write (one per event, at most {@code max-store-batch} plus a confirmation), a few
   * snapshot and delete replies, signals.
   */
  static int pekkoStashCapacity(DurableMailboxSettings settings) {
    long capacity =
        (long) settings.stashCapacity() + settings.maxStoreBatch() + OTHER_MESSAGES_HELD;
    return (int) Math.min(Integer.MAX_VALUE, capacity);
  }

  /**
   * Pekko's restart after a journal failure, also used for rejections ({@link #onWriteRejected}).
   * The restart recovers the state and keeps the stashed commands; the child is kept too, so that
   * its own state survives (the recovery goes on offering to it where it left off).
   */
  private static BackoffSupervisorStrategy journalRestart(DurableMailboxSettings settings) {
    return SupervisorStrategy.restartWithBackoff(RESTART_MIN_BACKOFF, RESTART_MAX_BACKOFF, 0.2)
        .withStopChildren(false)
        .withStashCapacity(pekkoStashCapacity(settings));
  }

  @Override
  public DurableMailboxState emptyState() {
    initialState = new DurableMailboxState();
    return initialState;
  }

  @Override
  public String journalPluginId() {
    return settings.journalPluginId();
  }

  @Override
  public String snapshotPluginId() {
    return settings.snapshotPluginId();
  }

  @Override
  public Optional<Integer> stashCapacity() {
    return Optional.of(pekkoStashCapacity(settings));
  }

  @Override
  public RetentionCriteria retentionCriteria() {
    return RetentionCriteria.snapshotEvery(settings.snapshotEvery(), settings.keepSnapshots())
        .withDeleteEventsOnSnapshot();
  }

  @Override
  public SnapshotAdapter<DurableMailboxState> snapshotAdapter() {
    return new SnapshotAdapter<>() {
      @Override
      public Object toJournal(DurableMailboxState state) {
        return state.toSnapshot();
      }

      @Override
      public DurableMailboxState fromJournal(Object from) {
        return DurableMailboxState.fromSnapshot((DurableMailboxState.Snapshot) from);
      }
    };
  }

  @Override
  public EventHandler<DurableMailboxState, DurableMailboxEvent> eventHandler() {
    return DurableMailboxState::apply;
  }

  @Override
  public SignalHandler<DurableMailboxState> signalHandler() {
    return newSignalHandlerBuilder()
        .onSignal(RecoveryCompleted.instance(), this::onRecoveryCompleted)
        .onSignal(Terminated.class, (state, t) -> onChildTerminated(t))
        .onSignal(JournalPersistRejected.class, (state, r) -> onWriteRejected(r.getFailure()))
        .onSignal(JournalPersistFailed.class, (state, f) -> onWriteFailed(f.getFailure()))
        .onSignal(RecoveryFailed.class, (state, f) -> beginBackoff())
        .onSignal(PreRestart.instance(), state -> initialState.clear())
        .onSignal(PostStop.instance(), state -> onPostStop())
        .build();
  }

  @Override
  public CommandHandler<Object, DurableMailboxEvent, DurableMailboxState> commandHandler() {
    return this::onCommand;
  }

  // ---------------------------------------------------------------------------------------------

  private void onRecoveryCompleted(DurableMailboxState state) {
    restarting = false;
    counters.unconfirmed = state.size();
    if (channel == null) {
      countedConfirmedUpTo = state.confirmedUpTo(); // counted from here on
      // Recovered unconfirmed messages may have been delivered before the restart: count them.
      startChild(state, state.confirmedUpTo(), state.nextSeqNr() - 1);
      return;
    }
    // a restart after a rejected or failed write: the timers are cancelled, the child is kept
    answerFailedWrite(state);
    countConfirmations(state); // what a failed write stored all the same (Confirmed, Poisoned)
    if (child == null) {
      // It stopped, and the write that followed (DeliveryFailed, Poisoned) was rejected or failed.
      // A failed Poisoned write may be stored all the same: it confirmed the message after the
      // child's last processed one.
      PoisonedMessage p = poisoning;
      poisoning = null;
      if (p != null && state.confirmedUpTo() >= p.seqNr()) {
        poisoned(p);
      }
      startChild(state, Math.max(processedUpTo(state), state.confirmedUpTo()), redeliverUpTo());
    } else {
      afterConfirmation(state);
      offer(state);
      if (unhandledNotice == null && ctx.getChild(child.path().name()).isEmpty()) {
        // It stopped during the backoff, whose supervisor stashes signals and drops them when its
        // stash is full: its Terminated may be lost.
        unhandledNotice = new InnerTerminated(incarnation);
      }
    }
    if (offeredUpTo > processedUpTo(state) || processedUpTo(state) > state.confirmedUpTo()) {
      startFlushTimer(); // also for a confirmation the rejected or failed write carried
    }
    if (!pendingStores.isEmpty()) {
      // Accepted before the restart, whose FlushStores may have been dropped with a full stash
      // (then its retry timer was all that would send it again, and the restart cancelled it):
      // without this they waited for max-store-batch more messages, unanswered and undelivered.
      requestFlushStores();
    }
    if (unhandledNotice != null) {
      sendNotice(unhandledNotice);
    }
  }

  /**
   * The journal rejected a write: nothing of it is stored. Its messages are refused, and the
   * mailbox restarts through the exception that Pekko's {@code onPersistFailure} restart catches
   * (Pekko throws an {@code EventRejectedException} after this signal, which would stop the mailbox
   * and drop the stashed commands). A write that was to precede a stop lets that stop happen.
   */
  private void onWriteRejected(Throwable cause) {
    String reason = "rejected by the journal: " + cause;
    ctx.getLog()
        .error(
            "Durable mailbox [{}]: the journal rejected a write of {} messages, restarting: {}",
            persistenceIdString,
            inFlight.size(),
            cause.toString());
    List<Pending> rejected = inFlight;
    inFlight = List.of();
    for (Pending p : rejected) {
      reject(p.event().message(), p.replyTo(), reason);
    }
    if (!stopping) {
      beginBackoff();
      throw new JournalFailureException(
          "Durable mailbox [" + persistenceIdString + "]: the journal rejected a write", cause);
    }
  }

  /**
   * The journal failed a write: Pekko restarts the mailbox, and the recovery tells which of the
   * write's messages are stored ({@link #answerFailedWrite}). A write that was to precede a stop
   * stops the mailbox, as before.
   */
  private void onWriteFailed(Throwable cause) {
    if (stopping) {
      throw new IllegalStateException(
          "Durable mailbox [" + persistenceIdString + "]: the last write before the stop failed",
          cause);
    }
    beginBackoff();
    inFlightFailure = cause;
  }

  /**
   * After the recovery that followed a failed write: {@code Stored} or {@code Rejected} for each.
   */
  private void answerFailedWrite(DurableMailboxState state) {
    List<Pending> failed = inFlight;
    Throwable cause = inFlightFailure;
    inFlight = List.of();
    inFlightFailure = null;
    for (Pending p : failed) {
      if (isStored(state, p.event())) {
        counters.stored++;
        if (p.replyTo() != null) {
          p.replyTo().tell(new Stored(p.event().seqNr()));
        }
      } else {
        reject(p.event().message(), p.replyTo(), Rejected.WRITE_FAILED + ": " + cause);
      }
    }
  }

  /**
   * Whether the recovered {@code state} holds {@code event}'s message: its number, with the same
   * serialized form. The number alone is not enough: a failed write may be stored after the
   * recovery that followed it (its transaction committed late, after the journal's call timed out),
   * and a later write, numbered like it, then fails on the taken sequence number; the recovery
   * after that shows the late message under the number of the later one.
   */
  private static boolean isStored(DurableMailboxState state, MessageStored event) {
    if (event.seqNr() >= state.nextSeqNr()) {
      return false;
    }
    if (event.seqNr() <= state.confirmedUpTo()) {
      return true; // confirmed since: nothing left to compare (a new write is what confirms)
    }
    SerializedMessage stored = state.entry(event.seqNr()).serialized;
    SerializedMessage ours = event.serialized();
    return stored.serializerId() == ours.serializerId()
        && stored.manifest().equals(ours.manifest())
        && Arrays.equals(stored.bytes(), ours.bytes());
  }

  /**
   * Counts the confirmations (and poisonings) stored since the last count: {@code confirmed} is the
   * recovered state's confirmed position moved on, so a write that failed but was stored counts
   * once the recovery after it shows it, and nothing counts twice.
   */
  private void countConfirmations(DurableMailboxState state) {
    if (state.confirmedUpTo() > countedConfirmedUpTo) {
      counters.confirmed += state.confirmedUpTo() - countedConfirmedUpTo;
      countedConfirmedUpTo = state.confirmedUpTo();
    }
  }

  /** How far the current (or last) child got. */
  private long processedUpTo(DurableMailboxState state) {
    return channel == null ? state.confirmedUpTo() : channel.processedUpTo;
  }

  /**
   * The mailbox stopped: by itself (its last write stored what was pending), or from outside, which
   * leaves the accepted messages that wait for their write: they are refused, so that a sender's
   * ask does not time out in silence.
   */
  private void onPostStop() {
    // runs once or twice (withStopHandling and the signal handler): the second finds nothing
    for (Pending p : pendingStores) {
      reject(p.event().message(), p.replyTo(), Rejected.STOPPED);
    }
    pendingStores.clear();
    DurableMailboxRegistry.get(ctx.getSystem()).unregister(counters);
  }

  private Effect<DurableMailboxEvent, DurableMailboxState> onCommand(
      DurableMailboxState state, Object command) {
    heldCommands = Math.max(0, heldCommands - 1);
    if (isRepeatable(command)) {
      heldRepeatable.remove(command);
    }
    if (command == ConfirmHint.INSTANCE) {
      channel.hintPending.set(false);
      return confirm(state, false);
    } else if (command instanceof Enqueue<?> e) {
      return accept(state, e.message(), e.replyTo());
    } else if (command == FlushStores.INSTANCE) {
      flushStoresSent = false;
      return flushStores(state);
    } else if (command == FlushConfirmations.INSTANCE) {
      // One read of the child's progress for both: read again, a message the child finished in
      // between would be neither confirmed by this write nor left to a next flush.
      long upTo = processedUpTo(state);
      Effect<DurableMailboxEvent, DurableMailboxState> effect = confirm(state, true, upTo);
      if (offeredUpTo > upTo) {
        startFlushTimer();
      }
      return effect;
    } else if (command instanceof InnerFailed f) {
      if (f.incarnation() == incarnation && failure == null) {
        failure = f;
      }
      return Effect().none();
    } else if (command instanceof InnerTerminated t) {
      return onInnerTerminated(state, t);
    } else {
      return accept(state, command, null);
    }
  }

  private Effect<DurableMailboxEvent, DurableMailboxState> accept(
      DurableMailboxState state, Object message, ActorRef<Reply> replyTo) {
    if (state.size() + pendingStores.size() >= settings.maxUnconfirmed()) {
      return reject(message, replyTo, Rejected.FULL);
    }
    SerializedMessage serialized;
    try {
      serialized = serialize(message);
      DurableMailboxSerializer.checkStorable(serialized);
      checkReadable(message, serialized);
    } catch (Exception e) {
      String reason = "not serializable: " + e;
      ctx.getLog()
          .warn(
              "Durable mailbox [{}] rejected a message of {}: {}",
              persistenceIdString,
              message.getClass().getName(),
              reason);
      return reject(message, replyTo, reason);
    }
    long seqNr = state.nextSeqNr() + pendingStores.size();
    pendingStores.add(new Pending(new MessageStored(seqNr, serialized, message), replyTo));
    if (pendingStores.size() >= settings.maxStoreBatch()) {
      return flushStores(state);
    }
    if (!flushStoresSent) {
      requestFlushStores();
    }
    return Effect().none();
  }

  /** Sends {@link FlushStores} to itself and keeps its retry timer ({@link FlushStoresRetry}). */
  private void requestFlushStores() {
    flushStoresSent = true;
    ctx.getSelf().tell(FlushStores.INSTANCE);
    if (!timers.isTimerActive(FlushStoresRetry.INSTANCE)) {
      timers.startTimerWithFixedDelay(FlushStoresRetry.INSTANCE, FlushStores.INSTANCE, timerDelay);
    }
  }

  /**
   * Reads the stored form of the first message of each class back: a message its serializer can
   * write but not read (a Jackson class without a creator Jackson can use) used to be accepted and
   * delivered as the original object, and only after a restart did its stored copy turn out to be
   * unreadable, so that it was poisoned instead of delivered. Such a message is now rejected as it
   * is accepted. Once per class and mailbox run, so the cost stays off the steady state (a failure
   * that depends on a message's content shows only in a redelivery after a restart).
   */
  private void checkReadable(Object message, SerializedMessage s) {
    if (readable.contains(message.getClass())) {
      return;
    }
    Try<Object> back = serialization.deserialize(s.bytes(), s.serializerId(), s.manifest());
    if (back.isFailure()) {
      Throwable cause = back.failed().get();
      throw new IllegalArgumentException(
          "its stored form cannot be read back (" + message.getClass().getName() + "): " + cause,
          cause);
    }
    readable.add(message.getClass());
  }

  /** A serializer failed with an {@link Error}; the message names it (its reason for a reject). */
  private static final class SerializationFailedException extends Exception {
    private static final long serialVersionUID = 1L;

    SerializationFailedException(Throwable cause) {
      super(cause.toString(), cause);
    }
  }

  private SerializedMessage serialize(Object message) throws Exception {
    // Serialization.serialize sets the transport information, so messages may hold ActorRefs.
    Try<byte[]> bytes = serialization.serialize(message);
    if (bytes.isFailure()) {
      Throwable cause = bytes.failed().get(); // also a serializer's non-fatal Error
      throw cause instanceof Exception e ? e : new SerializationFailedException(cause);
    }
    Serializer serializer = serialization.findSerializerFor(message);
    return new SerializedMessage(
        serializer.identifier(), Serializers.manifestFor(serializer, message), bytes.get());
  }

  private Effect<DurableMailboxEvent, DurableMailboxState> reject(
      Object message, ActorRef<Reply> replyTo, String reason) {
    counters.rejected++;
    if (replyTo != null) {
      replyTo.tell(new Rejected(reason));
    } else {
      org.apache.pekko.actor.ActorRef deadLetters =
          Adapter.toClassic(ctx.getSystem()).deadLetters();
      // a DeadLetter needs a non-null sender: Pekko's convention is deadLetters itself
      deadLetters.tell(
          new DeadLetter(message, deadLetters, Adapter.toClassic(ctx.getSelf())), deadLetters);
    }
    return Effect().none();
  }

  private Effect<DurableMailboxEvent, DurableMailboxState> flushStores(DurableMailboxState state) {
    if (pendingStores.isEmpty()) {
      return confirm(state, false);
    }
    return writePending(state)
        .thenRun(
            (DurableMailboxState s) -> {
              afterConfirmation(s);
              offer(s);
            });
  }

  /**
   * One atomic write of the pending messages (then their {@code Stored} replies) and, riding along
   * for free, the confirmation of what the child processed; null if there is nothing to write.
   * Clears {@link #pendingStores}.
   */
  private EffectBuilder<DurableMailboxEvent, DurableMailboxState> writePending(
      DurableMailboxState state) {
    List<Pending> batch = List.copyOf(pendingStores);
    pendingStores.clear();
    // the next pending message sends a FlushStores (and starts the retry) again: one sent before
    // may still be stashed, or dropped
    flushStoresSent = false;
    timers.cancel(FlushStoresRetry.INSTANCE);
    List<DurableMailboxEvent> events = new ArrayList<>(batch.size() + 1);
    for (Pending p : batch) {
      events.add(p.event());
    }
    long confirmedBefore = state.confirmedUpTo();
    long confirmingUpTo = processedUpTo(state);
    if (confirmingUpTo > confirmedBefore) {
      events.add(new Confirmed(confirmingUpTo));
    }
    if (events.isEmpty()) {
      return null;
    }
    inFlight = batch;
    return Effect()
        .persist(events)
        .thenRun(
            (DurableMailboxState s) -> {
              inFlight = List.of();
              counters.stored += batch.size();
              countConfirmations(s);
              counters.unconfirmed = s.size();
              for (Pending p : batch) {
                if (p.replyTo() != null) {
                  p.replyTo().tell(new Stored(p.event().seqNr()));
                }
              }
            });
  }

  private Effect<DurableMailboxEvent, DurableMailboxState> confirm(
      DurableMailboxState state, boolean now) {
    return confirm(state, now, processedUpTo(state));
  }

  /** Writes {@code Confirmed(upTo)} if the gap is worth it ({@code now}: any gap). */
  private Effect<DurableMailboxEvent, DurableMailboxState> confirm(
      DurableMailboxState state, boolean now, long upTo) {
    long confirmedBefore = state.confirmedUpTo();
    long gap = upTo - confirmedBefore;
    if (gap <= 0 || (!now && gap < settings.confirmBatchSize())) {
      return Effect().none();
    }
    return Effect()
        .persist(new Confirmed(upTo))
        .thenRun(
            (DurableMailboxState s) -> {
              countConfirmations(s);
              counters.unconfirmed = s.size();
              afterConfirmation(s);
            });
  }

  /**
   * Publishes the new confirmed position; asks for the next batch if the child is ahead. A written
   * confirmation answers any hint sent before, also one a full stash dropped, whose flag would
   * otherwise stop the child from hinting again.
   */
  private void afterConfirmation(DurableMailboxState state) {
    if (channel != null) {
      channel.confirmedUpTo = state.confirmedUpTo();
      channel.hintPending.set(false);
      if (channel.processedUpTo - state.confirmedUpTo() >= settings.confirmBatchSize()
          && channel.hintPending.compareAndSet(false, true)) {
        ctx.getSelf().tell(ConfirmHint.INSTANCE);
      }
    }
  }

  private void startFlushTimer() {
    if (!timers.isTimerActive(FlushConfirmations.INSTANCE)) {
      timers.startSingleTimer(FlushConfirmations.INSTANCE, FlushConfirmations.INSTANCE, timerDelay);
    }
  }

  /**
   * The death watch signal of a child (not stashed, unlike commands): the current child's stop is
   * handled as the command {@link InnerTerminated}, sent now and repeated every {@code
   * confirm-flush-interval} until handled.
   */
  private void onChildTerminated(Terminated t) {
    if (child != null && t.getRef().equals(child)) {
      unhandledNotice = new InnerTerminated(incarnation);
      sendNotice(unhandledNotice);
    }
  }

  /**
   * A {@code Poisoned} event is stored: counts it, logs it and hands the message to the handler.
   */
  private void poisoned(PoisonedMessage notice) {
    counters.poisoned++;
    ctx.getLog()
        .warn(
            "Durable mailbox [{}]: message {} failed {} times, poisoned: {}",
            persistenceIdString,
            notice.seqNr(),
            notice.failures(),
            notice.lastFailure().toString());
    try {
      settings.poisonHandler().handle(ctx, notice);
    } catch (VirtualMachineError | LinkageError e) {
      throw e;
    } catch (Throwable e) { // also a checked exception, which a lambda can sneak through
      // The drop is stored: a throw here used to stop the mailbox, and every message stored after
      // the poisoned one waited undelivered until something started the mailbox again.
      ctx.getLog()
          .error(
              "Durable mailbox [{}]: the poison-message handler threw on message {}; the message"
                  + " stays dropped and the mailbox goes on",
              persistenceIdString,
              notice.seqNr(),
              e);
    }
  }

  /** Sends the notice of a child's stop, and repeats it until handled (a full stash drops it). */
  private void sendNotice(InnerTerminated notice) {
    ctx.getSelf().tell(notice);
    timers.startTimerWithFixedDelay(InnerTerminatedRetry.INSTANCE, notice, timerDelay);
  }

  private Effect<DurableMailboxEvent, DurableMailboxState> onInnerTerminated(
      DurableMailboxState state, InnerTerminated t) {
    if (t.incarnation() != incarnation || child == null) {
      return Effect().none(); // an older child's, or a repeat of one handled already
    }
    timers.cancel(InnerTerminatedRetry.INSTANCE);
    unhandledNotice = null;
    InnerFailed failed = failure != null ? failure : channel.failure; // the notice may be dropped
    failure = null;
    child = null;
    long processedUpTo = processedUpTo(state);
    if (failed == null) {
      ctx.getLog()
          .debug("Durable mailbox [{}]: inner behavior stopped, stopping", persistenceIdString);
      return stopAfterConfirming(state);
    }
    if (failed.seqNr() < 0) {
      ctx.getLog()
          .error(
              "Durable mailbox [{}]: inner behavior failed to start, stopping: {}",
              persistenceIdString,
              failed.cause().toString());
      return stopAfterConfirming(state);
    }
    if (failed.seqNr() == 0) {
      // failed on a message or a signal of its own: a new child gets the unprocessed deliveries
      ownFailures = processedUpTo == ownFailuresAt ? ownFailures + 1 : 1;
      ownFailuresAt = processedUpTo;
      if (ownFailures > settings.maxRedeliveries()) {
        ctx.getLog()
            .error(
                "Durable mailbox [{}]: inner behavior failed {} times in a row without processing"
                    + " a message, stopping: {}",
                persistenceIdString,
                ownFailures,
                failed.cause().toString());
        return stopAfterConfirming(state);
      }
      startChild(state, processedUpTo, redeliverUpTo());
      return Effect().none();
    }
    long seqNr = failed.seqNr();
    DurableMailboxState.Entry entry = state.entry(seqNr);
    int failures = entry.failures + 1;
    if (failures > settings.maxRedeliveries()) {
      if (entry.message == null) {
        // offered before a restart after journal trouble: the recovered state holds only the
        // stored form, and the handler used to get null instead of the message
        entry.message = deserialize(entry.serialized);
      }
      poisoning =
          new PoisonedMessage(persistenceIdString, seqNr, entry.message, failures, failed.cause());
      return Effect()
          .persist(new Poisoned(seqNr))
          .thenRun(
              (DurableMailboxState s) -> {
                PoisonedMessage p = poisoning;
                poisoning = null;
                counters.unconfirmed = s.size();
                countConfirmations(s);
                poisoned(p);
                startChild(s, seqNr, redeliverUpTo());
              });
    }
    return Effect()
        .persist(new DeliveryFailed(seqNr))
        .thenRun((DurableMailboxState s) -> startChild(s, processedUpTo, redeliverUpTo()));
  }

  /**
   * Stops the mailbox after one last write: the messages accepted but not yet stored (each sender
   * of an {@code Enqueue} gets its {@code Stored}; a later start delivers them) and the
   * confirmation of what the child processed. Pending messages used to be dropped here silently.
   */
  private Effect<DurableMailboxEvent, DurableMailboxState> stopAfterConfirming(
      DurableMailboxState state) {
    stopping = true;
    EffectBuilder<DurableMailboxEvent, DurableMailboxState> write = writePending(state);
    return write == null ? Effect().stop() : write.thenStop();
  }

  /** Messages the last child had moved into its mailbox (or that count as delivered before). */
  private long redeliverUpTo() {
    return Math.max(channel.pulledUpTo, channel.redeliverUpTo);
  }

  /**
   * A new child, and a new channel offering every stored message after {@code processedUpTo};
   * delivering one up to {@code redeliverUpTo} again counts as a redelivery.
   */
  @SuppressWarnings("unchecked")
  private void startChild(DurableMailboxState state, long processedUpTo, long redeliverUpTo) {
    int current = ++incarnation;
    ActorRef<Object> self = ctx.getSelf();
    Channel ch = new Channel(processedUpTo, state.confirmedUpTo(), redeliverUpTo, counters);
    int window = settings.window();
    int batch = settings.confirmBatchSize();
    // the interceptor factory may run on the child's thread: capture values, not fields
    Behavior<Object> wrapped =
        Behaviors.intercept(
            () -> new DeliveryInterceptor(self, current, ch, window, batch),
            (Behavior<Object>) (Behavior<?>) inner);
    channel = ch;
    offeredUpTo = processedUpTo;
    child = ctx.spawn(wrapped, "inner-" + current);
    ctx.watch(child); // onChildTerminated: a signal, never dropped by a full stash
    offer(state);
  }

  /** Offers the child every persisted message it was not offered yet, in order, and wakes it. */
  private void offer(DurableMailboxState state) {
    if (child == null) {
      return;
    }
    long lastStored = state.nextSeqNr() - 1;
    if (offeredUpTo >= lastStored) {
      return;
    }
    while (offeredUpTo < lastStored) {
      long seqNr = offeredUpTo + 1;
      DurableMailboxState.Entry entry = state.entry(seqNr);
      if (entry.message == null) {
        entry.message = deserialize(entry.serialized);
      }
      channel.ready.offer(new Deliver(seqNr, entry.message));
      offeredUpTo = seqNr;
    }
    if (channel.idle.compareAndSet(true, false)) {
      child.tell(Pull.INSTANCE);
    }
    startFlushTimer();
  }

  private Object deserialize(SerializedMessage s) {
    Try<Object> message = serialization.deserialize(s.bytes(), s.serializerId(), s.manifest());
    if (message.isFailure()) {
      return new UndeliverableMessage(
          s.serializerId(), s.manifest(), s.bytes(), message.failed().get().toString());
    }
    return message.get();
  }
}
