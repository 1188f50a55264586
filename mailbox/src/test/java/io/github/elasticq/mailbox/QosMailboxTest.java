package io.github.elasticq.mailbox;

import static org.assertj.core.api.Assertions.assertThat;

import com.typesafe.config.ConfigFactory;
import io.github.elasticq.mailbox.TestActors.Block;
import io.github.elasticq.mailbox.TestActors.ControlBlock;
import io.github.elasticq.mailbox.TestActors.Leveled;
import io.github.elasticq.mailbox.TestActors.PrefixClassifier;
import io.github.elasticq.mailbox.TestActors.Recorder;
import io.github.elasticq.mailbox.TestActors.Urgent;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.apache.pekko.actor.ActorRef;
import org.apache.pekko.actor.ActorSystem;
import org.apache.pekko.testkit.javadsl.TestKit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * QoS vectors through a real actor. Each test holds the actor with a {@link ControlBlock} (a
 * ControlMessage, so it does not touch the round-robin state), queues messages on several levels,
 * releases the actor and reads the order in which it processed them.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class QosMailboxTest {

  private static final Duration WAIT = Duration.ofSeconds(10);

  private ActorSystem system;

  @BeforeAll
  void start() {
    system = ActorSystem.create("QosMailboxTest", ConfigFactory.load("application-test"));
  }

  @AfterAll
  void stop() {
    TestKit.shutdownActorSystem(system);
  }

  private record Held(ActorRef actor, TestKit probe, Block block) {}

  private Held held(String mailbox) throws InterruptedException {
    TestKit probe = new TestKit(system);
    ActorRef actor = system.actorOf(Recorder.props(probe.getRef()).withMailbox(mailbox));
    Block block = new Block();
    actor.tell(new ControlBlock(block), ActorRef.noSender());
    block.awaitEntered();
    return new Held(actor, probe, block);
  }

  private static List<Integer> levels(TestKit probe, int n) {
    List<Integer> out = new ArrayList<>();
    for (Object m : probe.receiveN(n, WAIT)) {
      out.add(((Leveled) m).level());
    }
    return out;
  }

  @Test
  void layout_padded_givesEachQueueThePaddedLevels_andTheDefaultStaysCompact() throws Exception {
    QosMailbox padded = (QosMailbox) system.mailboxes().lookup("padded-qos-mailbox");
    QosMailbox compact = (QosMailbox) system.mailboxes().lookup("test-qos-mailbox");
    assertThat(padded.paddedLayout()).isTrue();
    assertThat(compact.paddedLayout()).isFalse();
    QosMessageQueue paddedQueue =
        (QosMessageQueue) padded.create(scala.Option.empty(), scala.Option.empty());
    QosMessageQueue compactQueue =
        (QosMessageQueue) compact.create(scala.Option.empty(), scala.Option.empty());
    assertThat(paddedQueue.userQueue().padded()).isTrue();
    assertThat(compactQueue.userQueue().padded()).isFalse();

    // A real actor on the padded section: every level delivered, weighted rounds as by default.
    Held h = held("padded-qos-mailbox");
    for (int i = 0; i < 7; i++) {
      for (int level = 0; level < 3; level++) {
        h.actor().tell(new Leveled(level, i), ActorRef.noSender());
      }
    }
    h.block().release();
    List<Integer> got = levels(h.probe(), 21);
    assertThat(got.subList(0, 7)).containsExactly(2, 2, 2, 2, 1, 1, 0);
    assertThat(got).containsOnly(0, 1, 2).hasSize(21);
  }

  @Test
  void strict_offeredLevels012_arePolled210() throws Exception {
    Held h = held("qos-strict-mailbox");
    for (int level = 0; level < 3; level++) {
      h.actor().tell(new Leveled(level, 0), ActorRef.noSender());
    }
    h.block().release();

    assertThat(levels(h.probe(), 3)).containsExactly(2, 1, 0);
    system.stop(h.actor());
  }

  @Test
  void weighted124_allLevelsBacklogged_deliversTwoExactRounds() throws Exception {
    Held h = held("qos-weighted-mailbox");
    for (int i = 0; i < 10; i++) {
      for (int level = 0; level < 3; level++) {
        h.actor().tell(new Leveled(level, i), ActorRef.noSender());
      }
    }
    h.block().release();

    assertThat(levels(h.probe(), 14)).containsExactly(2, 2, 2, 2, 1, 1, 0, 2, 2, 2, 2, 1, 1, 0);
    h.probe().receiveN(16, WAIT);
    system.stop(h.actor());
  }

  @Test
  void weighted_singleLowMessageAmongFloodedHigherLevels_isServedWithinOneRound() throws Exception {
    Held h = held("qos-weighted-mailbox");
    for (int i = 0; i < 200; i++) {
      h.actor().tell(new Leveled(2, i), ActorRef.noSender());
      h.actor().tell(new Leveled(1, i), ActorRef.noSender());
    }
    h.actor().tell(new Leveled(0, 0), ActorRef.noSender());
    h.block().release();

    assertThat(levels(h.probe(), 7)).contains(0);
    system.stop(h.actor());
  }

  @Test
  void controlMessage_isDeliveredBeforeEveryLevel() throws Exception {
    TestKit probe = new TestKit(system);
    ActorRef actor =
        system.actorOf(Recorder.props(probe.getRef()).withMailbox("qos-strict-mailbox"));
    Block block = new Block();
    actor.tell(block, ActorRef.noSender()); // an ordinary message on the default level
    block.awaitEntered();
    actor.tell(new Leveled(2, 0), ActorRef.noSender());
    actor.tell(new Leveled(1, 0), ActorRef.noSender());
    actor.tell(new Urgent("stop-the-line"), ActorRef.noSender());
    block.release();

    probe.expectMsg(WAIT, new Urgent("stop-the-line"));
    probe.expectMsg(WAIT, new Leveled(2, 0));
    probe.expectMsg(WAIT, new Leveled(1, 0));
    system.stop(actor);
  }

  @Test
  void plainMessages_goToTheDefaultLevel_behindHigherLevels() throws Exception {
    Held h = held("qos-strict-mailbox");
    h.actor().tell("plain", ActorRef.noSender());
    h.actor().tell(new Leveled(1, 0), ActorRef.noSender());
    h.block().release();

    h.probe().expectMsg(WAIT, new Leveled(1, 0));
    h.probe().expectMsg(WAIT, "plain");
    system.stop(h.actor());
  }

  @Test
  void qosMessage_outOfRange_isClampedAndCounted() throws Exception {
    Held h = held("qos-strict-mailbox");
    h.actor().tell(new Leveled(-5, 0), ActorRef.noSender());
    h.actor().tell(new Leveled(1, 0), ActorRef.noSender());
    h.actor().tell(new Leveled(7, 0), ActorRef.noSender());
    MailboxInfo info = MailboxRegistry.get(system).find(h.actor()).orElseThrow();
    h.block().release();

    h.probe().expectMsg(WAIT, new Leveled(7, 0));
    h.probe().expectMsg(WAIT, new Leveled(1, 0));
    h.probe().expectMsg(WAIT, new Leveled(-5, 0));
    assertThat(info.clampedLevels()).isEqualTo(2);
    assertThat(info.levelStats().get(0).size()).isEqualTo(1);
    assertThat(info.levelStats().get(1).size()).isEqualTo(1);
    assertThat(info.levelStats().get(2).size()).isEqualTo(1);
    system.stop(h.actor());
  }

  @Test
  void classifier_placesMessages_clampsOutOfRange_andIsInstantiatedOncePerMailboxType()
      throws Exception {
    int before = PrefixClassifier.INSTANCES.get();
    Held h = held("qos-classified-mailbox");
    List<ActorRef> more = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      more.add(
          system.actorOf(Recorder.props(h.probe().getRef()).withMailbox("qos-classified-mailbox")));
    }
    assertThat(PrefixClassifier.INSTANCES.get() - before).isEqualTo(1);

    h.actor().tell("low:a", ActorRef.noSender());
    h.actor().tell("mid:b", ActorRef.noSender());
    h.actor().tell("high:c", ActorRef.noSender());
    h.actor().tell("wild:d", ActorRef.noSender());
    h.block().release();

    h.probe().expectMsg(WAIT, "high:c");
    h.probe().expectMsg(WAIT, "wild:d");
    h.probe().expectMsg(WAIT, "mid:b");
    h.probe().expectMsg(WAIT, "low:a");
    assertThat(MailboxRegistry.get(system).find(h.actor()).orElseThrow().clampedLevels())
        .isEqualTo(1);
    system.stop(h.actor());
    more.forEach(system::stop);
  }
}
