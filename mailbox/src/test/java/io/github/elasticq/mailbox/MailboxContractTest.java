package io.github.elasticq.mailbox;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.typesafe.config.ConfigFactory;
import io.github.elasticq.mailbox.TestActors.Block;
import io.github.elasticq.mailbox.TestActors.BlockThenStop;
import io.github.elasticq.mailbox.TestActors.Boom;
import io.github.elasticq.mailbox.TestActors.Counter;
import io.github.elasticq.mailbox.TestActors.DeadLetterFilter;
import io.github.elasticq.mailbox.TestActors.Recorder;
import io.github.elasticq.mailbox.TestActors.Seq;
import io.github.elasticq.mailbox.TestActors.SequenceChecker;
import io.github.elasticq.mailbox.TestActors.SequenceReport;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.ActorRef;
import org.apache.pekko.actor.ActorSystem;
import org.apache.pekko.actor.DeadLetter;
import org.apache.pekko.dispatch.Envelope;
import org.apache.pekko.dispatch.MailboxType;
import org.apache.pekko.dispatch.MessageQueue;
import org.apache.pekko.testkit.javadsl.TestKit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import scala.Option;

/**
 * The contract every mailbox of this module keeps, run over the three ElasticQ mailbox types and,
 * as controls, over Pekko's own {@code SingleConsumerOnlyUnboundedMailbox} and {@code
 * UnboundedMailbox}: the assertions that are not about elasticity pass for the controls too, which
 * shows the suite measures mailbox behaviour and not an artefact of ElasticQ. Elastic-only checks
 * (overflow to dead letters, the registry) are skipped for the controls.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
abstract class MailboxContractTest {

  private static final Duration WAIT = Duration.ofSeconds(20);

  ActorSystem system;

  /** The config section of the mailbox under test. */
  abstract String mailboxId();

  /** A section of the same type with max-capacity = 100, or empty for the controls. */
  abstract Optional<String> boundedMailboxId();

  /** Fully qualified mailbox type the registry should report, or empty for the controls. */
  abstract Optional<String> registeredType();

  boolean isElastic() {
    return registeredType().isPresent();
  }

  @BeforeAll
  void startSystem() {
    system = ActorSystem.create(getClass().getSimpleName(), ConfigFactory.load("application-test"));
  }

  @AfterAll
  void stopSystem() {
    TestKit.shutdownActorSystem(system);
  }

  /** A MessageQueue that collects what cleanUp hands over. */
  private static final class Collecting implements MessageQueue {
    final ConcurrentLinkedQueue<Envelope> got = new ConcurrentLinkedQueue<>();

    @Override
    public void enqueue(ActorRef receiver, Envelope handle) {
      got.add(handle);
    }

    @Override
    public Envelope dequeue() {
      return got.poll();
    }

    @Override
    public int numberOfMessages() {
      return got.size();
    }

    @Override
    public boolean hasMessages() {
      return !got.isEmpty();
    }

    @Override
    public void cleanUp(ActorRef owner, MessageQueue deadLetters) {}
  }

  @Test
  void messageQueue_isFifo_countsExactly_andReturnsNullWhenEmpty() {
    TestKit probe = new TestKit(system);
    MailboxType type = system.mailboxes().lookup(mailboxId());
    MessageQueue q = type.create(Option.apply(probe.getRef()), Option.apply(system));

    assertThat(q.hasMessages()).isFalse();
    assertThat(q.numberOfMessages()).isZero();
    assertThat(q.dequeue()).isNull();
    for (int i = 0; i < 1000; i++) {
      q.enqueue(probe.getRef(), new Envelope(i, ActorRef.noSender()));
      assertThat(q.numberOfMessages()).isEqualTo(i + 1);
    }
    assertThat(q.hasMessages()).isTrue();
    for (int i = 0; i < 1000; i++) {
      assertThat(q.dequeue().message()).isEqualTo(i);
    }
    assertThat(q.dequeue()).isNull();
    assertThat(q.hasMessages()).isFalse();
    assertThat(q.numberOfMessages()).isZero();

    for (int i = 0; i < 5; i++) {
      q.enqueue(probe.getRef(), new Envelope("left-" + i, probe.getRef()));
    }
    Collecting deadLetters = new Collecting();
    q.cleanUp(probe.getRef(), deadLetters);
    assertThat(deadLetters.got)
        .extracting(Envelope::message)
        .containsExactly("left-0", "left-1", "left-2", "left-3", "left-4");
    assertThat(q.hasMessages()).isFalse();
  }

  @Test
  void messageQueue_createdWithoutOwnerOrSystem_stillWorks() {
    MailboxType type = system.mailboxes().lookup(mailboxId());
    MessageQueue q = type.create(Option.empty(), Option.empty());
    TestKit probe = new TestKit(system);

    q.enqueue(probe.getRef(), new Envelope("a", ActorRef.noSender()));
    assertThat(q.numberOfMessages()).isEqualTo(1);
    assertThat(q.dequeue().message()).isEqualTo("a");
    assertThat(q.dequeue()).isNull();
  }

  @Test
  void tell_oneSender_deliversEverythingInOrder() {
    TestKit probe = new TestKit(system);
    ActorRef actor = system.actorOf(Recorder.props(probe.getRef()).withMailbox(mailboxId()));

    for (int i = 0; i < 1000; i++) {
      actor.tell(i, ActorRef.noSender());
    }
    for (int i = 0; i < 1000; i++) {
      probe.expectMsg(WAIT, i);
    }
    system.stop(actor);
  }

  @Test
  void tell_concurrentSenders_keepsPerSenderOrder() throws Exception {
    int senders = 4;
    int perSender = 5000;
    TestKit probe = new TestKit(system);
    ActorRef actor =
        system.actorOf(
            SequenceChecker.props(probe.getRef(), senders * perSender).withMailbox(mailboxId()));
    CountDownLatch start = new CountDownLatch(1);
    List<Thread> threads = new ArrayList<>();
    for (int s = 0; s < senders; s++) {
      int sender = s;
      Thread t =
          new Thread(
              () -> {
                try {
                  start.await();
                } catch (InterruptedException e) {
                  return;
                }
                for (int i = 0; i < perSender; i++) {
                  actor.tell(new Seq(sender, i), ActorRef.noSender());
                }
              });
      t.start();
      threads.add(t);
    }
    start.countDown();
    for (Thread t : threads) {
      t.join(TimeUnit.SECONDS.toMillis(30));
    }

    SequenceReport report = probe.expectMsgClass(WAIT, SequenceReport.class);
    assertThat(report.received()).isEqualTo(senders * perSender);
    assertThat(report.outOfOrder()).isZero();
    system.stop(actor);
  }

  @Test
  void tell_manyActors_eachProcessesItsOwnMessages() {
    int actors = 1000;
    int perActor = 10;
    TestKit probe = new TestKit(system);
    List<ActorRef> refs = new ArrayList<>();
    for (int a = 0; a < actors; a++) {
      refs.add(system.actorOf(Counter.props().withMailbox(mailboxId())));
    }
    for (int i = 0; i < perActor; i++) {
      for (ActorRef ref : refs) {
        ref.tell(i, ActorRef.noSender());
      }
    }
    for (ActorRef ref : refs) {
      ref.tell("count?", probe.getRef());
    }
    List<Object> counts = probe.receiveN(actors, WAIT);
    assertThat(counts).hasSize(actors).allMatch(c -> Integer.valueOf(perActor).equals(c));
    refs.forEach(system::stop);
  }

  @Test
  void restart_keepsTheMailboxAndItsQueuedMessages() throws Exception {
    TestKit probe = new TestKit(system);
    ActorRef actor = system.actorOf(Recorder.props(probe.getRef()).withMailbox(mailboxId()));
    Block block = new Block();
    actor.tell(block, ActorRef.noSender());
    block.awaitEntered();
    actor.tell(new Boom(), ActorRef.noSender());
    for (int i = 0; i < 50; i++) {
      actor.tell(i, ActorRef.noSender());
    }
    Optional<MailboxInfo> before = MailboxRegistry.get(system).find(actor);
    block.release();

    probe.expectMsg(WAIT, "restarted");
    for (int i = 0; i < 50; i++) {
      probe.expectMsg(WAIT, i);
    }
    if (isElastic()) {
      MailboxInfo after = MailboxRegistry.get(system).find(actor).orElseThrow();
      assertThat(before).isPresent();
      // The same queue kept counting across the restart: block, boom and 50 messages.
      assertThat(after.stats().enqueued()).isEqualTo(52);
      assertThat(after.stats().dequeued()).isEqualTo(52);
    }
    system.stop(actor);
  }

  @Test
  void stop_sendsEveryQueuedMessageToDeadLetters() throws Exception {
    TestKit probe = new TestKit(system);
    TestKit deadProbe = new TestKit(system);
    ActorRef actor = system.actorOf(Recorder.props(probe.getRef()).withMailbox(mailboxId()));
    ActorRef filter = system.actorOf(DeadLetterFilter.props(deadProbe.getRef(), actor));
    filter.tell("ready?", probe.getRef());
    probe.expectMsg(WAIT, "ready");
    probe.watch(actor);

    BlockThenStop stop = new BlockThenStop(new Block());
    actor.tell(stop, ActorRef.noSender());
    stop.block().awaitEntered();
    for (int i = 0; i < 10; i++) {
      actor.tell(i, probe.getRef());
    }
    stop.block().release();

    probe.expectTerminated(WAIT, actor);
    for (int i = 0; i < 10; i++) {
      DeadLetter d = deadProbe.expectMsgClass(WAIT, DeadLetter.class);
      assertThat(d.message()).isEqualTo(i);
      assertThat(d.sender()).isEqualTo(probe.getRef());
      assertThat(d.recipient()).isEqualTo(actor);
    }
    deadProbe.expectNoMessage(Duration.ofMillis(200));
    assertThat(MailboxRegistry.get(system).find(actor)).isEmpty();
    system.stop(filter);
  }

  @Test
  void overflow_atMaxCapacity_sentEqualsProcessedPlusDeadLettered() throws Exception {
    assumeTrue(isElastic(), "controls are unbounded");
    int sent = 1000;
    TestKit probe = new TestKit(system);
    TestKit deadProbe = new TestKit(system);
    ActorRef actor = system.actorOf(Counter.props().withMailbox(boundedMailboxId().orElseThrow()));
    ActorRef filter = system.actorOf(DeadLetterFilter.props(deadProbe.getRef(), actor));
    filter.tell("ready?", probe.getRef());
    probe.expectMsg(WAIT, "ready");

    Block block = new Block();
    actor.tell(block, ActorRef.noSender());
    block.awaitEntered();
    for (int i = 0; i < sent; i++) {
      actor.tell(i, probe.getRef());
    }
    // The sender was never blocked: all tells returned while the actor was held.
    MailboxInfo full = MailboxRegistry.get(system).find(actor).orElseThrow();
    assertThat(full.stats().size()).isEqualTo(100);
    block.release();

    List<Object> dead = deadProbe.receiveN(sent - 100, WAIT);
    deadProbe.expectNoMessage(Duration.ofMillis(200));
    actor.tell("count?", probe.getRef());
    int processed = probe.expectMsgClass(WAIT, Integer.class);

    assertThat(processed + dead.size()).isEqualTo(sent);
    assertThat(processed).isEqualTo(100);
    DeadLetter first = (DeadLetter) dead.get(0);
    assertThat(first.message()).isEqualTo(100);
    assertThat(first.sender()).isEqualTo(probe.getRef());
    assertThat(first.recipient()).isEqualTo(actor);
    MailboxInfo after = MailboxRegistry.get(system).find(actor).orElseThrow();
    assertThat(after.stats().rejected()).isEqualTo(sent - 100);
    system.stop(actor);
    system.stop(filter);
  }

  @Test
  void registry_listsTheMailboxOnlyWhileItsActorLives() {
    TestKit probe = new TestKit(system);
    ActorRef actor = system.actorOf(Recorder.props(probe.getRef()).withMailbox(mailboxId()));
    actor.tell("hello", ActorRef.noSender());
    probe.expectMsg(WAIT, "hello");

    Optional<MailboxInfo> info = MailboxRegistry.get(system).find(actor);
    if (isElastic()) {
      assertThat(info).isPresent();
      assertThat(info.get().id()).isEqualTo(mailboxId());
      assertThat(info.get().ownerPath()).isEqualTo(actor.path().toString());
      assertThat(info.get().mailboxType()).isEqualTo(registeredType().orElseThrow());
      assertThat(info.get().stats().enqueued()).isEqualTo(1);
    } else {
      assertThat(info).as("a Pekko mailbox is not an ElasticQ mailbox").isEmpty();
    }
    probe.watch(actor);
    system.stop(actor);
    probe.expectTerminated(WAIT, actor);
    assertThat(MailboxRegistry.get(system).find(actor)).isEmpty();
  }
}
