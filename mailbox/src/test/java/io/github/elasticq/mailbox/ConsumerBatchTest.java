package io.github.elasticq.mailbox;

import static org.assertj.core.api.Assertions.assertThat;

import com.typesafe.config.ConfigFactory;
import io.github.elasticq.queue.AbstractElasticMpscQueue;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.pekko.actor.ActorRef;
import org.apache.pekko.actor.ActorSystem;
import org.apache.pekko.actor.DeadLetter;
import org.apache.pekko.actor.Props;
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
 * The consumer batch of {@link ElasticMessageQueue} ({@link ConsumerBatch}), on one thread through
 * the message queue's own methods: it engages only above {@code min-capacity} and is dropped once
 * the queue is empty at min again; messages come out once and in order; {@code numberOfMessages}
 * and {@code hasMessages} count exactly what the actor has not been handed yet; a message handed
 * out stays counted against {@code max-capacity} until its batch is released; {@code cleanUp} hands
 * the held messages to dead letters before the rest.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ConsumerBatchTest {

  private ActorSystem system;

  @BeforeAll
  void start() {
    system = ActorSystem.create("ConsumerBatchTest", ConfigFactory.load("application-test"));
  }

  @AfterAll
  void stop() {
    TestKit.shutdownActorSystem(system);
  }

  private ElasticMessageQueue queueOf(String id) {
    return TestActors.queueOf(system, id);
  }

  private void send(ElasticMessageQueue q, Object message) {
    q.enqueue(system.deadLetters(), new Envelope(message, system.deadLetters()));
  }

  @ParameterizedTest
  @ValueSource(strings = {"test-elastic-mailbox", "tiny-elastic-mailbox"})
  void aBurst_isHandedOutInOrder_countedExactly_andTheBatchGoesWithIt(String id) {
    ElasticMessageQueue q = queueOf(id);
    AbstractElasticMpscQueue<Envelope> queue = q.queue();
    int min = queue.config().minCapacity();
    send(q, -1);
    assertThat(q.dequeue().message()).isEqualTo(-1);
    assertThat(q.queueOrBatch()).as("one message at min: no batch").isSameAs(queue);

    int burst = 10 * min + 3;
    for (int i = 0; i < burst; i++) {
      send(q, i);
    }
    boolean batched = false;
    for (int i = 0; i < burst; i++) {
      assertThat(q.numberOfMessages()).isEqualTo(burst - i);
      assertThat(q.hasMessages()).isTrue();
      assertThat(q.dequeue().message()).isEqualTo(i);
      batched |= q.queueOrBatch() instanceof ConsumerBatch;
    }
    assertThat(batched).as("a queue above min-capacity takes batches").isTrue();
    assertThat(q.numberOfMessages()).isZero();
    assertThat(q.hasMessages()).isFalse();
    int emptyDequeues = 0;
    while (q.queueOrBatch() != queue && emptyDequeues < 10_000) {
      assertThat(q.dequeue()).isNull();
      emptyDequeues++;
    }
    assertThat(q.queueOrBatch())
        .as("empty and back at min-capacity after %d empty dequeues", emptyDequeues)
        .isSameAs(queue);
    assertThat(queue.capacity()).isEqualTo(min);
    assertThat(queue.stats().dequeued()).isEqualTo(burst + 1);
  }

  /**
   * bounded-elastic-mailbox: max-capacity 100. Handed-out messages of a batch in progress still
   * occupy the queue, so the bound is never exceeded, and a send is refused until the batch is
   * released.
   */
  @Test
  void aBatchInProgress_keepsItsHandedOutMessagesCountedAgainstMax() {
    ElasticMessageQueue q = queueOf("bounded-elastic-mailbox");
    AbstractElasticMpscQueue<Envelope> queue = q.queue();
    for (int i = 0; i < 100; i++) {
      send(q, i);
    }
    assertThat(q.dequeue().message()).isEqualTo(0); // relaxed poll, released; the batch starts
    assertThat(q.queueOrBatch()).isInstanceOf(ConsumerBatch.class);
    send(q, 100); // the queue holds 99: accepted
    assertThat(queue.stats().rejected()).isZero();

    assertThat(q.dequeue().message()).isEqualTo(1); // takes 1..8, hands out 1
    assertThat(q.numberOfMessages()).isEqualTo(99);
    send(q, -1); // 1 handed out, 7 held, 92 queued: the queue still counts 100
    assertThat(queue.stats().rejected()).isEqualTo(1);

    for (int i = 2; i <= ElasticMessageQueue.BATCH; i++) {
      assertThat(q.dequeue().message()).isEqualTo(i);
    }
    assertThat(q.numberOfMessages()).isEqualTo(100 - ElasticMessageQueue.BATCH);
    send(q, 101); // the batch was released with its last message: room again
    assertThat(queue.stats().rejected()).isEqualTo(1);
    List<Object> rest = new ArrayList<>();
    for (Envelope e; (e = q.dequeue()) != null; ) {
      rest.add(e.message());
    }
    assertThat(rest).hasSize(100 - ElasticMessageQueue.BATCH + 1);
    assertThat(rest.get(0)).isEqualTo(ElasticMessageQueue.BATCH + 1);
    assertThat(rest.subList(rest.size() - 3, rest.size())).containsExactly(99, 100, 101);
  }

  @Test
  void cleanUp_insideABatch_deadLettersTheHeldMessagesFirst_eachOnce() {
    ElasticMessageQueue q = queueOf("test-elastic-mailbox");
    int burst = 200;
    for (int i = 0; i < burst; i++) {
      send(q, i);
    }
    for (int i = 0; i < 3; i++) {
      assertThat(q.dequeue().message()).isEqualTo(i);
    }
    assertThat(q.queueOrBatch()).isInstanceOf(ConsumerBatch.class);
    UnboundedMailbox.MessageQueue dead = new UnboundedMailbox.MessageQueue();

    q.cleanUp(system.deadLetters(), dead);

    List<Object> got = new ArrayList<>();
    for (Envelope e; (e = dead.dequeue()) != null; ) {
      got.add(e.message());
    }
    assertThat(got).hasSize(burst - 3);
    for (int i = 0; i < got.size(); i++) {
      assertThat(got.get(i)).isEqualTo(i + 3);
    }
    assertThat(q.numberOfMessages()).isZero();
    assertThat(q.queue().stats().dequeued()).isEqualTo(burst);
  }

  @Test
  void thePaddedLayout_neverBatches_andStillCountsExactly() {
    ElasticMessageQueue q = queueOf("padded-elastic-mailbox");
    int burst = 500;
    for (int i = 0; i < burst; i++) {
      send(q, i);
    }
    for (int i = 0; i < burst; i++) {
      assertThat(q.numberOfMessages()).isEqualTo(burst - i);
      assertThat(q.dequeue().message()).isEqualTo(i);
      assertThat(q.queueOrBatch()).isSameAs(q.queue());
    }
    assertThat(q.dequeue()).isNull();
  }

  /**
   * An actor that stops itself inside a batch: its clean-up dead-letters every message it was not
   * handed, once, and the registry's totals count exactly those (not the batch's messages the actor
   * had already processed, which the queue counts as dequeued only at the release).
   */
  @Test
  void anActorStoppingInsideABatch_deadLettersTheRest_andTheRegistryCountsExactlyThose()
      throws Exception {
    CountDownLatch blocked = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    AtomicInteger processed = new AtomicInteger();
    Props props =
        Props.create(
                TestActors.StopsInsideABatch.class,
                () ->
                    new TestActors.StopsInsideABatch(
                        blocked, release, processed, 3, m -> (Integer) m))
            .withMailbox("test-elastic-mailbox");
    ActorRef actor = system.actorOf(props, "stops-inside-a-batch");
    TestKit probe = new TestKit(system);
    probe.watch(actor);
    TestKit deadProbe = new TestKit(system);
    system.eventStream().subscribe(deadProbe.getRef(), DeadLetter.class);
    int burst = 200;
    actor.tell(0, ActorRef.noSender());
    assertThat(blocked.await(10, TimeUnit.SECONDS)).isTrue();
    for (int i = 1; i < burst; i++) {
      actor.tell(i, ActorRef.noSender()); // queued while message 0 blocks: the queue grows
    }
    release.countDown();
    probe.expectTerminated(Duration.ofSeconds(10), actor);

    assertThat(processed.get()).isEqualTo(4); // 0, 1, 2, 3
    List<Object> dead = new ArrayList<>();
    for (int i = 4; i < burst; i++) {
      dead.add(deadProbe.expectMsgClass(Duration.ofSeconds(10), DeadLetter.class).message());
    }
    deadProbe.expectNoMessage(Duration.ofMillis(200));
    for (int i = 0; i < dead.size(); i++) {
      assertThat(dead.get(i)).isEqualTo(i + 4);
    }
    MailboxInfo totals =
        MailboxRegistry.get(system).stoppedTotals().stream()
            .filter(info -> info.id().equals("test-elastic-mailbox"))
            .findFirst()
            .orElseThrow();
    assertThat(totals.cleanedUp()).isEqualTo(burst - 4);
    assertThat(totals.levelCleanedUp()).containsExactly((long) burst - 4); // its only level
  }
}
