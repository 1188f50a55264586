package io.github.elasticq.persistence.durable;

import static io.github.elasticq.persistence.durable.DurableTestSupport.TIMEOUT;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.github.elasticq.persistence.durable.DurableMailbox.Enqueue;
import io.github.elasticq.persistence.durable.DurableMailbox.Reply;
import io.github.elasticq.persistence.durable.DurableMailbox.Stored;
import io.github.elasticq.persistence.durable.DurableTestSupport.Seen;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Delivery of a {@link DurableMailbox} on the embedded journal (every-write): order with window 1
 * and 16, order across a failure of the inner behavior with a full window, and redelivery of
 * unconfirmed messages after the actor system restarts on the same directory.
 */
class DurableMailboxDeliveryTest {
  @TempDir Path dir;

  private final List<ActorTestKit> kits = new ArrayList<>();

  @AfterEach
  void shutdown() {
    kits.forEach(ActorTestKit::shutdownTestKit);
  }

  private ActorTestKit start(String name) {
    ActorTestKit kit = DurableTestSupport.testKit(name, dir);
    kits.add(kit);
    return kit;
  }

  private static DurableMailboxSettings window(int window) {
    return DurableMailboxSettings.builder().window(window).build();
  }

  @Test
  void delivery_window1_inOrderWithSequenceNumbers() {
    deliversInOrder(1);
  }

  @Test
  void delivery_window16_inOrderWithSequenceNumbers() {
    deliversInOrder(16);
  }

  private void deliversInOrder(int window) {
    ActorTestKit kit = start("order-" + window);
    TestProbe<Seen> seen = kit.createTestProbe();
    TestProbe<Reply> replies = kit.createTestProbe();
    ActorRef<Object> mailbox =
        kit.spawn(
            DurableMailbox.create(
                "order-" + window, DurableTestSupport.reporting(seen.ref()), window(window)));
    int n = 300;
    for (int i = 0; i < n; i++) {
      if (i % 3 == 0) {
        mailbox.tell(new Enqueue<>(new Work(i), replies.ref()));
      } else {
        mailbox.tell(new Work(i));
      }
    }
    for (int i = 0; i < n; i++) {
      assertThat(seen.receiveMessage(TIMEOUT)).isEqualTo(new Seen(i + 1, i));
    }
    for (int i = 0; i < n; i += 3) {
      assertThat(replies.receiveMessage(TIMEOUT)).isEqualTo(new Stored(i + 1));
    }
    await()
        .atMost(TIMEOUT)
        .untilAsserted(
            () ->
                assertThat(DurableMailboxRegistry.get(kit.system()).stats("order-" + window))
                    .hasValueSatisfying(
                        s -> {
                          assertThat(s.stored()).isEqualTo(n);
                          assertThat(s.confirmed()).isEqualTo(n);
                          assertThat(s.unconfirmed()).isZero();
                          assertThat(s.redelivered()).isZero();
                        }));
  }

  @Test
  void failure_window16_redeliversFromFailedMessageInOrder() {
    ActorTestKit kit = start("failure");
    TestProbe<Seen> seen = kit.createTestProbe();
    AtomicBoolean failedOnce = new AtomicBoolean();
    ActorRef<Object> mailbox =
        kit.spawn(
            DurableMailbox.create(
                "failure",
                DurableTestSupport.reporting(
                    seen.ref(),
                    w -> {
                      if (w.n() == 50 && failedOnce.compareAndSet(false, true)) {
                        throw new IllegalStateException("test failure on 50");
                      }
                    }),
                window(16)));
    for (int i = 0; i < 100; i++) {
      mailbox.tell(new Work(i));
    }
    // The failed child's mailbox held up to 15 later messages: none may be processed out of order.
    for (int i = 0; i < 100; i++) {
      assertThat(seen.receiveMessage(TIMEOUT)).isEqualTo(new Seen(i + 1, i));
    }
    seen.expectNoMessage(Duration.ofMillis(200));
    assertThat(failedOnce).isTrue();
    assertThat(DurableMailboxRegistry.get(kit.system()).stats("failure"))
        .hasValueSatisfying(s -> assertThat(s.redelivered()).isBetween(1L, 16L));
  }

  @Test
  void restart_sameDirectory_redeliversUnconfirmedOnly() {
    DurableMailboxSettings settings =
        DurableMailboxSettings.builder()
            .confirmBatchSize(4)
            .confirmFlushInterval(Duration.ofHours(1))
            .build();
    ActorTestKit first = start("restart-1");
    TestProbe<Seen> seen = first.createTestProbe();
    ActorRef<Object> mailbox =
        first.spawn(
            DurableMailbox.create("restart", DurableTestSupport.reporting(seen.ref()), settings));
    for (int i = 0; i < 10; i++) {
      mailbox.tell(new Work(i));
    }
    for (int i = 0; i < 10; i++) {
      assertThat(seen.receiveMessage(TIMEOUT)).isEqualTo(new Seen(i + 1, i));
    }
    // 1-8 confirmed by two batches of 4; 9 and 10 wait for the (hour-long) flush interval
    await()
        .atMost(TIMEOUT)
        .untilAsserted(
            () ->
                assertThat(DurableMailboxRegistry.get(first.system()).stats("restart"))
                    .hasValueSatisfying(s -> assertThat(s.confirmed()).isEqualTo(8)));
    first.shutdownTestKit();

    ActorTestKit second = start("restart-2");
    TestProbe<Seen> seenAgain = second.createTestProbe();
    ActorRef<Object> again =
        second.spawn(
            DurableMailbox.create(
                "restart", DurableTestSupport.reporting(seenAgain.ref()), settings));
    assertThat(seenAgain.receiveMessage(TIMEOUT)).isEqualTo(new Seen(9, 8));
    assertThat(seenAgain.receiveMessage(TIMEOUT)).isEqualTo(new Seen(10, 9));
    again.tell(new Work(10));
    assertThat(seenAgain.receiveMessage(TIMEOUT)).isEqualTo(new Seen(11, 10));
    assertThat(DurableMailboxRegistry.get(second.system()).stats("restart"))
        .hasValueSatisfying(
            s -> {
              assertThat(s.redelivered()).isEqualTo(2);
              assertThat(s.stored()).isEqualTo(1);
            });
  }

  @Test
  void restart_afterSnapshotsAndDeletes_recoversFromSnapshot() {
    // a snapshot every 5 events, one kept: recovery must start from a snapshot (events deleted)
    DurableMailboxSettings settings =
        DurableMailboxSettings.builder()
            .snapshotEvery(5)
            .keepSnapshots(1)
            .confirmBatchSize(4)
            .confirmFlushInterval(Duration.ofHours(1))
            .build();
    ActorTestKit first = start("snapshot-1");
    TestProbe<Seen> seen = first.createTestProbe();
    ActorRef<Object> mailbox =
        first.spawn(
            DurableMailbox.create("snapshot", DurableTestSupport.reporting(seen.ref()), settings));
    // one at a time: each store write also confirms everything processed before it (41 of 42)
    for (int i = 0; i < 42; i++) {
      mailbox.tell(new Work(i));
      assertThat(seen.receiveMessage(TIMEOUT)).isEqualTo(new Seen(i + 1, i));
    }
    await()
        .atMost(TIMEOUT)
        .untilAsserted(
            () ->
                assertThat(DurableMailboxRegistry.get(first.system()).stats("snapshot"))
                    .hasValueSatisfying(s -> assertThat(s.confirmed()).isEqualTo(41)));
    first.shutdownTestKit();

    ActorTestKit second = start("snapshot-2");
    TestProbe<Seen> seenAgain = second.createTestProbe();
    ActorRef<Object> again =
        second.spawn(
            DurableMailbox.create(
                "snapshot", DurableTestSupport.reporting(seenAgain.ref()), settings));
    assertThat(seenAgain.receiveMessage(TIMEOUT)).isEqualTo(new Seen(42, 41));
    again.tell(new Work(42));
    assertThat(seenAgain.receiveMessage(TIMEOUT)).isEqualTo(new Seen(43, 42));
    assertThat(dir.resolve("snapshots")).isNotEmptyDirectory();
  }

  @Test
  void restart_nothingConfirmed_redeliversEverythingStored() {
    DurableMailboxSettings settings =
        DurableMailboxSettings.builder()
            .confirmBatchSize(1000)
            .confirmFlushInterval(Duration.ofHours(1))
            .build();
    ActorTestKit first = start("unconfirmed-1");
    TestProbe<Seen> seen = first.createTestProbe();
    TestProbe<Reply> replies = first.createTestProbe();
    ActorRef<Object> mailbox =
        first.spawn(
            DurableMailbox.create(
                "unconfirmed", DurableTestSupport.reporting(seen.ref()), settings));
    for (int i = 0; i < 20; i++) {
      mailbox.tell(new Enqueue<>(new Work(i), replies.ref()));
    }
    for (int i = 0; i < 20; i++) {
      assertThat(replies.receiveMessage(TIMEOUT)).isEqualTo(new Stored(i + 1));
    }
    first.shutdownTestKit();

    ActorTestKit second = start("unconfirmed-2");
    TestProbe<Seen> seenAgain = second.createTestProbe();
    second.spawn(
        DurableMailbox.create(
            "unconfirmed", DurableTestSupport.reporting(seenAgain.ref()), settings));
    for (int i = 0; i < 20; i++) {
      assertThat(seenAgain.receiveMessage(TIMEOUT)).isEqualTo(new Seen(i + 1, i));
    }
  }
}
