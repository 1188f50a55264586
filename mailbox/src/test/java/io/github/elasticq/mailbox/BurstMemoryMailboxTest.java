package io.github.elasticq.mailbox;

import static org.assertj.core.api.Assertions.assertThat;

import com.typesafe.config.ConfigFactory;
import io.github.elasticq.queue.QueueStats;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.pekko.actor.AbstractActor;
import org.apache.pekko.actor.ActorPath;
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

/**
 * {@code burst-memory = on}: a real actor system, an actor that takes bursts. After a burst is
 * drained the queue keeps its capacity (the next burst does not regrow it); once the actor has been
 * idle for {@code idle-shrink-after}, the registry's check has the actor's own mailbox run return
 * the queue to {@code min-capacity}, with its array; every message of every burst is delivered
 * exactly once and in order, before and after the trim.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(value = 60, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class BurstMemoryMailboxTest {

  private static final int BURST = 5_000;

  private ActorSystem system;

  @BeforeAll
  void start() {
    system =
        ActorSystem.create(
            "BurstMemoryMailboxTest",
            ConfigFactory.parseString(
                    """
                    bursty-mailbox {
                      mailbox-type = "io.github.elasticq.mailbox.ElasticMailbox"
                      layout = padded
                      burst-memory = on
                      idle-shrink-after = 300ms
                    }
                    plain-mailbox.mailbox-type = "io.github.elasticq.mailbox.ElasticMailbox"
                    """)
                .withFallback(ConfigFactory.load("application-test")));
  }

  @AfterAll
  void stop() {
    TestKit.shutdownActorSystem(system);
  }

  /**
   * Blocks on its first message until the gate opens; counts the rest and checks their order. With
   * the first burst's last message it records its mailbox's stats from inside its own run, before
   * the idle timer can have had it trimmed (only the actor's own dequeue trims), however long a
   * slow machine takes before the test thread looks.
   */
  static final class Gated extends AbstractActor {
    private final CountDownLatch gate;
    private final AtomicLong received;
    private final AtomicReference<QueueStats> afterFirstBurst;
    private long expected;

    Gated(CountDownLatch gate, AtomicLong received, AtomicReference<QueueStats> afterFirstBurst) {
      this.gate = gate;
      this.received = received;
      this.afterFirstBurst = afterFirstBurst;
    }

    @Override
    public Receive createReceive() {
      return receiveBuilder()
          .matchEquals("gate", g -> gate.await(30, TimeUnit.SECONDS))
          .match(
              Long.class,
              n -> {
                if (n != expected) {
                  throw new IllegalStateException("expected " + expected + ", got " + n);
                }
                expected++;
                if (expected == BURST) {
                  afterFirstBurst.set(
                      MailboxRegistry.get(getContext().getSystem())
                          .find(getSelf())
                          .orElseThrow()
                          .stats());
                }
                received.incrementAndGet();
              })
          .build();
    }
  }

  private QueueStats stats(ActorRef actor) {
    return MailboxRegistry.get(system).find(actor).orElseThrow().stats();
  }

  private static void awaitCount(AtomicLong received, long target) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (received.get() < target && System.nanoTime() < deadline) {
      Thread.sleep(5);
    }
    assertThat(received.get()).as("messages delivered").isEqualTo(target);
  }

  private long burst(ActorRef actor, long from) {
    for (long i = from; i < from + BURST; i++) {
      actor.tell(i, ActorRef.noSender());
    }
    return from + BURST;
  }

  @Test
  void keepsItsCapacityAfterABurst_thenReturnsToMinWhenIdle_losingNothing() throws Exception {
    ElasticMailbox type = (ElasticMailbox) system.mailboxes().lookup("bursty-mailbox");
    assertThat(type.burstMemory()).isTrue();
    assertThat(type.queueConfig().burstMemory()).isTrue();
    CountDownLatch gate = new CountDownLatch(1);
    AtomicLong received = new AtomicLong();
    AtomicReference<QueueStats> afterFirstBurst = new AtomicReference<>();
    ActorRef actor =
        system.actorOf(
            Props.create(Gated.class, () -> new Gated(gate, received, afterFirstBurst))
                .withMailbox("bursty-mailbox"),
            "bursty");
    int min = type.queueConfig().minCapacity();

    actor.tell("gate", ActorRef.noSender());
    long sent = burst(actor, 0);
    gate.countDown();
    awaitCount(received, sent);
    QueueStats drained = afterFirstBurst.get();
    assertThat(drained.size()).isZero();
    assertThat(drained.capacity())
        .as("capacity kept after the burst")
        .isGreaterThanOrEqualTo(BURST);

    // Idle: the registry's check has the actor's next run return the queue to min.
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
    QueueStats idle = stats(actor);
    while (idle.capacity() != min && System.nanoTime() < deadline) {
      Thread.sleep(20);
      idle = stats(actor);
    }
    assertThat(idle.capacity()).as("capacity once idle: %s", idle).isEqualTo(min);
    assertThat(idle.allocatedSlots()).as("slots once idle: %s", idle).isEqualTo(min);
    assertThat(idle.shrinks()).isGreaterThan(drained.shrinks());

    // The trimmed queue takes the next bursts whole, in order.
    sent = burst(actor, sent);
    sent = burst(actor, sent);
    awaitCount(received, sent);
    QueueStats after = stats(actor);
    assertThat(after.enqueued()).isEqualTo(sent + 1);
    assertThat(after.dequeued()).isEqualTo(sent + 1);
    assertThat(after.rejected()).isZero();
  }

  /**
   * The idle check's rule on a bare queue (no actor system, so nothing is scheduled): a queue whose
   * actor took more than {@code shrink-threshold x capacity} messages since the previous check is
   * left alone; a quiet, empty one is marked, reports {@code hasMessages} until its consumer's next
   * dequeue, which trims it to min; a non-empty one is never marked.
   */
  @Test
  void idleCheck_marksOnlyAQuietEmptyQueue_andTheConsumersDequeueTrimsIt() {
    BurstMemoryMessageQueue q = TestActors.queueOf(system, "bursty-mailbox");
    long t = q.idleNanos();
    for (long i = 0; i < 1_000; i++) {
      q.enqueue(ActorRef.noSender(), new Envelope(i, ActorRef.noSender()));
    }
    for (long i = 0; i < 1_000; i++) {
      assertThat(q.dequeue().message()).isEqualTo(i);
    }
    int kept = q.stats().capacity();
    assertThat(kept).isGreaterThanOrEqualTo(1_000);

    long c1 = System.nanoTime() + t;
    assertThat(q.checkIdle(c1)).as("1000 taken since the queue was made: busy").isFalse();
    assertThat(q.checkIdle(c1 + t / 2)).as("checked too early").isFalse();
    q.enqueue(ActorRef.noSender(), new Envelope(-1L, ActorRef.noSender()));
    assertThat(q.checkIdle(c1 + t)).as("not empty").isFalse();
    assertThat(q.dequeue().message()).isEqualTo(-1L);
    assertThat(q.hasMessages()).isFalse();
    assertThat(q.stats().capacity()).isEqualTo(kept);

    assertThat(q.checkIdle(c1 + 2 * t)).as("one taken since the last check, now empty").isTrue();
    assertThat(q.hasMessages()).as("marked: the mailbox must run").isTrue();
    assertThat(q.stats().capacity()).as("nothing trims but the consumer").isEqualTo(kept);
    assertThat(q.dequeue()).isNull();
    assertThat(q.hasMessages()).isFalse();
    QueueStats s = q.stats();
    assertThat(s.capacity()).isEqualTo(q.queue().config().minCapacity());
    assertThat(s.allocatedSlots()).isEqualTo(q.queue().config().minCapacity());
    assertThat(s.enqueued()).isEqualTo(1_001);
  }

  /**
   * The idle checks walk only the {@code burst-memory} mailboxes, not every mailbox of the system,
   * and drop a stopped one's entry.
   */
  @Test
  void idleChecks_walkOnlyBurstMemoryMailboxes_andDropStoppedOnes() throws Exception {
    MailboxRegistry registry = MailboxRegistry.get(system);
    List<ActorRef> ordinary = new ArrayList<>();
    for (int i = 0; i < 20; i++) {
      ordinary.add(
          system.actorOf(
              Props.create(
                      Gated.class,
                      () ->
                          new Gated(
                              new CountDownLatch(0), new AtomicLong(), new AtomicReference<>()))
                  .withMailbox("plain-mailbox"),
              "plain-" + i));
    }
    ActorRef bursty =
        system.actorOf(
            Props.create(
                    Gated.class,
                    () ->
                        new Gated(new CountDownLatch(0), new AtomicLong(), new AtomicReference<>()))
                .withMailbox("bursty-mailbox"),
            "bursty-walked");
    // A top-level actor's cell, and with it its mailbox, is made asynchronously: await them all.
    List<ActorRef> all = new ArrayList<>(ordinary);
    all.add(bursty);
    long registered = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
    while (!all.stream().allMatch(a -> registry.find(a).isPresent())
        && System.nanoTime() < registered) {
      Thread.sleep(10);
    }
    for (ActorRef a : all) {
      assertThat(registry.find(a)).as("registered: %s", a).isPresent();
    }
    List<ActorPath> walked = registry.idleCheckedOwners();
    assertThat(walked).contains(bursty.path());
    for (ActorRef a : ordinary) {
      assertThat(walked).as("an ordinary mailbox is not idle-checked").doesNotContain(a.path());
    }

    system.stop(bursty);
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
    while (registry.find(bursty).isPresent() && System.nanoTime() < deadline) {
      Thread.sleep(10);
    }
    assertThat(registry.find(bursty)).as("deregistered once stopped").isEmpty();
    // A check may be running on the scheduler (then this one returns at once): retry until one ran.
    deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
    while (registry.idleCheckedOwners().contains(bursty.path()) && System.nanoTime() < deadline) {
      registry.checkIdle();
      Thread.sleep(10);
    }
    assertThat(registry.idleCheckedOwners())
        .as("the stopped mailbox's entry is dropped by the next check")
        .doesNotContain(bursty.path());
    ordinary.forEach(system::stop);
  }
}
