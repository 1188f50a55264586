package io.github.elasticq.persistence.durable;

import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.BehaviorInterceptor;
import org.apache.pekko.actor.typed.TypedActorContext;

/**
 * Wraps the user's inner behavior in the child actor of a {@link DurableMailbox}: unwraps each
 * {@link Deliver}, runs the inner message handler with the delivery's sequence number visible
 * through {@link #currentSeqNr()}, and tells the mailbox {@link Processed} once the handler
 * returned, or {@link InnerFailed} if it threw (then rethrows, so the child stops). Other messages
 * (the inner behavior's own timers and adapters) pass through unconfirmed.
 *
 * <p>Confirm-after-return is the point of the design: Akka's old durable mailboxes acknowledged a
 * message when it was dequeued, so a crash during processing lost it.
 */
final class DeliveryInterceptor extends BehaviorInterceptor<Object, Object> {
  private static final ThreadLocal<long[]> CURRENT = ThreadLocal.withInitial(() -> new long[] {0});

  /** A stored message handed to the child. */
  record Deliver(long seqNr, Object message) {}

  /** The child finished {@code seqNr} without throwing. */
  record Processed(int incarnation, long seqNr) {}

  /**
   * The child threw on {@code seqNr} ({@code 0}: on a message that was not a delivery, {@code -1}:
   * while the inner behavior started).
   */
  record InnerFailed(int incarnation, long seqNr, Throwable cause) {}

  private final ActorRef<Object> mailbox;
  private final int incarnation;

  DeliveryInterceptor(ActorRef<Object> mailbox, int incarnation) {
    super(Object.class);
    this.mailbox = mailbox;
    this.incarnation = incarnation;
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
    } catch (RuntimeException | Error e) {
      mailbox.tell(new InnerFailed(incarnation, -1, e));
      throw e;
    }
  }

  @Override
  public Behavior<Object> aroundReceive(
      TypedActorContext<Object> ctx, Object msg, ReceiveTarget<Object> target) {
    if (!(msg instanceof Deliver d)) {
      try {
        return target.apply(ctx, msg);
      } catch (RuntimeException | Error e) {
        mailbox.tell(new InnerFailed(incarnation, 0, e));
        throw e;
      }
    }
    if (d.message() instanceof UndeliverableMessage u) {
      IllegalStateException e =
          new IllegalStateException(
              "stored message " + d.seqNr() + " cannot be deserialized: " + u.reason());
      mailbox.tell(new InnerFailed(incarnation, d.seqNr(), e));
      throw e;
    }
    long[] current = CURRENT.get();
    current[0] = d.seqNr();
    Behavior<Object> next;
    try {
      next = target.apply(ctx, d.message());
    } catch (RuntimeException | Error e) {
      mailbox.tell(new InnerFailed(incarnation, d.seqNr(), e));
      throw e;
    } finally {
      current[0] = 0;
    }
    mailbox.tell(new Processed(incarnation, d.seqNr()));
    return next;
  }

  @Override
  public boolean isSame(BehaviorInterceptor<Object, Object> other) {
    return false;
  }
}
