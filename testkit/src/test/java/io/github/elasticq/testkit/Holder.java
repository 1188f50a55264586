package io.github.elasticq.testkit;

import io.github.elasticq.mailbox.QosMessage;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.Behaviors;

/** A typed actor that blocks on {@link Hold} so that messages pile up in its mailbox. */
final class Holder {
  private Holder() {}

  interface Msg {}

  /** Blocks the actor until released; {@link #awaitEntered()} returns once it is blocked. */
  static final class Hold implements Msg {
    private final CountDownLatch entered = new CountDownLatch(1);
    private final CountDownLatch released = new CountDownLatch(1);

    void awaitEntered() throws InterruptedException {
      if (!entered.await(10, TimeUnit.SECONDS)) {
        throw new IllegalStateException("the actor never started the Hold");
      }
    }

    void release() {
      released.countDown();
    }

    /** Run by the actor: signals that it entered, then blocks until released. */
    void block() throws InterruptedException {
      entered.countDown();
      if (!released.await(60, TimeUnit.SECONDS)) {
        throw new IllegalStateException("never released");
      }
    }
  }

  /** Any payload. */
  record Ping(int n) implements Msg {}

  /** A message with a QoS level. */
  record Prio(int qosLevel) implements Msg, QosMessage {}

  static Behavior<Msg> create() {
    return Behaviors.receiveMessage(
        msg -> {
          if (msg instanceof Hold h) {
            h.block();
          }
          return Behaviors.same();
        });
  }
}
