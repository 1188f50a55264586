package io.github.elasticq.mailbox;

import static org.assertj.core.api.Assertions.assertThat;

import com.typesafe.config.ConfigFactory;
import io.github.elasticq.queue.QueueStats;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.pekko.actor.AbstractActor;
import org.apache.pekko.actor.ActorRef;
import org.apache.pekko.actor.ActorSystem;
import org.apache.pekko.actor.Props;
import org.apache.pekko.dispatch.Envelope;
import org.apache.pekko.testkit.javadsl.TestKit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;
import scala.Option;

/**
 * {@code burst-memory = on} in a {@link QosMailbox} section: each level keeps its capacity after a
 * burst, and the registry's idle check has the actor's own run return each quiet level to {@code
 * min-capacity}, level by level, losing nothing. A real actor system.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(value = 60, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class BurstMemoryQosMailboxTest {

  private static final int BURST = 4_000;

  private ActorSystem system;

  @BeforeAll
  void start() {
    system =
        ActorSystem.create(
            "BurstMemoryQosMailboxTest",
            ConfigFactory.parseString(
                    """
                    bursty-qos {
                      mailbox-type = "io.github.elasticq.mailbox.QosMailbox"
                      burst-memory = on
                      idle-shrink-after = 1s
                    }
                    # Checked by hand in the test below: the registry's timer never comes round.
                    manual-qos {
                      mailbox-type = "io.github.elasticq.mailbox.QosMailbox"
                      burst-memory = on
                      idle-shrink-after = 1h
                    }
                    plain-qos.mailbox-type = "io.github.elasticq.mailbox.QosMailbox"
                    """)
                .withFallback(ConfigFactory.load("application-test")));
  }

  @AfterAll
  void stop() {
    TestKit.shutdownActorSystem(system);
  }

  /** A message at a level, numbered within its level. */
  record Leveled(int level, long seq) implements QosMessage {
    @Override
    public int qosLevel() {
      return level;
    }
  }

  /**
   * Blocks on "gate" until it opens; counts the rest and checks the order within each level. When
   * it has taken {@code last} messages it records its mailbox's level stats from inside its own
   * run: the levels as the burst left them, before the idle timer can have trimmed them (a trim
   * happens only in the actor's own dequeue, and the highest level went empty just {@code BURST}
   * messages earlier), whatever a slow machine does between the drain and the test thread's next
   * look.
   */
  static final class Gated extends AbstractActor {
    private final CountDownLatch blocked;
    private final CountDownLatch gate;
    private final AtomicLong received;
    private final long last;
    private final AtomicReference<List<QueueStats>> atLast;
    private final long[] next = new long[3];

    Gated(
        CountDownLatch blocked,
        CountDownLatch gate,
        AtomicLong received,
        long last,
        AtomicReference<List<QueueStats>> atLast) {
      this.blocked = blocked;
      this.gate = gate;
      this.received = received;
      this.last = last;
      this.atLast = atLast;
    }

    @Override
    public Receive createReceive() {
      return receiveBuilder()
          .matchEquals(
              "gate",
              g -> {
                blocked.countDown();
                gate.await(30, TimeUnit.SECONDS);
              })
          .match(
              Leveled.class,
              m -> {
                if (m.seq() != next[m.level()]) {
                  throw new IllegalStateException("level " + m.level() + " out of order: " + m);
                }
                next[m.level()]++;
                if (received.get() + 1 == last) {
                  atLast.set(
                      MailboxRegistry.get(getContext().getSystem())
                          .find(getSelf())
                          .orElseThrow()
                          .levelStats());
                }
                received.incrementAndGet();
              })
          .build();
    }
  }

  private List<QueueStats> levels(ActorRef actor) {
    return MailboxRegistry.get(system).find(actor).orElseThrow().levelStats();
  }

  @Test
  void typeSettings() {
    QosMailbox bursty = (QosMailbox) system.mailboxes().lookup("bursty-qos");
    assertThat(bursty.burstMemory()).isTrue();
    assertThat(bursty.queueConfig().burstMemory()).isTrue();
    assertThat(bursty.controlQueueConfig().burstMemory()).as("control queue").isFalse();
    QosMailbox plain = (QosMailbox) system.mailboxes().lookup("plain-qos");
    assertThat(plain.burstMemory()).isFalse();
    assertThat(plain.queueConfig().burstMemory()).isFalse();
    assertThat(plain.create(Option.empty(), Option.empty()))
        .isNotInstanceOf(BurstMemoryQosMessageQueue.class);
  }

  @Test
  void levelsKeepTheirCapacityAfterABurst_thenReturnToMinWhenIdle_losingNothing() throws Exception {
    QosMailbox type = (QosMailbox) system.mailboxes().lookup("bursty-qos");
    int min = type.queueConfig().minCapacity();
    CountDownLatch blocked = new CountDownLatch(1);
    CountDownLatch gate = new CountDownLatch(1);
    AtomicLong received = new AtomicLong();
    AtomicReference<List<QueueStats>> atLast = new AtomicReference<>();
    ActorRef actor =
        system.actorOf(
            Props.create(Gated.class, () -> new Gated(blocked, gate, received, 2L * BURST, atLast))
                .withMailbox("bursty-qos"),
            "bursty");
    actor.tell("gate", ActorRef.noSender());
    // "gate" is at level 0: sent before the actor blocks on it, level 2 would overtake it, and the
    // actor would drain level 2 while the burst is still being sent (a CI failure: level 2 then
    // never held the burst and shrank back while level 0 drained).
    assertThat(blocked.await(10, TimeUnit.SECONDS)).as("actor blocked on the gate").isTrue();
    for (int i = 0; i < BURST; i++) {
      actor.tell(new Leveled(0, i), ActorRef.noSender());
      actor.tell(new Leveled(2, i), ActorRef.noSender());
    }
    gate.countDown();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (received.get() < 2L * BURST && System.nanoTime() < deadline) {
      Thread.sleep(5);
    }
    assertThat(received.get()).isEqualTo(2L * BURST);
    List<QueueStats> drained = atLast.get();
    assertThat(drained.get(0).capacity()).as("level 0 kept").isGreaterThanOrEqualTo(BURST);
    assertThat(drained.get(2).capacity()).as("level 2 kept").isGreaterThanOrEqualTo(BURST);

    deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
    List<QueueStats> idle = levels(actor);
    while ((idle.get(0).capacity() != min || idle.get(2).capacity() != min)
        && System.nanoTime() < deadline) {
      Thread.sleep(20);
      idle = levels(actor);
    }
    for (int level : new int[] {0, 2}) {
      assertThat(idle.get(level).capacity()).as("level %d once idle", level).isEqualTo(min);
      assertThat(idle.get(level).allocatedSlots()).as("level %d slots", level).isEqualTo(min);
      // level 0 also took "gate" (no QosMessage: default-level 0)
      assertThat(idle.get(level).dequeued()).isEqualTo(level == 0 ? BURST + 1 : BURST);
    }
    assertThat(idle.get(1).enqueued()).as("level 1 never used").isZero();
  }

  /**
   * The check is per level: a level from which the actor took many messages since the previous
   * check keeps its capacity while a quiet one of the same queue is marked and trimmed by the
   * consumer's next dequeue. Driven by hand on a queue made without an actor system (nothing is
   * scheduled).
   */
  @Test
  void idleCheck_marksOnlyQuietEmptyLevels_andTheConsumersDequeueTrimsThem() {
    BurstMemoryQosMessageQueue q = TestActors.queueOf(system, "manual-qos");
    int min = q.type.queueConfig().minCapacity();
    long t = q.idleNanos();
    send(q, 0, 1_000);
    send(q, 2, 1_000);
    drain(q, 2_000);
    int kept0 = q.levelStats().get(0).capacity();
    int kept2 = q.levelStats().get(2).capacity();
    assertThat(kept0).isGreaterThanOrEqualTo(1_000);
    assertThat(kept2).isGreaterThanOrEqualTo(1_000);

    long c1 = System.nanoTime() + t;
    assertThat(q.checkIdle(c1)).as("1000 taken from each level: busy").isFalse();
    send(q, 2, 600); // more than shrink-threshold x capacity from level 2 before the next check
    drain(q, 600);
    assertThat(q.checkIdle(c1 + t / 2)).as("checked too early").isFalse();
    assertThat(q.checkIdle(c1 + t)).as("level 0 quiet").isTrue();
    assertThat(q.hasMessages()).as("marked: the mailbox must run").isTrue();
    assertThat(q.levelStats().get(0).capacity()).as("only the consumer trims").isEqualTo(kept0);

    assertThat(q.dequeue()).isNull();
    assertThat(q.hasMessages()).isFalse();
    assertThat(q.levelStats().get(0).capacity()).as("level 0 trimmed").isEqualTo(min);
    assertThat(q.levelStats().get(2).capacity()).as("level 2, busy, kept").isEqualTo(kept2);

    assertThat(q.checkIdle(c1 + 2 * t)).as("level 2 quiet now").isTrue();
    assertThat(q.dequeue()).isNull();
    assertThat(q.levelStats().get(2).capacity()).isEqualTo(min);
    assertThat(q.checkIdle(c1 + 3 * t)).as("nothing above min").isFalse();
    assertThat(q.stats().enqueued()).isEqualTo(2_600);
    assertThat(q.stats().dequeued()).isEqualTo(2_600);
  }

  private static void send(BurstMemoryQosMessageQueue q, int level, int n) {
    for (int i = 0; i < n; i++) {
      q.enqueue(ActorRef.noSender(), new Envelope(new Leveled(level, i), ActorRef.noSender()));
    }
  }

  private static void drain(BurstMemoryQosMessageQueue q, int n) {
    for (int i = 0; i < n; i++) {
      assertThat(q.dequeue()).as("message %d of %d", i, n).isNotNull();
    }
  }
}
