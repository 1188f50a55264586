package io.github.elasticq.mailbox;

import static org.assertj.core.api.Assertions.assertThat;

import com.typesafe.config.ConfigFactory;
import io.github.elasticq.mailbox.TestActors.Leveled;
import io.github.elasticq.mailbox.TestActors.Urgent;
import io.github.elasticq.queue.StallingMpscQueue;
import java.lang.reflect.Field;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.ActorRef;
import org.apache.pekko.actor.ActorSystem;
import org.apache.pekko.dispatch.Envelope;
import org.apache.pekko.testkit.javadsl.TestKit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import scala.Option;

/**
 * The QoS mailbox's dequeue while one sender is stalled between its claim and its store ({@link
 * StallingMpscQueue#stallingTheFirst}) and a second sender has sent a message to the same queue
 * (stored behind the claimed index) and then a lower one: the lower one must not be delivered
 * first, neither past a control message nor, with strict fairness, past a higher level (found by an
 * audit; both happened in stress runs without injection). Dequeue returns null instead, with {@code
 * hasMessages} true, so Pekko's re-check reschedules the mailbox.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class QosDequeueOrderTest {

  private static final ActorRef NONE = ActorRef.noSender();

  private ActorSystem system;
  private final ExecutorService stalledSender = Executors.newSingleThreadExecutor();
  private StallingMpscQueue<Envelope> stalling;

  @BeforeAll
  void start() {
    system = ActorSystem.create("QosDequeueOrderTest", ConfigFactory.load("application-test"));
  }

  @AfterEach
  void release() {
    if (stalling != null) {
      stalling.release(); // a failed test must not leave the sender stuck
    }
  }

  @AfterAll
  void stop() {
    stalledSender.shutdownNow();
    TestKit.shutdownActorSystem(system);
  }

  private QosMessageQueue queue() {
    QosMailbox type = (QosMailbox) system.mailboxes().lookup("qos-strict-mailbox");
    return (QosMessageQueue) type.create(Option.empty(), Option.empty());
  }

  private static Envelope env(Object message) {
    return new Envelope(message, NONE);
  }

  private static List<Object> drain(QosMessageQueue mq) {
    List<Object> out = new ArrayList<>();
    Envelope e;
    while ((e = mq.dequeue()) != null) {
      out.add(e.message());
    }
    return out;
  }

  /**
   * A sender stalls after claiming {@code first}'s index; another sends {@code second} to the same
   * queue and then {@code lower}: dequeue returns null until the stall ends, then all three in
   * order.
   */
  private void assertHeldBack(QosMessageQueue mq, Object first, Object second, Object lower)
      throws Exception {
    Future<?> stalled = stalledSender.submit(() -> mq.enqueue(NONE, env(first)));
    stalling.awaitStalledProducer(10);
    mq.enqueue(NONE, env(second));
    mq.enqueue(NONE, env(lower));

    assertThat(mq.dequeue()).as("not " + lower + ", sent after " + second + " was queued").isNull();
    assertThat(mq.hasMessages()).isTrue();

    stalling.release();
    stalled.get(10, TimeUnit.SECONDS);
    assertThat(drain(mq)).containsExactly(first, second, lower);
  }

  @Test
  void strict_aClaimedHigherLevel_holdsBackTheLowerOnes() throws Exception {
    QosMessageQueue mq = queue();
    stalling = StallingMpscQueue.stallingTheFirst(mq.type.queueConfig());
    stalling.installAsLevel(mq.userQueue(), 2);
    assertHeldBack(mq, new Leveled(2, 1), new Leveled(2, 2), new Leveled(0, 3));
  }

  @Test
  void aClaimedControlMessage_holdsBackTheUserMessages() throws Exception {
    QosMessageQueue mq = queue();
    stalling = StallingMpscQueue.stallingTheFirst(mq.type.controlQueueConfig());
    Field control = QosMessageQueue.class.getDeclaredField("control");
    control.setAccessible(true);
    control.set(mq, stalling);
    assertHeldBack(mq, new Urgent("ctl-1"), new Urgent("ctl-2"), new Leveled(2, 1));
  }
}
