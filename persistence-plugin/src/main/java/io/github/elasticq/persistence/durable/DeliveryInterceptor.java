package io.github.elasticq.persistence.durable;

import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.BehaviorInterceptor;
import org.apache.pekko.actor.typed.PostStop;
import org.apache.pekko.actor.typed.Signal;
import org.apache.pekko.actor.typed.TypedActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;

/**
 * Wraps the user's inner behavior in the child actor of a {@link DurableMailbox}. The child pulls
 * stored messages from its {@link Channel}, keeps at most {@code window} of them in its own
 * mailbox, runs the inner message handler on each with the delivery's sequence number visible
 * through {@link #currentSeqNr()}, and records it as processed once the handler returned ({@link
 * Channel#processedUpTo}); if the handler throws (anything, checked exceptions included: the Java
 * DSL lets a handler throw them) it tells the mailbox {@link InnerFailed} and rethrows, so the
 * child stops. Other messages (the inner behavior's own timers and adapters) pass through.
 *
 * <p>Why pull: the mailbox is an event-sourced actor, and Pekko stashes its commands while a write
 * is in flight. If the child acknowledged each message to the mailbox and waited for the next one,
 * a busy mailbox would deliver one message per journal write. The channel lets the child move on by
 * itself; the mailbox only offers what it has persisted and reads how far the child got.
 *
 * <p>Wake-up protocol (no lost wake-up, at most one {@link Pull} in flight): {@link Channel#idle}
 * is true when the child will not look at the queue again by itself. The mailbox, after offering,
 * sends {@code Pull} only if it flips {@code idle} from true to false; the child, finding nothing
 * to do, sets {@code idle} and then looks once more, keeping the token if it flips it back.
 *
 * <p>Confirm-after-return is the point of the design: Akka's old durable mailboxes acknowledged a
 * message when it was dequeued, so a crash during processing lost it.
 */
final class DeliveryInterceptor extends BehaviorInterceptor<Object, Object> {
  private static final ThreadLocal<long[]> CURRENT = ThreadLocal.withInitial(() -> new long[] {0});

  /** A stored message offered to the child. */
  record Deliver(long seqNr, Object message) {}

  /** The child should look at its channel. */
  enum Pull {
    INSTANCE
  }

  /** The child processed enough messages for a confirmation batch. */
  enum ConfirmHint {
    INSTANCE
  }

  /**
   * The child threw on {@code seqNr} ({@code 0}: on a message that was not a delivery, {@code -1}:
   * while the inner behavior started).
   */
  record InnerFailed(int incarnation, long seqNr, Throwable cause) {}

  /**
   * What the mailbox and one child incarnation share. The mailbox offers persisted messages in
   * sequence-number order; the child polls them in that order and publishes its progress.
   */
  static final class Channel {
    final ConcurrentLinkedQueue<Deliver> ready = new ConcurrentLinkedQueue<>();
    final AtomicBoolean idle = new AtomicBoolean(true);

    /**
     * True while a {@link ConfirmHint} is on its way to the mailbox; cleared when the mailbox
     * handles it or writes any confirmation (a full stash may have dropped the hint).
     */
    final AtomicBoolean hintPending = new AtomicBoolean();

    /** Highest sequence number processed; written by the child only. */
    volatile long processedUpTo;

    /** Highest sequence number whose confirmation is persisted; written by the mailbox only. */
    volatile long confirmedUpTo;

    /** Highest sequence number moved into the child's mailbox; written by the child only. */
    volatile long pulledUpTo;

    /** Deliveries up to this sequence number count as redeliveries. */
    final long redeliverUpTo;

    /**
     * The first failure the child reported, also told to the mailbox as a command, which a full
     * stash may drop; the mailbox reads this after the child's stop. Written by the child only.
     */
    volatile InnerFailed failure;

    /** The mailbox's figures; the child counts processed and redelivered deliveries. */
    final DurableMailboxRegistry.Counters counters;

    Channel(
        long processedUpTo,
        long confirmedUpTo,
        long redeliverUpTo,
        DurableMailboxRegistry.Counters counters) {
      this.processedUpTo = processedUpTo;
      this.pulledUpTo = processedUpTo;
      this.confirmedUpTo = confirmedUpTo;
      this.redeliverUpTo = redeliverUpTo;
      this.counters = counters;
    }
  }

  private final ActorRef<Object> mailbox;
  private final int incarnation;
  private final Channel channel;
  private final int window;
  private final int confirmBatchSize;

  /** Deliveries told to ourselves and not yet processed. Child thread only. */
  private int inMailbox;

  DeliveryInterceptor(
      ActorRef<Object> mailbox,
      int incarnation,
      Channel channel,
      int window,
      int confirmBatchSize) {
    super(Object.class);
    this.mailbox = mailbox;
    this.incarnation = incarnation;
    this.channel = channel;
    this.window = window;
    this.confirmBatchSize = confirmBatchSize;
  }

  /** See {@link DurableMailbox#deliverySeqNr()}. */
  static long currentSeqNr() {
    long seqNr = CURRENT.get()[0];
    if (seqNr <= 0) {
      throw new IllegalStateException(
          "DurableMailbox.deliverySeqNr() called outside the processing of a delivered message");
    }
    return seqNr;
  }

  @Override
  public Behavior<Object> aroundStart(
      TypedActorContext<Object> ctx, PreStartTarget<Object> target) {
    try {
      return target.start(ctx);
    } catch (Throwable e) { // also a checked exception: the Java DSL lets handlers throw them
      reportFailure(-1, e);
      throw e;
    }
  }

  /**
   * A throw while the inner behavior handles a signal (also the {@code DeathPactException} of a
   * {@code Terminated} it leaves unhandled) is a failure like one in a message handler: the mailbox
   * starts a new child, which gets the unprocessed deliveries again. Without this report the
   * mailbox took the child's death for a voluntary stop and stopped itself. A throw from {@code
   * PostStop} is not reported: the child is stopping anyway.
   */
  @Override
  public Behavior<Object> aroundSignal(
      TypedActorContext<Object> ctx, Signal signal, SignalTarget<Object> target) {
    try {
      // an unhandled Terminated throws its DeathPactException in here (Behavior.interpretSignal)
      return target.apply(ctx, signal);
    } catch (Throwable e) { // also a checked exception: the Java DSL lets handlers throw them
      if (signal != PostStop.instance()) {
        reportFailure(0, e);
      }
      throw e;
    }
  }

  @Override
  public Behavior<Object> aroundReceive(
      TypedActorContext<Object> ctx, Object msg, ReceiveTarget<Object> target) {
    if (msg == Pull.INSTANCE) {
      fill(ctx);
      return Behaviors.same();
    }
    if (!(msg instanceof Deliver d)) {
      try {
        return target.apply(ctx, msg);
      } catch (Throwable e) { // also a checked exception: the Java DSL lets handlers throw them
        reportFailure(0, e);
        throw e;
      }
    }
    if (d.message() instanceof UndeliverableMessage u) {
      IllegalStateException e =
          new IllegalStateException(
              "stored message " + d.seqNr() + " cannot be deserialized: " + u.reason());
      reportFailure(d.seqNr(), e);
      throw e;
    }
    long[] current = CURRENT.get();
    current[0] = d.seqNr();
    Behavior<Object> next;
    try {
      next = target.apply(ctx, d.message());
    } catch (Throwable e) { // also a checked exception: the Java DSL lets handlers throw them
      reportFailure(d.seqNr(), e);
      throw e;
    } finally {
      current[0] = 0;
    }
    inMailbox--;
    channel.processedUpTo = d.seqNr(); // after the handler returned: this is the confirmation
    channel.counters.processed++;
    if (d.seqNr() - channel.confirmedUpTo >= confirmBatchSize
        && channel.hintPending.compareAndSet(false, true)) {
      mailbox.tell(ConfirmHint.INSTANCE);
    }
    fill(ctx);
    return next;
  }

  /** Tells the mailbox; the channel keeps the first failure in case the command is dropped. */
  private void reportFailure(long seqNr, Throwable e) {
    InnerFailed f = new InnerFailed(incarnation, seqNr, e);
    if (channel.failure == null) {
      channel.failure = f; // before the child stops: read by the mailbox after the stop
    }
    mailbox.tell(f);
  }

  /** Moves ready deliveries into our own mailbox up to the window, or goes idle. */
  private void fill(TypedActorContext<Object> ctx) {
    ActorRef<Object> self = ctx.asJava().getSelf();
    while (inMailbox < window) {
      Deliver d = channel.ready.poll();
      if (d == null) {
        break;
      }
      self.tell(d);
      inMailbox++;
      channel.pulledUpTo = d.seqNr();
      if (d.seqNr() <= channel.redeliverUpTo) {
        channel.counters.redelivered++;
      }
    }
    if (inMailbox == 0) {
      channel.idle.set(true);
      // an offer may have slipped in before idle was set: look once more, keep the token if so
      if (!channel.ready.isEmpty() && channel.idle.compareAndSet(true, false)) {
        self.tell(Pull.INSTANCE);
      }
    }
  }

  @Override
  public boolean isSame(BehaviorInterceptor<Object, Object> other) {
    return false;
  }
}
