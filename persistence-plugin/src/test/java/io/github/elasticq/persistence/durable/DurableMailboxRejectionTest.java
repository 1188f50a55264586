package io.github.elasticq.persistence.durable;

import static io.github.elasticq.persistence.durable.DurableTestSupport.TIMEOUT;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.github.elasticq.persistence.durable.DurableMailbox.Enqueue;
import io.github.elasticq.persistence.durable.DurableMailbox.Rejected;
import io.github.elasticq.persistence.durable.DurableMailbox.Reply;
import io.github.elasticq.persistence.durable.DurableMailbox.Stored;
import io.github.elasticq.persistence.durable.DurableTestSupport.Seen;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.DeadLetter;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What a {@link DurableMailbox} refuses and gives up on: messages beyond {@code max-unconfirmed},
 * messages without a serializer, and poison messages (which must stay dropped after a restart).
 */
class DurableMailboxRejectionTest {
  @TempDir Path dir;

  private final List<ActorTestKit> kits = new ArrayList<>();

  /** No serializer binding: java serialization is off in Pekko 1.x. */
  record NotSerializable(int n) {}

  @AfterEach
  void shutdown() {
    kits.forEach(ActorTestKit::shutdownTestKit);
  }

  private ActorTestKit start(String name) {
    ActorTestKit kit = DurableTestSupport.testKit(name, dir);
    kits.add(kit);
    return kit;
  }

  @Test
  void enqueue_atMaxUnconfirmed_rejectedFullAndPlainTellDeadLettered() {
    ActorTestKit kit = start("capacity");
    TestProbe<Seen> seen = kit.createTestProbe();
    TestProbe<Reply> replies = kit.createTestProbe();
    TestProbe<DeadLetter> deadLetters = DurableTestSupport.eventStreamProbe(kit, DeadLetter.class);
    // the inner behavior blocks on its first message until released: nothing is confirmed
    CountDownLatch release = new CountDownLatch(1);
    DurableMailboxSettings settings = DurableMailboxSettings.builder().maxUnconfirmed(3).build();
    ActorRef<Object> mailbox =
        kit.spawn(
            DurableMailbox.create(
                "capacity",
                DurableTestSupport.reporting(
                    seen.ref(),
                    w -> {
                      try {
                        release.await(30, TimeUnit.SECONDS);
                      } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                      }
                    }),
                settings));
    try {
      for (int i = 0; i < 4; i++) {
        mailbox.tell(new Enqueue<>(new Work(i), replies.ref()));
      }
      mailbox.tell(new Work(4));
      // the refusal is immediate, the Stored replies wait for the write: any interleaving
      assertThat(replies.receiveSeveralMessages(4, TIMEOUT))
          .containsExactlyInAnyOrder(
              new Rejected(Rejected.FULL), new Stored(1), new Stored(2), new Stored(3));
      assertThat(deadLetters.receiveMessage(TIMEOUT).message()).isEqualTo(new Work(4));
      assertThat(DurableMailboxRegistry.get(kit.system()).stats("capacity"))
          .hasValueSatisfying(
              s -> {
                assertThat(s.rejected()).isEqualTo(2);
                assertThat(s.stored()).isEqualTo(3);
                assertThat(s.unconfirmed()).isEqualTo(3);
              });
    } finally {
      release.countDown();
    }
    for (int i = 0; i < 3; i++) {
      assertThat(seen.receiveMessage(TIMEOUT)).isEqualTo(new Seen(i + 1, i));
    }
    seen.expectNoMessage(Duration.ofMillis(200));
  }

  @Test
  void enqueue_notSerializable_rejectedWithReason() {
    ActorTestKit kit = start("serialization");
    TestProbe<Object> seen = kit.createTestProbe();
    TestProbe<Reply> replies = kit.createTestProbe();
    ActorRef<Object> mailbox =
        kit.spawn(
            DurableMailbox.create(
                "serialization",
                org.apache.pekko.actor.typed.javadsl.Behaviors.receiveMessage(
                    m -> {
                      seen.ref().tell(m);
                      return org.apache.pekko.actor.typed.javadsl.Behaviors.same();
                    }),
                DurableMailboxSettings.defaults()));
    mailbox.tell(new Enqueue<>(new NotSerializable(1), replies.ref()));
    mailbox.tell(new Enqueue<>(new Work(2), replies.ref()));
    Reply first = replies.receiveMessage(TIMEOUT);
    assertThat(first).isInstanceOf(Rejected.class);
    assertThat(((Rejected) first).reason())
        .startsWith("not serializable")
        .contains(NotSerializable.class.getName());
    assertThat(replies.receiveMessage(TIMEOUT)).isEqualTo(new Stored(1));
    assertThat(seen.receiveMessage(TIMEOUT)).isEqualTo(new Work(2));
    seen.expectNoMessage(Duration.ofMillis(200));
    assertThat(DurableMailboxRegistry.get(kit.system()).stats("serialization"))
        .hasValueSatisfying(s -> assertThat(s.rejected()).isEqualTo(1));
  }

  @Test
  void poison_afterMaxRedeliveries_handlerGetsItAndRestartDoesNotBringItBack() {
    ActorTestKit first = start("poison-1");
    TestProbe<Seen> seen = first.createTestProbe();
    TestProbe<PoisonedMessage> poisoned = first.createTestProbe();
    DurableMailboxSettings settings =
        DurableMailboxSettings.builder()
            .maxRedeliveries(2)
            .poisonHandler(PoisonMessageHandler.to(poisoned.ref()))
            .build();
    ActorRef<Object> mailbox =
        first.spawn(
            DurableMailbox.create("poison", DurableTestSupport.failingOn(seen.ref(), 3), settings));
    for (int i = 1; i <= 5; i++) {
      mailbox.tell(new Work(i));
    }
    assertThat(seen.receiveMessage(TIMEOUT)).isEqualTo(new Seen(1, 1));
    assertThat(seen.receiveMessage(TIMEOUT)).isEqualTo(new Seen(2, 2));
    PoisonedMessage p = poisoned.receiveMessage(TIMEOUT);
    assertThat(p.persistenceId()).isEqualTo("poison");
    assertThat(p.seqNr()).isEqualTo(3);
    assertThat(p.message()).isEqualTo(new Work(3));
    assertThat(p.failures()).isEqualTo(3);
    assertThat(p.lastFailure()).hasMessage("poison 3");
    assertThat(seen.receiveMessage(TIMEOUT)).isEqualTo(new Seen(4, 4));
    assertThat(seen.receiveMessage(TIMEOUT)).isEqualTo(new Seen(5, 5));
    await()
        .atMost(TIMEOUT)
        .untilAsserted(
            () ->
                assertThat(DurableMailboxRegistry.get(first.system()).stats("poison"))
                    .hasValueSatisfying(
                        s -> {
                          assertThat(s.poisoned()).isEqualTo(1);
                          assertThat(s.redelivered()).isEqualTo(2);
                          assertThat(s.confirmed()).isEqualTo(5);
                        }));
    first.shutdownTestKit();

    ActorTestKit second = start("poison-2");
    TestProbe<Seen> seenAgain = second.createTestProbe();
    ActorRef<Object> again =
        second.spawn(
            DurableMailbox.create(
                "poison", DurableTestSupport.reporting(seenAgain.ref()), settings));
    again.tell(new Work(6));
    assertThat(seenAgain.receiveMessage(TIMEOUT)).isEqualTo(new Seen(6, 6));
  }

  /**
   * A poison-message handler that throws (it runs on the mailbox's thread) must not take the
   * mailbox down: the drop is persisted already, and the messages stored after the poisoned one
   * must still be delivered.
   */
  @Test
  void poisonHandlerThatThrows_theMailboxGoesOn_laterMessagesDelivered() {
    ActorTestKit kit = start("poison-throws");
    TestProbe<Seen> seen = kit.createTestProbe();
    TestProbe<PoisonedMessage> poisoned = kit.createTestProbe();
    DurableMailboxSettings settings =
        DurableMailboxSettings.builder()
            .maxRedeliveries(0)
            .poisonHandler(
                (context, p) -> {
                  poisoned.ref().tell(p);
                  throw new IllegalStateException("handler broke on " + p.seqNr());
                })
            .build();
    ActorRef<Object> mailbox =
        kit.spawn(
            DurableMailbox.create(
                "poison-throws", DurableTestSupport.failingOn(seen.ref(), 2), settings));
    TestProbe<Reply> replies = kit.createTestProbe();
    for (int i = 1; i <= 4; i++) {
      mailbox.tell(new Enqueue<>(new Work(i), replies.ref()));
    }
    assertThat(replies.receiveSeveralMessages(4, TIMEOUT))
        .containsExactly(new Stored(1), new Stored(2), new Stored(3), new Stored(4));
    assertThat(seen.receiveMessage(TIMEOUT)).isEqualTo(new Seen(1, 1));
    assertThat(poisoned.receiveMessage(TIMEOUT).seqNr()).isEqualTo(2);
    assertThat(seen.receiveMessage(TIMEOUT)).isEqualTo(new Seen(3, 3));
    assertThat(seen.receiveMessage(TIMEOUT)).isEqualTo(new Seen(4, 4));
    mailbox.tell(new Enqueue<>(new Work(5), replies.ref()));
    assertThat(replies.receiveMessage(TIMEOUT)).isEqualTo(new Stored(5));
    assertThat(seen.receiveMessage(TIMEOUT)).isEqualTo(new Seen(5, 5));
    assertThat(DurableMailboxRegistry.get(kit.system()).stats("poison-throws"))
        .hasValueSatisfying(s -> assertThat(s.poisoned()).isEqualTo(1));
  }
}
