package io.github.elasticq.mailbox;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;
import java.util.function.ToLongFunction;
import org.apache.pekko.actor.AbstractActor;
import org.apache.pekko.actor.ActorRef;
import org.apache.pekko.actor.ActorSystem;
import org.apache.pekko.actor.DeadLetter;
import org.apache.pekko.actor.Props;
import org.apache.pekko.dispatch.ControlMessage;
import org.apache.pekko.dispatch.MessageQueue;
import scala.Option;

/** Actors, messages and fixtures shared by the mailbox tests. */
final class TestActors {

  private TestActors() {}

  /**
   * A message queue of the mailbox type configured at {@code mailboxId}, created as Pekko creates a
   * shared one (no owner, no system): a queue the test drives by hand, from one thread.
   */
  @SuppressWarnings("unchecked")
  static <Q extends MessageQueue> Q queueOf(ActorSystem system, String mailboxId) {
    return (Q) system.mailboxes().lookup(mailboxId).create(Option.empty(), Option.empty());
  }

  /**
   * Blocks on its first message (sequence 0) until {@code release} opens, signalling {@code
   * blocked}, then stops itself after the message of sequence {@code stopAt}: an actor that stops
   * inside a consumer batch. {@code seqOf} reads a message's sequence; every message counts in
   * {@code processed}.
   */
  static final class StopsInsideABatch extends AbstractActor {
    private final CountDownLatch blocked;
    private final CountDownLatch release;
    private final AtomicInteger processed;
    private final long stopAt;
    private final ToLongFunction<Object> seqOf;

    StopsInsideABatch(
        CountDownLatch blocked,
        CountDownLatch release,
        AtomicInteger processed,
        long stopAt,
        ToLongFunction<Object> seqOf) {
      this.blocked = blocked;
      this.release = release;
      this.processed = processed;
      this.stopAt = stopAt;
      this.seqOf = seqOf;
    }

    @Override
    public Receive createReceive() {
      return receiveBuilder()
          .matchAny(
              m -> {
                processed.incrementAndGet();
                long seq = seqOf.applyAsLong(m);
                if (seq == 0) {
                  blocked.countDown();
                  release.await(10, TimeUnit.SECONDS);
                } else if (seq == stopAt) {
                  getContext().stop(getSelf());
                }
              })
          .build();
    }
  }

  /** Holds the actor inside its receive until {@code gate} opens; signals {@code entered}. */
  record Block(CountDownLatch entered, CountDownLatch gate) {
    Block() {
      this(new CountDownLatch(1), new CountDownLatch(1));
    }

    void awaitEntered() throws InterruptedException {
      assertThat(entered.await(10, TimeUnit.SECONDS)).as("actor entered the block").isTrue();
    }

    void release() {
      gate.countDown();
    }

    void hold() {
      entered.countDown();
      try {
        if (!gate.await(30, TimeUnit.SECONDS)) {
          throw new IllegalStateException("test never released the block");
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }

  /** Like {@link Block}, but a Pekko ControlMessage, so it bypasses the QoS levels. */
  record ControlBlock(Block block) implements ControlMessage {}

  /** Blocks, then stops the actor from inside, so everything still queued is left over. */
  record BlockThenStop(Block block) {}

  /** Makes the actor throw, so its supervisor restarts it. */
  record Boom() {}

  /** A control message recorded like any other. */
  record Urgent(String name) implements ControlMessage {}

  /** A message with its own QoS level. */
  record Leveled(int level, int seq) implements QosMessage {
    @Override
    public int qosLevel() {
      return level;
    }
  }

  /** One message of a concurrent sender. */
  record Seq(int sender, int seq) {}

  /** Reply of {@link SequenceChecker}: how many arrived and how many broke per-sender order. */
  record SequenceReport(int received, int outOfOrder) {}

  /**
   * Forwards every ordinary message to {@code target}; understands {@link Block}, {@link
   * ControlBlock}, {@link BlockThenStop} and {@link Boom}; reports restarts as the string
   * "restarted".
   */
  static final class Recorder extends AbstractActor {
    private final ActorRef target;

    Recorder(ActorRef target) {
      this.target = target;
    }

    static Props props(ActorRef target) {
      return Props.create(Recorder.class, () -> new Recorder(target));
    }

    @Override
    public void postRestart(Throwable reason) throws Exception {
      super.postRestart(reason);
      target.tell("restarted", getSelf());
    }

    @Override
    public Receive createReceive() {
      return receiveBuilder()
          .match(Block.class, Block::hold)
          .match(ControlBlock.class, c -> c.block().hold())
          .match(
              BlockThenStop.class,
              b -> {
                b.block().hold();
                getContext().stop(getSelf());
              })
          .match(
              Boom.class,
              b -> {
                throw new IllegalStateException("boom (test)");
              })
          .matchAny(m -> target.tell(m, getSelf()))
          .build();
    }
  }

  /** Counts {@link Seq} messages per sender and reports once {@code expected} have arrived. */
  static final class SequenceChecker extends AbstractActor {
    private final ActorRef target;
    private final int expected;
    private final Map<Integer, Integer> last = new HashMap<>();
    private int received;
    private int outOfOrder;

    SequenceChecker(ActorRef target, int expected) {
      this.target = target;
      this.expected = expected;
    }

    static Props props(ActorRef target, int expected) {
      return Props.create(SequenceChecker.class, () -> new SequenceChecker(target, expected));
    }

    @Override
    public Receive createReceive() {
      return receiveBuilder()
          .match(
              Seq.class,
              s -> {
                Integer prev = last.put(s.sender(), s.seq());
                if (prev != null && prev + 1 != s.seq() || prev == null && s.seq() != 0) {
                  outOfOrder++;
                }
                if (++received == expected) {
                  target.tell(new SequenceReport(received, outOfOrder), getSelf());
                }
              })
          .build();
    }
  }

  /** Counts messages and replies with the count when it receives "count?". */
  static final class Counter extends AbstractActor {
    private int count;

    static Props props() {
      return Props.create(Counter.class, Counter::new);
    }

    @Override
    public Receive createReceive() {
      return receiveBuilder()
          .match(Block.class, Block::hold)
          .matchEquals("count?", m -> getSender().tell(count, getSelf()))
          .matchAny(m -> count++)
          .build();
    }
  }

  /**
   * Subscribed to {@link DeadLetter} on the event stream; forwards to {@code target} only those
   * whose recipient matches, so concurrent noise from other actors does not disturb a count.
   */
  static final class DeadLetterFilter extends AbstractActor {
    private final ActorRef target;
    private final Predicate<DeadLetter> accept;

    DeadLetterFilter(ActorRef target, Predicate<DeadLetter> accept) {
      this.target = target;
      this.accept = accept;
    }

    static Props props(ActorRef target, ActorRef recipient) {
      return Props.create(
          DeadLetterFilter.class,
          () -> new DeadLetterFilter(target, d -> recipient.equals(d.recipient())));
    }

    @Override
    public void preStart() {
      getContext().getSystem().getEventStream().subscribe(getSelf(), DeadLetter.class);
    }

    @Override
    public Receive createReceive() {
      return receiveBuilder()
          .match(
              DeadLetter.class,
              d -> {
                if (accept.test(d)) {
                  target.tell(d, getSelf());
                }
              })
          .matchEquals("ready?", m -> getSender().tell("ready", getSelf()))
          .build();
    }
  }

  /**
   * Classifier for tests: strings starting with "high:" go to level 2, "mid:" to 1, "wild:" to 99
   * (out of range, clamped), everything else to 0.
   */
  public static final class PrefixClassifier implements QosClassifier {
    static final java.util.concurrent.atomic.AtomicInteger INSTANCES =
        new java.util.concurrent.atomic.AtomicInteger();

    public PrefixClassifier() {
      INSTANCES.incrementAndGet();
    }

    @Override
    public int levelOf(Object message) {
      if (message instanceof String s) {
        if (s.startsWith("high:")) {
          return 2;
        }
        if (s.startsWith("mid:")) {
          return 1;
        }
        if (s.startsWith("wild:")) {
          return 99;
        }
      }
      return 0;
    }
  }

  /** Not a classifier: used to check the wrong-type error. */
  public static final class NotAClassifier {}
}
