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
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.Dropped;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.FishingOutcomes;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.Terminated;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The restart that follows a write the journal rejected or failed (Pekko's restart with backoff):
 * what the mailbox owes its senders, its child and its confirmations across it. Found by a review
 * of that restart; each test failed on the mailbox before its fix.
 */
class DurableMailboxJournalTroubleTest {
  @TempDir Path dir;
  private final List<ActorTestKit> kits = new ArrayList<>();

  @AfterEach
  void shutdown() {
    kits.forEach(ActorTestKit::shutdownTestKit);
    GatedTestJournal.reset();
  }

  private ActorTestKit kit(String name) {
    GatedTestJournal.reset();
    ActorTestKit k =
        ActorTestKit.create(
            name, DurableTestSupport.config(dir, "every-write", DurableTestSupport.GATED_JOURNAL));
    kits.add(k);
    return k;
  }

  private static DurableMailboxStats stats(ActorTestKit kit, String id) {
    return DurableMailboxRegistry.get(kit.system()).stats(id).orElseThrow();
  }

  /** Has the write that holds Work {@code n} rejected, and waits for the sender's refusal. */
  private static void rejectOne(ActorRef<Object> mailbox, TestProbe<Reply> replies, int n) {
    GatedTestJournal.rejectWork = n;
    int troubled = GatedTestJournal.TROUBLED_WRITES.get();
    mailbox.tell(new Enqueue<>(new Work(n), replies.ref()));
    await().atMost(TIMEOUT).until(() -> GatedTestJournal.TROUBLED_WRITES.get() == troubled + 1);
    GatedTestJournal.TROUBLE_GATE.release();
    assertThat(replies.receiveMessage(TIMEOUT)).isInstanceOf(Rejected.class);
  }

  /**
   * The rejected batch carried the confirmation of a processed message, and the restart cancelled
   * the flush timer: nothing wrote that confirmation again until another message came.
   */
  @Test
  void rejectedWriteCarryingAConfirmation_isConfirmedAfterTheRestart() {
    ActorTestKit kit = kit("rejected-confirmation");
    TestProbe<Seen> seen = kit.createTestProbe();
    TestProbe<Reply> replies = kit.createTestProbe();
    DurableMailboxSettings s =
        DurableMailboxSettings.builder().confirmFlushInterval(Duration.ofSeconds(1)).build();
    ActorRef<Object> mailbox =
        kit.spawn(
            DurableMailbox.create(
                "rejected-confirmation", DurableTestSupport.reporting(seen.ref()), s));
    mailbox.tell(new Enqueue<>(new Work(1), replies.ref()));
    assertThat(replies.receiveMessage(TIMEOUT)).isEqualTo(new Stored(1));
    assertThat(seen.receiveMessage(TIMEOUT)).isEqualTo(new Seen(1, 1));
    // the child publishes processedUpTo = 1 after its handler returned
    await().atMost(TIMEOUT).until(() -> stats(kit, "rejected-confirmation").processed() == 1);
    rejectOne(mailbox, replies, 2); // the batch [MessageStored(2), Confirmed(1)] is rejected
    await()
        .atMost(TIMEOUT)
        .untilAsserted(
            () ->
                assertThat(stats(kit, "rejected-confirmation").confirmed())
                    .as("message 1 confirmed after the restart, with no new message")
                    .isEqualTo(1));
    assertThat(GatedTestJournal.STORE.get("rejected-confirmation"))
        .anyMatch(r -> r.payload() instanceof DurableMailboxEvent.Confirmed);
  }

  /**
   * During the backoff Pekko's restart supervisor stashes signals and drops them when its stash is
   * full: the child's {@code Terminated} was lost, and the mailbox went on offering to a dead child
   * and never stopped.
   */
  @Test
  void childStopsDuringTheBackoff_whileItsTerminatedIsDropped_theMailboxStillStops()
      throws Exception {
    ActorTestKit kit = kit("terminated-dropped");
    TestProbe<Reply> replies = kit.createTestProbe();
    TestProbe<Dropped> dropped = DurableTestSupport.eventStreamProbe(kit, Dropped.class);
    CountDownLatch inHandler = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    Behavior<Work> inner =
        Behaviors.receive(Work.class)
            .onMessage(
                Work.class,
                w -> {
                  if (w.n() == 1) {
                    inHandler.countDown();
                    release.await(30, TimeUnit.SECONDS);
                    return Behaviors.stopped(); // the inner behavior stops by itself
                  }
                  return Behaviors.same();
                })
            .build();
    DurableMailboxSettings s = DurableMailboxSettings.builder().stashCapacity(2).build();
    ActorRef<Object> mailbox = kit.spawn(DurableMailbox.create("terminated-dropped", inner, s));
    mailbox.tell(new Enqueue<>(new Work(1), replies.ref()));
    assertThat(replies.receiveMessage(TIMEOUT)).isEqualTo(new Stored(1));
    assertThat(inHandler.await(10, TimeUnit.SECONDS)).isTrue();
    rejectOne(mailbox, replies, 2); // in the restart's backoff now (at least 160 ms)
    for (int i = 0; i < 5; i++) {
      mailbox.tell(new Work(100 + i)); // the supervisor's stash (2) fills up
    }
    release.countDown(); // the child stops: its Terminated comes during the backoff
    dropped.fishForMessage(
        TIMEOUT,
        m ->
            m.message() instanceof Terminated
                ? FishingOutcomes.complete()
                : FishingOutcomes.continueAndIgnore());
    kit.createTestProbe().expectTerminated(mailbox, TIMEOUT);
  }

  /**
   * A stop during the backoff gave {@code PostStop} to the restart supervisor, which stashed it:
   * the mailbox's cleanup never ran (the registry kept the stopped mailbox's counters).
   */
  @Test
  void stoppedDuringTheBackoff_leavesTheRegistry() {
    ActorTestKit kit = kit("stopped-in-backoff");
    TestProbe<Seen> seen = kit.createTestProbe();
    TestProbe<Reply> replies = kit.createTestProbe();
    ActorRef<Object> mailbox =
        kit.spawn(
            DurableMailbox.create(
                "stopped-in-backoff",
                DurableTestSupport.reporting(seen.ref()),
                DurableMailboxSettings.defaults()));
    mailbox.tell(new Enqueue<>(new Work(1), replies.ref()));
    assertThat(replies.receiveMessage(TIMEOUT)).isEqualTo(new Stored(1));
    rejectOne(mailbox, replies, 2);
    kit.stop(mailbox, TIMEOUT);
    await()
        .atMost(TIMEOUT)
        .until(
            () -> DurableMailboxRegistry.get(kit.system()).stats("stopped-in-backoff").isEmpty());
  }

  /**
   * A {@code Poisoned} write the journal stored and then reported failed: after the recovery the
   * poisoned message is confirmed, and starting the next child at the old child's position asked
   * for it (an IllegalArgumentException in the recovery, which restarted the mailbox again, for
   * ever). Now the next child starts after it, and the poison handler still gets it.
   */
  @Test
  void poisonedWriteStoredThenReportedFailed_goesOn_andHandsThePoisonOver() {
    ActorTestKit kit = kit("poisoned-failed");
    TestProbe<Seen> seen = kit.createTestProbe();
    TestProbe<Reply> replies = kit.createTestProbe();
    List<PoisonedMessage> handled = new CopyOnWriteArrayList<>();
    GatedTestJournal.storeThenFailPoisoned = true;
    ActorRef<Object> mailbox =
        kit.spawn(
            DurableMailbox.create(
                "poisoned-failed",
                DurableTestSupport.reporting(
                    seen.ref(),
                    w -> {
                      if (w.n() == 1) {
                        throw new IllegalStateException("poison");
                      }
                    }),
                DurableMailboxSettings.builder()
                    .maxRedeliveries(0)
                    .poisonHandler((ctx, p) -> handled.add(p))
                    .build()));
    mailbox.tell(new Enqueue<>(new Work(1), replies.ref()));
    assertThat(replies.receiveMessage(TIMEOUT)).isEqualTo(new Stored(1));
    await().atMost(TIMEOUT).until(() -> !GatedTestJournal.storeThenFailPoisoned);
    mailbox.tell(new Enqueue<>(new Work(2), replies.ref()));
    assertThat(replies.receiveMessage(TIMEOUT)).isEqualTo(new Stored(2));
    assertThat(seen.receiveMessage(TIMEOUT)).isEqualTo(new Seen(2, 2));
    await().atMost(TIMEOUT).until(() -> handled.size() == 1);
    assertThat(handled.get(0).seqNr()).isEqualTo(1);
    assertThat(handled.get(0).message()).isEqualTo(new Work(1));
    assertThat(stats(kit, "poisoned-failed").poisoned()).isEqualTo(1);
  }

  /** A write the journal stored and reported failed: Stored after the recovery, delivered once. */
  @Test
  void failedWriteThatWasStored_isAnsweredStored_andDeliveredOnce() {
    ActorTestKit kit = kit("stored-then-failed");
    TestProbe<Seen> seen = kit.createTestProbe();
    TestProbe<Reply> replies = kit.createTestProbe();
    ActorRef<Object> mailbox =
        kit.spawn(
            DurableMailbox.create(
                "stored-then-failed",
                DurableTestSupport.reporting(seen.ref()),
                DurableMailboxSettings.builder().snapshotEvery(2).build()));
    for (int i = 1; i <= 3; i++) {
      mailbox.tell(new Enqueue<>(new Work(i), replies.ref()));
      assertThat(replies.receiveMessage(TIMEOUT)).isEqualTo(new Stored(i));
      assertThat(seen.receiveMessage(TIMEOUT)).isEqualTo(new Seen(i, i));
    }
    GatedTestJournal.storeThenFailWork = 4;
    mailbox.tell(new Enqueue<>(new Work(4), replies.ref()));
    assertThat(replies.receiveMessage(TIMEOUT)).isEqualTo(new Stored(4));
    assertThat(seen.receiveMessage(TIMEOUT)).isEqualTo(new Seen(4, 4));
    mailbox.tell(new Enqueue<>(new Work(5), replies.ref()));
    assertThat(replies.receiveMessage(TIMEOUT)).isEqualTo(new Stored(5));
    assertThat(seen.receiveMessage(TIMEOUT)).isEqualTo(new Seen(5, 5));
    seen.expectNoMessage(Duration.ofSeconds(1));
    replies.expectNoMessage(Duration.ofMillis(100));
  }

  /** Two rejections in a row with a snapshot present: numbering and delivery go on, once each. */
  @Test
  void rejectedWritesWithASnapshot_goOn() {
    ActorTestKit kit = kit("rejected-with-snapshot");
    TestProbe<Seen> seen = kit.createTestProbe();
    TestProbe<Reply> replies = kit.createTestProbe();
    ActorRef<Object> mailbox =
        kit.spawn(
            DurableMailbox.create(
                "rejected-with-snapshot",
                DurableTestSupport.reporting(seen.ref()),
                DurableMailboxSettings.builder().snapshotEvery(2).confirmBatchSize(1).build()));
    for (int i = 1; i <= 5; i++) {
      mailbox.tell(new Enqueue<>(new Work(i), replies.ref()));
      assertThat(replies.receiveMessage(TIMEOUT)).isEqualTo(new Stored(i));
      assertThat(seen.receiveMessage(TIMEOUT)).isEqualTo(new Seen(i, i));
    }
    rejectOne(mailbox, replies, 6);
    rejectOne(mailbox, replies, 7);
    mailbox.tell(new Enqueue<>(new Work(8), replies.ref()));
    assertThat(replies.receiveMessage(TIMEOUT)).isEqualTo(new Stored(6));
    assertThat(seen.receiveMessage(TIMEOUT)).isEqualTo(new Seen(6, 8));
    seen.expectNoMessage(Duration.ofSeconds(1));
  }
}
