package io.github.elasticq.mailbox;

import static org.assertj.core.api.Assertions.assertThat;

import com.typesafe.config.ConfigFactory;
import io.github.elasticq.mailbox.BurstMemoryQosMailboxTest.Leveled;
import io.github.elasticq.queue.QosQueue;
import io.github.elasticq.queue.QueueConfig;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.pekko.actor.AbstractActor;
import org.apache.pekko.actor.ActorRef;
import org.apache.pekko.actor.ActorSystem;
import org.apache.pekko.actor.Props;
import org.apache.pekko.dispatch.ControlMessage;
import org.apache.pekko.dispatch.Envelope;
import org.apache.pekko.dispatch.UnboundedMailbox;
import org.apache.pekko.testkit.javadsl.TestKit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The consumer batch of {@link QosMessageQueue} (weighted fairness, compact layout), on one thread
 * through the message queue's own methods: it engages only once a level is above {@code
 * min-capacity} and is dropped when every level is empty at min again; messages come out once and
 * in exactly the order of a {@link QosQueue} drained by relaxed polls; {@code numberOfMessages} and
 * {@code hasMessages} count what the actor has not been handed yet; a control message sent during a
 * batch is handed out next; handed-out messages stay counted against their level's {@code
 * max-capacity} until their batch is released; {@code cleanUp} hands the held messages to dead
 * letters once each; a strict or a padded mailbox never batches. Four senders on every level check
 * the batch across threads.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class QosConsumerBatchTest {

  private ActorSystem system;

  @BeforeAll
  void start() {
    system = ActorSystem.create("QosConsumerBatchTest", ConfigFactory.load("application-test"));
  }

  @AfterAll
  void stop() {
    TestKit.shutdownActorSystem(system);
  }

  record Control(int seq) implements ControlMessage {}

  private void send(QosMessageQueue q, Object message) {
    q.enqueue(system.deadLetters(), new Envelope(message, system.deadLetters()));
  }

  /** Level of the i-th message of a burst: uneven, so that levels run dry at different times. */
  private static int levelOf(int i) {
    return i % 7 == 0 ? 0 : i % 3 == 0 ? 1 : 2;
  }

  @ParameterizedTest
  @ValueSource(strings = {"test-qos-mailbox", "tiny-qos-mailbox"})
  void aBurst_comesOutInTheWeightedOrder_countedExactly_andTheBatchGoesWithIt(String id) {
    QosMessageQueue q = TestActors.queueOf(system, id);
    QueueConfig config = q.type.queueConfig();
    QosQueue<Leveled> reference =
        new QosQueue<>(3, QosQueue.Fairness.WEIGHTED, new int[] {1, 2, 4}, config);
    Leveled first = new Leveled(2, -1);
    send(q, first);
    reference.offer(first, 2); // the round's state too
    assertThat(q.dequeue().message()).isEqualTo(reference.relaxedPoll());
    assertThat(q.batching()).as("one message at min: no batch").isFalse();

    int burst = 30 * config.minCapacity() + 5;
    for (int i = 0; i < burst; i++) {
      Leveled m = new Leveled(levelOf(i), i);
      send(q, m);
      reference.offer(m, m.level());
    }
    boolean batched = false;
    for (int i = 0; i < burst; i++) {
      assertThat(q.numberOfMessages()).isEqualTo(burst - i);
      assertThat(q.hasMessages()).isTrue();
      assertThat(q.dequeue().message()).as("message %d", i).isEqualTo(reference.relaxedPoll());
      batched |= q.batching();
    }
    assertThat(batched).as("a level above min-capacity is taken in batches").isTrue();
    assertThat(q.numberOfMessages()).isZero();
    assertThat(q.hasMessages()).isFalse();
    int emptyDequeues = 0;
    while (q.batching() && emptyDequeues < 10_000) {
      assertThat(q.dequeue()).isNull();
      emptyDequeues++;
    }
    assertThat(q.batching())
        .as("empty and back at min-capacity after %d empty dequeues", emptyDequeues)
        .isFalse();
    assertThat(q.userQueue().allLevelsAtMinCapacity()).isTrue();
    assertThat(q.stats().dequeued()).isEqualTo(burst + 1);
  }

  @Test
  void aControlMessageSentDuringABatch_isHandedOutNext() {
    QosMessageQueue q = TestActors.queueOf(system, "test-qos-mailbox");
    for (int i = 0; i < 200; i++) {
      send(q, new Leveled(2, i));
    }
    assertThat(((Leveled) q.dequeue().message()).seq()).isEqualTo(0);
    assertThat(((Leveled) q.dequeue().message()).seq()).isEqualTo(1); // takes 1..3, hands out 1
    assertThat(q.holdsBatch()).isTrue();
    send(q, new Control(7));
    assertThat(q.numberOfMessages()).isEqualTo(199);
    assertThat(q.dequeue().message()).isEqualTo(new Control(7));
    for (int i = 2; i < 200; i++) {
      assertThat(((Leveled) q.dequeue().message()).seq()).isEqualTo(i);
    }
    assertThat(q.dequeue()).isNull();
  }

  /** bounded-qos-mailbox: max-capacity 100 per level. */
  @Test
  void aBatchInProgress_keepsItsHandedOutMessagesCountedAgainstTheLevelsMax() {
    QosMessageQueue q = TestActors.queueOf(system, "bounded-qos-mailbox");
    for (int i = 0; i < 100; i++) {
      send(q, new Leveled(2, i));
    }
    assertThat(((Leveled) q.dequeue().message()).seq()).isEqualTo(0); // relaxed poll, released
    assertThat(q.batching()).isTrue();
    send(q, new Leveled(2, 100)); // level 2 holds 99: accepted
    assertThat(((Leveled) q.dequeue().message()).seq()).isEqualTo(1); // takes 1..3 (credit 3)
    send(q, new Leveled(2, -1)); // 1 handed out, 2 held, 97 queued: level 2 still counts 100
    send(q, new Leveled(1, 1000)); // another level: its own bound
    assertThat(q.userQueue().stats(2).rejected()).isEqualTo(1);
    assertThat(q.userQueue().stats(1).rejected()).isZero();
    assertThat(((Leveled) q.dequeue().message()).seq()).isEqualTo(2);
    assertThat(((Leveled) q.dequeue().message()).seq()).isEqualTo(3); // released with it
    send(q, new Leveled(2, 101));
    assertThat(q.userQueue().stats(2).rejected()).isEqualTo(1);
    List<Long> rest = new ArrayList<>();
    for (Envelope e; (e = q.dequeue()) != null; ) {
      rest.add(((Leveled) e.message()).seq());
    }
    assertThat(rest).hasSize(100 - 4 + 2 + 1);
    assertThat(rest).containsOnlyOnce(1000L, 100L, 101L).doesNotContain(-1L);
    assertThat(rest.subList(0, 2))
        .as("level 2's credit is spent: level 1's message, then level 2 with fresh credit")
        .containsExactly(1000L, 4L);
  }

  @Test
  void cleanUp_insideABatch_deadLettersTheHeldMessagesFirst_eachOnce() {
    QosMessageQueue q = TestActors.queueOf(system, "test-qos-mailbox");
    int burst = 300;
    for (int i = 0; i < burst; i++) {
      send(q, new Leveled(levelOf(i), i));
    }
    List<Long> got = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      got.add(((Leveled) q.dequeue().message()).seq());
    }
    assertThat(q.holdsBatch()).isTrue();
    send(q, new Control(1));
    UnboundedMailbox.MessageQueue dead = new UnboundedMailbox.MessageQueue();

    q.cleanUp(system.deadLetters(), dead);

    assertThat(dead.dequeue().message()).as("the control queue first").isEqualTo(new Control(1));
    for (Envelope e; (e = dead.dequeue()) != null; ) {
      got.add(((Leveled) e.message()).seq());
    }
    assertThat(got).hasSize(burst).doesNotHaveDuplicates();
    assertThat(q.numberOfMessages()).isZero();
    assertThat(q.userQueue().stats().dequeued()).isEqualTo(burst);
  }

  @ParameterizedTest
  @ValueSource(strings = {"qos-strict-mailbox", "padded-qos-mailbox"})
  void strictOrPadded_neverBatches(String id) {
    QosMessageQueue q = TestActors.queueOf(system, id);
    for (int i = 0; i < 500; i++) {
      send(q, new Leveled(levelOf(i), i));
    }
    for (int i = 0; i < 500; i++) {
      assertThat(q.numberOfMessages()).isEqualTo(500 - i);
      assertThat(q.dequeue()).isNotNull();
      assertThat(q.batching()).isFalse();
    }
    assertThat(q.dequeue()).isNull();
  }

  /** A message of a stress run: its sender, its level and its number within (sender, level). */
  record Sent(int sender, int level, long seq) implements QosMessage {
    @Override
    public int qosLevel() {
      return level;
    }
  }

  /** Counts what it processes and the order violations within each (sender, level). */
  static final class Tally extends AbstractActor {
    final AtomicLong processed;
    final AtomicLong outOfOrder;
    private final long[][] next;

    Tally(AtomicLong processed, AtomicLong outOfOrder, int senders) {
      this.processed = processed;
      this.outOfOrder = outOfOrder;
      this.next = new long[senders][3];
    }

    @Override
    public Receive createReceive() {
      return receiveBuilder()
          .match(
              Sent.class,
              m -> {
                if (next[m.sender()][m.level()] != m.seq()) {
                  outOfOrder.incrementAndGet();
                }
                next[m.sender()][m.level()] = m.seq() + 1;
                processed.incrementAndGet();
              })
          .build();
    }
  }

  /**
   * Four senders, each sending every level without pause, into one actor: the mailbox runs in
   * batches most of the time; every message is processed once, and in sending order within each
   * sender's level (the only order a QoS mailbox keeps). A lost message shows as a count that never
   * completes, a duplicate or reordered one as an order violation.
   */
  @ParameterizedTest
  @ValueSource(strings = {"test-qos-mailbox", "tiny-qos-mailbox", "padded-qos-mailbox"})
  void manySenders_allLevels_everyMessageOnceInOrderWithinItsLevel(String id) throws Exception {
    int senders = 4;
    int perSender = 60_000;
    AtomicLong processed = new AtomicLong();
    AtomicLong outOfOrder = new AtomicLong();
    ActorRef actor =
        system.actorOf(
            Props.create(Tally.class, () -> new Tally(processed, outOfOrder, senders))
                .withMailbox(id));
    List<Throwable> failures = new CopyOnWriteArrayList<>();
    List<Thread> threads = new ArrayList<>();
    for (int s = 0; s < senders; s++) {
      int sender = s;
      Thread t =
          new Thread(
              () -> {
                try {
                  long[] seq = new long[3];
                  for (int i = 0; i < perSender; i++) {
                    int level = levelOf(i + sender);
                    actor.tell(new Sent(sender, level, seq[level]++), ActorRef.noSender());
                  }
                } catch (Throwable e) {
                  failures.add(e);
                }
              },
              "qos-batch-sender-" + s);
      t.start();
      threads.add(t);
    }
    for (Thread t : threads) {
      t.join(TimeUnit.SECONDS.toMillis(60));
    }
    long expected = (long) senders * perSender;
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (processed.get() < expected && System.nanoTime() - deadline < 0) {
      Thread.sleep(5);
    }
    system.stop(actor);
    assertThat(failures).isEmpty();
    assertThat(processed.get()).as("processed of %d sent", expected).isEqualTo(expected);
    assertThat(outOfOrder.get()).isZero();
  }

  /**
   * An actor of a QoS mailbox that stops itself inside a batch of level 2: the registry's clean-up
   * totals put every dead-lettered message on level 2, the level it came from (the batch's messages
   * the actor had already processed, which the drain released, are not clean-up drops of any level,
   * in particular not of level 0).
   */
  @Test
  void anActorStoppingInsideABatch_theRegistryCountsTheCleanUpOnTheBatchsLevel() throws Exception {
    ActorSystem own =
        ActorSystem.create(
            "QosBatchCleanUp",
            ConfigFactory.parseString(
                    "qos-cleanup-mailbox.mailbox-type = \"io.github.elasticq.mailbox.QosMailbox\"")
                .withFallback(ConfigFactory.load("application-test")));
    try {
      CountDownLatch blocked = new CountDownLatch(1);
      CountDownLatch release = new CountDownLatch(1);
      AtomicInteger processed = new AtomicInteger();
      ActorRef actor =
          own.actorOf(
              Props.create(
                      TestActors.StopsInsideABatch.class,
                      () ->
                          new TestActors.StopsInsideABatch(
                              blocked, release, processed, 2, m -> ((Leveled) m).seq()))
                  .withMailbox("qos-cleanup-mailbox"),
              "qos-stops-inside-a-batch");
      TestKit probe = new TestKit(own);
      probe.watch(actor);
      int burst = 200;
      actor.tell(new Leveled(2, 0), ActorRef.noSender());
      assertThat(blocked.await(10, TimeUnit.SECONDS)).isTrue();
      for (int i = 1; i < burst; i++) {
        actor.tell(new Leveled(2, i), ActorRef.noSender()); // level 2 grows above min
      }
      release.countDown();
      probe.expectTerminated(Duration.ofSeconds(10), actor);

      assertThat(processed.get()).isEqualTo(3); // 0, 1, 2
      MailboxInfo totals =
          MailboxRegistry.get(own).stoppedTotals().stream()
              .filter(info -> info.id().equals("qos-cleanup-mailbox"))
              .findFirst()
              .orElseThrow();
      assertThat(totals.cleanedUp()).isEqualTo(burst - 3);
      assertThat(totals.levelCleanedUp()).containsExactly(0L, 0L, (long) burst - 3);
    } finally {
      TestKit.shutdownActorSystem(own);
    }
  }
}
