package io.github.elasticq.persistence.durable;

import static io.github.elasticq.persistence.durable.DurableTestSupport.TIMEOUT;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.github.elasticq.persistence.durable.DurableMailbox.Enqueue;
import io.github.elasticq.persistence.durable.DurableMailbox.Reply;
import io.github.elasticq.persistence.durable.DurableMailbox.Stored;
import io.github.elasticq.persistence.durable.DurableTestSupport.Seen;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
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

  /**
   * The Java DSL lets a handler throw a checked exception (an {@code IOException} of a client
   * library, say). It is a failure like any other: the message is delivered again and the mailbox
   * lives on. Before, it went past the delivery interceptor, which took the stopped child for an
   * inner behavior that stopped by itself, and the mailbox stopped with the failed message and
   * everything after it unprocessed.
   */
  @Test
  void checkedExceptionInHandler_redelivered_mailboxKeepsRunning() {
    ActorTestKit kit = start("checked");
    TestProbe<Seen> seen = kit.createTestProbe();
    TestProbe<Reply> replies = kit.createTestProbe();
    AtomicInteger failures = new AtomicInteger();
    Behavior<Work> inner =
        Behaviors.receive(Work.class)
            .onMessage(
                Work.class,
                w -> {
                  if (w.n() == 5 && failures.getAndIncrement() < 2) {
                    throw new IOException("test: broker connection lost on 5");
                  }
                  seen.ref().tell(new Seen(DurableMailbox.deliverySeqNr(), w.n()));
                  return Behaviors.same();
                })
            .build();
    ActorRef<Object> mailbox =
        kit.spawn(DurableMailbox.create("checked", inner, window(4)), "checked");
    for (int i = 0; i < 10; i++) {
      mailbox.tell(new Work(i));
    }
    for (int i = 0; i < 10; i++) {
      assertThat(seen.receiveMessage(TIMEOUT)).isEqualTo(new Seen(i + 1, i));
    }
    mailbox.tell(new Enqueue<>(new Work(10), replies.ref())); // still alive, still storing
    assertThat(replies.receiveMessage(TIMEOUT)).isEqualTo(new Stored(11));
    assertThat(seen.receiveMessage(TIMEOUT)).isEqualTo(new Seen(11, 10));
    assertThat(failures).hasValue(3);
    assertThat(DurableMailboxRegistry.get(kit.system()).stats("checked"))
        .hasValueSatisfying(s -> assertThat(s.redelivered()).isPositive());
  }

  /**
   * Waits until the inner behavior processed {@code n} messages and no confirmation write can
   * follow (fewer than {@code batch} processed messages wait for one, and the flush interval is an
   * hour), and returns how many are confirmed. Which messages a confirmation covers depends on
   * timing (a store write also confirms what was processed before it), so the tests read it.
   */
  private static long settle(ActorTestKit kit, String pid, int n, int batch) {
    long[] confirmed = new long[1];
    await()
        .atMost(TIMEOUT)
        .untilAsserted(
            () ->
                assertThat(DurableMailboxRegistry.get(kit.system()).stats(pid))
                    .hasValueSatisfying(
                        s -> {
                          assertThat(s.processed()).isEqualTo(n);
                          assertThat(s.unconfirmed()).isLessThan(batch);
                          assertThat(s.confirmed() + s.unconfirmed()).isEqualTo(n);
                          confirmed[0] = s.confirmed();
                        }));
    return confirmed[0];
  }

  private static DurableMailboxSettings confirmEvery(int batch) {
    return DurableMailboxSettings.builder()
        .confirmBatchSize(batch)
        .confirmFlushInterval(Duration.ofHours(1))
        .build();
  }

  @Test
  void restart_sameDirectory_redeliversUnconfirmedOnly() {
    restartRedeliversUnconfirmed("restart", confirmEvery(4), 10, 4);
  }

  @Test
  void restart_confirmationsPending_redeliversEveryUnconfirmedMessage() {
    // no batch is ever full: only store writes confirm, and the last one precedes the last message
    restartRedeliversUnconfirmed("pending", confirmEvery(1000), 20, 1000);
  }

  @Test
  void restart_afterSnapshotsAndDeletes_recoversFromSnapshot() {
    // a snapshot every 5 events, one kept, events below it deleted: recovery needs the snapshot
    DurableMailboxSettings settings =
        confirmEvery(4).toBuilder().snapshotEvery(5).keepSnapshots(1).build();
    restartRedeliversUnconfirmed("snapshot", settings, 42, 4);
    assertThat(dir.resolve("snapshots")).isNotEmptyDirectory();
  }

  private void restartRedeliversUnconfirmed(
      String pid, DurableMailboxSettings settings, int n, int batch) {
    ActorTestKit first = start(pid + "-1");
    TestProbe<Seen> seen = first.createTestProbe();
    ActorRef<Object> mailbox =
        first.spawn(DurableMailbox.create(pid, DurableTestSupport.reporting(seen.ref()), settings));
    for (int i = 0; i < n; i++) {
      mailbox.tell(new Work(i));
    }
    for (int i = 0; i < n; i++) {
      assertThat(seen.receiveMessage(TIMEOUT)).isEqualTo(new Seen(i + 1, i));
    }
    long confirmed = settle(first, pid, n, batch);
    if (batch >= n) {
      assertThat(confirmed).as("confirmed before the restart").isLessThan(n);
    }
    first.shutdownTestKit();

    ActorTestKit second = start(pid + "-2");
    TestProbe<Seen> seenAgain = second.createTestProbe();
    ActorRef<Object> again =
        second.spawn(
            DurableMailbox.create(pid, DurableTestSupport.reporting(seenAgain.ref()), settings));
    for (long seqNr = confirmed + 1; seqNr <= n; seqNr++) {
      assertThat(seenAgain.receiveMessage(TIMEOUT)).isEqualTo(new Seen(seqNr, (int) seqNr - 1));
    }
    again.tell(new Work(n));
    assertThat(seenAgain.receiveMessage(TIMEOUT)).isEqualTo(new Seen(n + 1, n));
    assertThat(DurableMailboxRegistry.get(second.system()).stats(pid))
        .hasValueSatisfying(
            s -> {
              assertThat(s.redelivered()).isEqualTo(n - confirmed);
              assertThat(s.stored()).isEqualTo(1);
            });
  }
}
