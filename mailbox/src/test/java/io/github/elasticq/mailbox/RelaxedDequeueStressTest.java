package io.github.elasticq.mailbox;

import static org.assertj.core.api.Assertions.assertThat;

import com.typesafe.config.ConfigFactory;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import org.apache.pekko.actor.AbstractActor;
import org.apache.pekko.actor.ActorRef;
import org.apache.pekko.actor.ActorSystem;
import org.apache.pekko.actor.Props;
import org.apache.pekko.testkit.javadsl.TestKit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Many senders against one actor whose mailbox dequeues with the relaxed poll ({@link
 * ElasticMessageQueue}, {@link QosMessageQueue}): every message is processed exactly once and in
 * per-sender order, and none is stranded.
 *
 * <p>The relaxed poll returns null while a sender is between its claim and its store; the mailbox
 * run then ends and relies on Pekko's {@code hasMessages} re-check after {@code setAsIdle} (or on
 * the sender's own scheduling) to run again. A stranded message shows up here as a round that never
 * completes: each round, every sender sends a few messages at once (a barrier lines them up), and
 * the test waits until the actor has processed all messages sent so far, so the actor goes idle
 * right after nearly every round, at the moment the race is most likely. A lost message strands a
 * round too; a duplicate or reordered one is counted by the actor. The {@code tiny-} mailboxes
 * (capacity 2) grow into a new buffer every round and shrink back on the empty poll that ends it,
 * so the consumer's hop to the successor buffer is on the relaxed path too.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class RelaxedDequeueStressTest {

  private static final int SENDERS = 4;
  private static final int ROUNDS = 3_000;
  private static final int PER_ROUND = 3;
  private static final long ROUND_TIMEOUT_NANOS = TimeUnit.SECONDS.toNanos(10);

  private ActorSystem system;

  @BeforeAll
  void startSystem() {
    system = ActorSystem.create(getClass().getSimpleName(), ConfigFactory.load("application-test"));
  }

  @AfterAll
  void stopSystem() {
    TestKit.shutdownActorSystem(system);
  }

  /** Counts what it processes, per sender, and the order violations; state read by the test. */
  static final class Tally {
    final AtomicLong processed = new AtomicLong();
    final AtomicLong outOfOrder = new AtomicLong();
    final long[] next = new long[SENDERS]; // written by the actor only
  }

  record Msg(int sender, long seq) {}

  static final class Counting extends AbstractActor {
    private final Tally tally;

    Counting(Tally tally) {
      this.tally = tally;
    }

    @Override
    public Receive createReceive() {
      return receiveBuilder()
          .match(
              Msg.class,
              m -> {
                if (tally.next[m.sender()] != m.seq()) {
                  tally.outOfOrder.incrementAndGet();
                }
                tally.next[m.sender()] = m.seq() + 1;
                tally.processed.incrementAndGet();
              })
          .build();
    }
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "test-elastic-mailbox",
        "padded-elastic-mailbox",
        "test-qos-mailbox",
        "tiny-elastic-mailbox",
        "tiny-qos-mailbox"
      })
  void manySenders_everyMessageProcessedOnceInOrder_noneStranded(String mailbox) throws Exception {
    Tally tally = new Tally();
    ActorRef actor =
        system.actorOf(
            Props.create(Counting.class, () -> new Counting(tally)).withMailbox(mailbox));
    CyclicBarrier roundStart = new CyclicBarrier(SENDERS + 1);
    CyclicBarrier roundSent = new CyclicBarrier(SENDERS + 1);
    List<Thread> threads = new ArrayList<>();
    List<Throwable> failures = new java.util.concurrent.CopyOnWriteArrayList<>();
    for (int s = 0; s < SENDERS; s++) {
      int sender = s;
      Thread t =
          new Thread(
              () -> {
                try {
                  long seq = 0;
                  for (int r = 0; r < ROUNDS; r++) {
                    roundStart.await();
                    for (int i = 0; i < PER_ROUND; i++) {
                      actor.tell(new Msg(sender, seq++), ActorRef.noSender());
                    }
                    roundSent.await();
                  }
                } catch (Exception e) {
                  failures.add(e);
                }
              },
              "relaxed-stress-sender-" + s);
      t.setDaemon(true);
      t.start();
      threads.add(t);
    }
    try {
      for (int r = 0; r < ROUNDS; r++) {
        roundStart.await(30, TimeUnit.SECONDS);
        roundSent.await(30, TimeUnit.SECONDS);
        long expected = (long) (r + 1) * SENDERS * PER_ROUND;
        long deadline = System.nanoTime() + ROUND_TIMEOUT_NANOS;
        while (tally.processed.get() < expected) {
          if (System.nanoTime() - deadline > 0) {
            throw new AssertionError(
                mailbox
                    + ": round "
                    + r
                    + " stranded: processed "
                    + tally.processed.get()
                    + " of "
                    + expected
                    + " sent (the actor is idle with messages in its mailbox)");
          }
          LockSupport.parkNanos(20_000);
        }
      }
    } finally {
      for (Thread t : threads) {
        t.interrupt();
      }
      system.stop(actor);
    }
    for (Thread t : threads) {
      t.join(TimeUnit.SECONDS.toMillis(10));
    }
    assertThat(failures).isEmpty();
    assertThat(tally.processed.get()).isEqualTo((long) ROUNDS * SENDERS * PER_ROUND);
    assertThat(tally.outOfOrder.get()).isZero();
  }
}
