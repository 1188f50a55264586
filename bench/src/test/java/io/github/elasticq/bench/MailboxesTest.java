package io.github.elasticq.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import io.github.elasticq.mailbox.MailboxInfo;
import io.github.elasticq.mailbox.MailboxRegistry;
import io.github.elasticq.mailbox.QosMessage;
import io.github.elasticq.queue.QosQueue;
import io.github.elasticq.queue.QueueConfig;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.AbstractActor;
import org.apache.pekko.actor.ActorRef;
import org.apache.pekko.actor.ActorSystem;
import org.apache.pekko.actor.Props;
import org.apache.pekko.dispatch.Envelope;
import org.apache.pekko.dispatch.MessageQueue;
import org.junit.jupiter.api.Test;

class MailboxesTest {

  @Test
  void settingsAfterTheName_reachTheMailboxOfARealActor() throws Exception {
    String name = "ElasticMailbox+padded+min-capacity=256+initial-capacity=256";
    Config section = Mailboxes.systemConfig(name).getConfig(Mailboxes.PATH);
    assertThat(section.getString("layout")).isEqualTo("padded");
    assertThat(section.getInt("min-capacity")).isEqualTo(256);

    ActorSystem system = ActorSystem.create("mailboxes-test", Mailboxes.systemConfig(name));
    try {
      CountDownLatch received = new CountDownLatch(1);
      ActorRef actor =
          system.actorOf(
              Props.create(Receiver.class, () -> new Receiver(received))
                  .withMailbox(Mailboxes.PATH),
              "receiver");
      actor.tell("hello", ActorRef.noSender());
      assertThat(received.await(10, TimeUnit.SECONDS)).isTrue();
      MailboxInfo info = MailboxRegistry.get(system).find(actor).orElseThrow();
      // The first offer allocated a ring of the configured initial capacity, and the queue never
      // shrinks below the configured minimum: both come from the settings after the name.
      assertThat(info.stats().capacity()).isEqualTo(256);
      assertThat(info.stats().allocatedSlots()).isGreaterThanOrEqualTo(256);
    } finally {
      system.terminate();
      system.getWhenTerminated().toCompletableFuture().get(30, TimeUnit.SECONDS);
    }
  }

  @Test
  void namesWithoutSettings_areUnchanged() {
    assertThat(Mailboxes.section("ElasticMailbox+padded"))
        .isEqualTo("mailbox-type = \"io.github.elasticq.mailbox.ElasticMailbox\", layout = padded");
  }

  @Test
  void badSettings_areErrorsNamingThem() {
    assertThatThrownBy(() -> Mailboxes.section("UnboundedMailbox+mailbox-capacity=5"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("settings apply to ElasticMailbox, QosMailbox and SortingQosMailbox")
        .hasMessageContaining("UnboundedMailbox+mailbox-capacity=5");
    assertThatThrownBy(() -> Mailboxes.section("ElasticMailbox+min-capacity=64+padded"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("not a key=value setting: padded");
    assertThatThrownBy(() -> Mailboxes.section("min-capacity=64"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("settings follow a mailbox name");
    assertThatThrownBy(() -> Mailboxes.section("ElasticMailbox+nope+x=1"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("unknown mailbox: ElasticMailbox+nope");
  }

  @Test
  void ringCeilings_deliverEveryMessageInOrderToARealActor() throws Exception {
    for (String ring :
        new String[] {
          "Ring+MpscUnboundedArrayQueue",
          "Ring+MpscArrayQueue",
          "Ring+ManyToOneConcurrentArrayQueue"
        }) {
      ActorSystem system = ActorSystem.create("ring-test", Mailboxes.systemConfig(ring));
      try {
        int messages = 5_000; // past the unbounded ring's first 1024-slot chunk
        CountDownLatch done = new CountDownLatch(1);
        List<Integer> seen = new ArrayList<>();
        ActorRef actor =
            system.actorOf(
                Props.create(Recorder.class, () -> new Recorder(seen, messages, done))
                    .withMailbox(Mailboxes.PATH),
                "recorder");
        for (int i = 0; i < messages; i++) {
          actor.tell(i, ActorRef.noSender());
        }
        assertThat(done.await(10, TimeUnit.SECONDS)).as(ring).isTrue();
        assertThat(seen).as(ring).hasSize(messages).isSorted().doesNotHaveDuplicates();
      } finally {
        system.terminate();
        system.getWhenTerminated().toCompletableFuture().get(30, TimeUnit.SECONDS);
      }
    }
  }

  /** A QoS message with an identity, for the order checks. */
  record Numbered(int qosLevel, int seq) implements QosMessage {}

  /**
   * The sorting experiment serves, from a backlog, exactly QosQueue's weighted order (weights 1, 2,
   * 4), and from a backlog that grows between its calls the same order over what it has seen, each
   * message once.
   */
  @Test
  void sortingQosCeiling_servesQosQueuesWeightedOrder() {
    for (String layout :
        new String[] {"layout = compact", "layout = padded", "layout = compact\nbatch = 8"}) {
      MessageQueue mq =
          new SortingQosMailbox(null, ConfigFactory.parseString(layout))
              .create(scala.Option.empty(), scala.Option.empty());
      QosQueue<Numbered> reference = QosQueue.weighted(QueueConfig.builder().build(), 1, 2, 4);
      Random random = new Random(42);
      List<Numbered> expected = new ArrayList<>();
      List<Numbered> actual = new ArrayList<>();
      int seq = 0;
      for (int wave = 0; wave < 200; wave++) {
        int n = random.nextInt(40);
        for (int i = 0; i < n; i++) {
          Numbered m = new Numbered(random.nextInt(3), seq++);
          mq.enqueue(ActorRef.noSender(), new Envelope(m, ActorRef.noSender()));
          reference.offer(m, m.qosLevel());
        }
        int take = random.nextInt(40);
        for (int i = 0; i < take; i++) {
          Envelope e = mq.dequeue();
          Numbered r = reference.poll();
          if (e == null) {
            assertThat(r).as(layout).isNull();
            break;
          }
          actual.add((Numbered) e.message());
          expected.add(r);
        }
      }
      Envelope e;
      while ((e = mq.dequeue()) != null) {
        actual.add((Numbered) e.message());
        expected.add(reference.poll());
      }
      assertThat(mq.hasMessages()).as(layout).isFalse();
      assertThat(actual).as(layout).hasSize(seq).isEqualTo(expected);
    }
  }

  @Test
  void unknownRing_isAnErrorNamingIt() {
    Config section = ConfigFactory.parseString("ring = MpscLinkedQueue");
    assertThatThrownBy(() -> new RingMailbox(null, section))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("unknown ring for RingMailbox: MpscLinkedQueue");
  }

  static final class Recorder extends AbstractActor {
    private final List<Integer> seen;
    private final int expected;
    private final CountDownLatch done;

    Recorder(List<Integer> seen, int expected, CountDownLatch done) {
      this.seen = seen;
      this.expected = expected;
      this.done = done;
    }

    @Override
    public Receive createReceive() {
      return receiveBuilder()
          .match(
              Integer.class,
              i -> {
                seen.add(i);
                if (seen.size() == expected) {
                  done.countDown();
                }
              })
          .build();
    }
  }

  static final class Receiver extends AbstractActor {
    private final CountDownLatch received;

    Receiver(CountDownLatch received) {
      this.received = received;
    }

    @Override
    public Receive createReceive() {
      return receiveBuilder().matchAny(m -> received.countDown()).build();
    }
  }
}
