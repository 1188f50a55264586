package io.github.elasticq.bench;

import io.github.elasticq.mailbox.QosMessage;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Semaphore;
import org.apache.pekko.actor.AbstractActor;
import org.apache.pekko.actor.ActorRef;

/** Actors and messages of the mailbox benchmarks; messages are preallocated and immutable. */
final class BenchActors {
  private BenchActors() {}

  /** A payload message at a QoS level (ignored by non-QoS mailboxes). */
  record Msg(int level) implements QosMessage {
    @Override
    public int qosLevel() {
      return level;
    }
  }

  static final Msg MSG = new Msg(0);

  /** The three levels, indexed by level. */
  static final Msg[] LEVELS = {new Msg(0), new Msg(1), new Msg(2)};

  /**
   * Tells the sink to count down {@code latch} once it has received {@code target} payload messages
   * in total. Sent at the highest level, so a priority mailbox delivers it early.
   */
  record Expect(long target, CountDownLatch latch) implements QosMessage {
    @Override
    public int qosLevel() {
      return 2;
    }
  }

  /**
   * End of one sender's batch: the sink releases one permit of the sender's window. Sent at the
   * lowest level, so it follows the batch's lowest-level messages.
   */
  record BatchEnd(Semaphore window) implements QosMessage {
    @Override
    public int qosLevel() {
      return 0;
    }
  }

  /** Counts payload messages; answers {@link Expect} and {@link BatchEnd}. */
  static final class Sink extends AbstractActor {
    private long received;
    private long target = Long.MAX_VALUE;
    private CountDownLatch latch;

    @Override
    public Receive createReceive() {
      return receiveBuilder()
          .match(Msg.class, m -> onMsg())
          .match(BatchEnd.class, e -> e.window().release())
          .match(Expect.class, this::onExpect)
          .build();
    }

    private void onMsg() {
      if (++received == target) {
        latch.countDown();
      }
    }

    private void onExpect(Expect e) {
      if (received >= e.target()) {
        e.latch().countDown();
      } else {
        target = e.target();
        latch = e.latch();
      }
    }
  }

  /** Starts a rally with its partner. */
  record Serve(ActorRef partner, int hops, CountDownLatch done) {}

  static final Object BALL = "ball";

  /** One side of a ping-pong pair: returns every ball; the server counts the rally down. */
  static final class Player extends AbstractActor {
    private int remaining;
    private CountDownLatch done;

    @Override
    public Receive createReceive() {
      return receiveBuilder()
          .match(Serve.class, this::onServe)
          .matchEquals(BALL, b -> onBall())
          .build();
    }

    private void onServe(Serve s) {
      remaining = s.hops();
      done = s.done();
      s.partner().tell(BALL, getSelf());
    }

    private void onBall() {
      if (done == null) {
        getSender().tell(BALL, getSelf()); // the receiving side
      } else if (--remaining == 0) {
        done.countDown();
        done = null;
      } else {
        getSender().tell(BALL, getSelf());
      }
    }
  }

  /**
   * The idle-footprint subject: an actor that receives nothing, or (when {@code received} is not
   * null) exactly one message, which it acknowledges by counting {@code received} down.
   */
  static final class Idle extends AbstractActor {
    private final CountDownLatch started;
    private final CountDownLatch received;

    Idle(CountDownLatch started, CountDownLatch received) {
      this.started = started;
      this.received = received;
    }

    @Override
    public void preStart() {
      started.countDown();
    }

    @Override
    public Receive createReceive() {
      // Without a message to expect, the empty behaviour of the original harness (shared, not
      // one partial function per actor), so the idle rows measure the mailboxes alone.
      return received == null
          ? receiveBuilder().build()
          : receiveBuilder().matchAny(m -> received.countDown()).build();
    }
  }
}
