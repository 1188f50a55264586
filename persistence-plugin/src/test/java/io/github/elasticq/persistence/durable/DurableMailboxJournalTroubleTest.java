package io.github.elasticq.persistence.durable;

import static io.github.elasticq.persistence.durable.DurableTestSupport.TIMEOUT;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.github.elasticq.persistence.durable.DurableMailbox.Enqueue;
import io.github.elasticq.persistence.durable.DurableMailbox.Rejected;
import io.github.elasticq.persistence.durable.DurableMailbox.Reply;
import io.github.elasticq.persistence.durable.DurableMailbox.Stored;
import io.github.elasticq.persistence.durable.DurableMailboxRobustnessTest.Slow;
import io.github.elasticq.persistence.durable.DurableTestSupport.Seen;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.apache.pekko.actor.DeadLetter;
import org.apache.pekko.actor.Dropped;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.FishingOutcomes;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.persistence.JournalProtocol;
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

  /**
   * A child that holds {@code Work(1)} in its handler (counting {@code inHandler} down) until
   * {@code release}, then ends that message with {@code end}; other work passes.
   */
  private static Behavior<Work> holdingWorkOne(
      CountDownLatch inHandler, CountDownLatch release, Supplier<Behavior<Work>> end) {
    return Behaviors.receive(Work.class)
        .onMessage(
            Work.class,
            w -> {
              if (w.n() == 1) {
                inHandler.countDown();
                release.await(30, TimeUnit.SECONDS);
                return end.get();
              }
              return Behaviors.same();
            })
        .build();
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
   * During the backoff Pekko's restart supervisor stashes signals with the commands: with its stash
   * full of commands, the child's {@code Terminated} was dropped, and the mailbox went on offering
   * to a dead child and never stopped (the recovery now also asks whether the child lives). The
   * commands beyond {@code stash-capacity} are refused now, so the signal keeps its place; the
   * mailbox stops either way.
   */
  @Test
  void childStopsDuringTheBackoff_withTheStashFull_theMailboxStillStops() throws Exception {
    ActorTestKit kit = kit("terminated-dropped");
    TestProbe<Reply> replies = kit.createTestProbe();
    TestProbe<DeadLetter> deadLetters = DurableTestSupport.eventStreamProbe(kit, DeadLetter.class);
    CountDownLatch inHandler = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    // the inner behavior stops by itself
    Behavior<Work> inner = holdingWorkOne(inHandler, release, Behaviors::stopped);
    DurableMailboxSettings s = DurableMailboxSettings.builder().stashCapacity(2).build();
    ActorRef<Object> mailbox = kit.spawn(DurableMailbox.create("terminated-dropped", inner, s));
    mailbox.tell(new Enqueue<>(new Work(1), replies.ref()));
    assertThat(replies.receiveMessage(TIMEOUT)).isEqualTo(new Stored(1));
    assertThat(inHandler.await(10, TimeUnit.SECONDS)).isTrue();
    rejectOne(mailbox, replies, 2); // in the restart's backoff now (at least 160 ms)
    for (int i = 0; i < 5; i++) {
      // stash-capacity (2) commands held (the flush timer's command may hold one), the rest refused
      mailbox.tell(new Work(100 + i));
    }
    List<Object> refused = new ArrayList<>();
    deadLetters.fishForMessage(
        TIMEOUT,
        d -> {
          if (d.message() instanceof Work w) {
            refused.add(w);
          }
          return refused.contains(new Work(104))
              ? FishingOutcomes.complete()
              : FishingOutcomes.continueAndIgnore();
        });
    assertThat(refused).contains(new Work(102), new Work(103), new Work(104));
    release.countDown(); // the child stops: its Terminated comes during the backoff
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

  /**
   * A write that failed (the journal's call timed out) whose transaction commits after the recovery
   * that followed it: its message was refused, and the next message, numbered like it, fails on the
   * taken sequence number (PostgreSQL's primary key). The recovery after that shows the late
   * message under that number, and the mailbox answered the next message {@code Stored} by the
   * number alone: an acknowledged message that was never stored nor delivered.
   */
  @Test
  void failedWriteThatLandsLate_doesNotAcknowledgeTheNextMessageUnderItsNumber() {
    ActorTestKit kit = kit("lands-late");
    GatedTestJournal.uniqueSeqNrs = true;
    TestProbe<Seen> seen = kit.createTestProbe();
    TestProbe<Reply> first = kit.createTestProbe();
    TestProbe<Reply> second = kit.createTestProbe();
    ActorRef<Object> mailbox =
        kit.spawn(
            DurableMailbox.create(
                "lands-late",
                DurableTestSupport.reporting(seen.ref()),
                DurableMailboxSettings.builder().confirmBatchSize(1).build()));
    mailbox.tell(new Enqueue<>(new Work(1), first.ref()));
    assertThat(first.receiveMessage(TIMEOUT)).isEqualTo(new Stored(1));
    assertThat(seen.receiveMessage(TIMEOUT)).isEqualTo(new Seen(1, 1));
    // Confirmed(1) written: nothing else is owed before the writes below
    await().atMost(TIMEOUT).until(() -> stats(kit, "lands-late").confirmed() == 1);

    GatedTestJournal.failThenLandWork = 2;
    mailbox.tell(new Enqueue<>(new Work(2), first.ref()));
    assertThat(first.receiveMessage(TIMEOUT)).isInstanceOf(Rejected.class);
    GatedTestJournal.landLateWrite(); // its transaction commits now

    mailbox.tell(new Enqueue<>(new Work(3), second.ref()));
    Reply reply = second.receiveMessage(TIMEOUT);
    // Work 2 is in the journal at delivery number 2 and is delivered (refused, yet stored: the
    // mailbox could not know); Work 3 is not stored and must not be acknowledged
    assertThat(seen.receiveMessage(TIMEOUT)).isEqualTo(new Seen(2, 2));
    assertThat(reply).as("the answer to Work 3, which is not stored").isInstanceOf(Rejected.class);
    mailbox.tell(new Enqueue<>(new Work(3), second.ref()));
    assertThat(second.receiveMessage(TIMEOUT)).isEqualTo(new Stored(3));
    assertThat(seen.receiveMessage(TIMEOUT)).isEqualTo(new Seen(3, 3));
  }

  /**
   * The confirmation that rode along with a write the journal stored and reported failed is counted
   * once the recovery shows it stored: the {@code confirmed} figure used to miss it for good
   * ({@code stored} 5 = {@code confirmed} 3 + {@code unconfirmed} 1 did not add up).
   */
  @Test
  void confirmationInAFailedWriteThatWasStored_isCounted() {
    ActorTestKit kit = kit("stats-failed");
    TestProbe<Seen> seen = kit.createTestProbe();
    TestProbe<Reply> replies = kit.createTestProbe();
    // confirmations only ride along with the writes of messages
    DurableMailboxSettings settings =
        DurableMailboxSettings.builder()
            .confirmBatchSize(1000)
            .confirmFlushInterval(Duration.ofHours(1))
            .build();
    ActorRef<Object> mailbox =
        kit.spawn(
            DurableMailbox.create(
                "stats-failed", DurableTestSupport.reporting(seen.ref()), settings));
    for (int i = 1; i <= 5; i++) {
      if (i == 4) {
        GatedTestJournal.storeThenFailWork = 4; // [MessageStored(4), Confirmed(3)]
      }
      mailbox.tell(new Enqueue<>(new Work(i), replies.ref()));
      assertThat(replies.receiveMessage(TIMEOUT)).isEqualTo(new Stored(i));
      assertThat(seen.receiveMessage(TIMEOUT)).isEqualTo(new Seen(i, i));
      int n = i;
      // the handler reports before it returns: wait until the child published its progress
      await().atMost(TIMEOUT).until(() -> stats(kit, "stats-failed").processed() == n);
    }
    // the last write was [MessageStored(5), Confirmed(4)]: 1 - 4 confirmed, 5 is not
    DurableMailboxStats stats = stats(kit, "stats-failed");
    assertThat(stats.stored()).isEqualTo(5);
    assertThat(stats.unconfirmed()).isEqualTo(1);
    assertThat(stats.confirmed()).as("confirmed, in %s", stats).isEqualTo(4);
  }

  /**
   * A message accepted just before a write without messages starts waits in the mailbox for its
   * {@code FlushStores}; a full stash drops that command and its repeats; the write fails and the
   * mailbox restarts, which cancels the timer that repeats it. The recovery sends it again: before,
   * the message and the commands held across the restart were never written, answered or delivered
   * (until {@code max-store-batch} more messages came).
   */
  @Test
  void messagesPendingAcrossARestart_whoseFlushWasDropped_areWritten() throws Exception {
    ActorTestKit kit = kit("flush-restart");
    TestProbe<Reply> replies = kit.createTestProbe();
    TestProbe<Object> seen = kit.createTestProbe();
    CountDownLatch inHandler = new CountDownLatch(1);
    CountDownLatch releaseInner = new CountDownLatch(1);
    Behavior<Object> inner =
        Behaviors.receiveMessage(
            m -> {
              if (m instanceof Work w && w.n() == 1) {
                inHandler.countDown();
                releaseInner.await(30, TimeUnit.SECONDS);
              }
              seen.ref().tell(m);
              return Behaviors.same();
            });
    DurableMailboxSettings settings =
        DurableMailboxSettings.builder()
            .confirmBatchSize(1)
            .stashCapacity(2)
            .confirmFlushInterval(Duration.ofMillis(500))
            .build();
    ActorRef<Object> mailbox = kit.spawn(DurableMailbox.create("flush-restart", inner, settings));

    mailbox.tell(new Work(1)); // stored and delivered; the child holds it
    assertThat(inHandler.await(10, TimeUnit.SECONDS)).isTrue();
    Slow.entered = new CountDownLatch(1);
    Slow.release = new CountDownLatch(1);
    Slow.blockOn = 2;
    mailbox.tell(new Enqueue<>(new Slow(2), replies.ref())); // the mailbox waits in accept
    assertThat(Slow.entered.await(10, TimeUnit.SECONDS)).isTrue();
    GatedTestJournal.PERMITS.drainPermits(); // the next write waits
    GatedTestJournal.failNextWriteWithoutMessages = true;
    int writes = GatedTestJournal.WRITES_STARTED.get();
    releaseInner.countDown(); // Work 1 done: the child's ConfirmHint (batch size 1) queues up
    assertThat(seen.receiveMessage(TIMEOUT)).isEqualTo(new Work(1));
    Thread.sleep(200);
    for (int i = 3; i <= 6; i++) {
      mailbox.tell(new Enqueue<>(new Work(i), replies.ref())); // ahead of the FlushStores to come
    }
    Slow.release.countDown(); // Slow(2) pending; its FlushStores behind Work 6
    // The hint writes Confirmed(1) (held); Work 3, 4 fill the stash; Work 5, 6 are refused; the
    // FlushStores and its repeats are dropped.
    await().atMost(TIMEOUT).until(() -> GatedTestJournal.WRITES_STARTED.get() == writes + 1);
    assertThat(replies.receiveMessage(TIMEOUT)).isInstanceOf(Rejected.class);
    assertThat(replies.receiveMessage(TIMEOUT)).isInstanceOf(Rejected.class);
    Thread.sleep(1200); // the repeat timer fires twice into the full stash
    GatedTestJournal.PERMITS.release(Integer.MAX_VALUE / 2); // Confirmed(1) fails: restart

    List<Reply> answers = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      answers.add(replies.receiveMessage(TIMEOUT));
    }
    assertThat(answers).containsExactly(new Stored(2), new Stored(3), new Stored(4));
    Object delivered = seen.receiveMessage(TIMEOUT);
    assertThat(delivered).isInstanceOf(Slow.class);
    assertThat(((Slow) delivered).getN()).isEqualTo(2);
    assertThat(seen.receiveMessage(TIMEOUT)).isEqualTo(new Work(3));
    assertThat(seen.receiveMessage(TIMEOUT)).isEqualTo(new Work(4));
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

  /**
   * Sends {@code Enqueue(Work(n))} for each n, each with its own probe (one reply each, checked by
   * {@link #answers}).
   */
  private static Map<Integer, TestProbe<Reply>> enqueue(
      ActorTestKit kit, ActorRef<Object> mailbox, int from, int to) {
    Map<Integer, TestProbe<Reply>> probes = new LinkedHashMap<>();
    for (int n = from; n <= to; n++) {
      TestProbe<Reply> p = kit.createTestProbe();
      probes.put(n, p);
      mailbox.tell(new Enqueue<>(new Work(n), p.ref()));
    }
    return probes;
  }

  /** The one reply each probe gets (no probe may wait in vain, none may get two). */
  private static Map<Integer, Reply> answers(Map<Integer, TestProbe<Reply>> probes) {
    Map<Integer, Reply> out = new TreeMap<>();
    probes.forEach(
        (n, p) -> {
          try {
            out.put(n, p.receiveMessage(TIMEOUT));
          } catch (AssertionError e) {
            throw new AssertionError("no reply to Enqueue(Work(" + n + ")): an ask times out", e);
          }
        });
    probes.values().forEach(p -> p.expectNoMessage(Duration.ofMillis(50)));
    return out;
  }

  /**
   * Commands beyond {@code stash-capacity} during the backoff of the restart after a rejected
   * write: Pekko's restart supervisor dropped them ({@code Dropped}, no reply: an ask timed out),
   * and also dropped, after the backoff, commands it had held, when it handed them to the
   * event-sourced actor's stash that still held those of the write in flight. Now every sender is
   * answered: the first {@code stash-capacity} commands (over the write and the backoff) are stored
   * and delivered once, each later one is refused at once with {@link Rejected#RESTARTING}.
   */
  @Test
  void beyondStashCapacityDuringTheBackoff_everySenderIsAnswered_storedOnesDeliveredOnce() {
    ActorTestKit kit = kit("stash-full-backoff");
    TestProbe<Seen> seen = kit.createTestProbe();
    TestProbe<Reply> replies = kit.createTestProbe();
    TestProbe<Dropped> dropped = DurableTestSupport.eventStreamProbe(kit, Dropped.class);
    ActorRef<Object> mailbox =
        kit.spawn(
            DurableMailbox.create(
                "stash-full-backoff",
                DurableTestSupport.reporting(seen.ref()),
                DurableMailboxSettings.builder().stashCapacity(3).build()));
    mailbox.tell(new Enqueue<>(new Work(1), replies.ref()));
    assertThat(replies.receiveMessage(TIMEOUT)).isEqualTo(new Stored(1));
    assertThat(seen.receiveMessage(TIMEOUT)).isEqualTo(new Seen(1, 1));
    await().atMost(TIMEOUT).until(() -> stats(kit, "stash-full-backoff").processed() == 1);

    GatedTestJournal.rejectWork = 2;
    mailbox.tell(new Enqueue<>(new Work(2), replies.ref()));
    await().atMost(TIMEOUT).until(() -> GatedTestJournal.TROUBLED_WRITES.get() == 1);
    // the write [MessageStored(2), Confirmed(1)] is in flight: these two wait in Pekko's stash
    Map<Integer, TestProbe<Reply>> probes = enqueue(kit, mailbox, 10, 11);
    GatedTestJournal.TROUBLE_GATE.release();
    assertThat(replies.receiveMessage(TIMEOUT)).isInstanceOf(Rejected.class); // Work 2
    // in the restart's backoff now (at least 160 ms): room for one more, then refusals
    probes.putAll(enqueue(kit, mailbox, 12, 19));

    Map<Integer, Reply> answers = answers(probes);
    for (int n = 13; n <= 19; n++) {
      assertThat(answers.get(n)).as("Work " + n).isEqualTo(new Rejected(Rejected.RESTARTING));
    }
    assertThat(answers.get(10)).isEqualTo(new Stored(2));
    assertThat(answers.get(11)).isEqualTo(new Stored(3));
    assertThat(answers.get(12)).isEqualTo(new Stored(4));
    assertThat(
            List.of(
                seen.receiveMessage(TIMEOUT),
                seen.receiveMessage(TIMEOUT),
                seen.receiveMessage(TIMEOUT)))
        .containsExactly(new Seen(2, 10), new Seen(3, 11), new Seen(4, 12));
    seen.expectNoMessage(Duration.ofSeconds(1));
    dropped.expectNoMessage(Duration.ofMillis(100));
    assertThat(stats(kit, "stash-full-backoff").rejected()).isEqualTo(1 + 7);
    // and the mailbox goes on
    mailbox.tell(new Enqueue<>(new Work(20), replies.ref()));
    assertThat(replies.receiveMessage(TIMEOUT)).isEqualTo(new Stored(5));
    assertThat(seen.receiveMessage(TIMEOUT)).isEqualTo(new Seen(5, 20));
  }

  /**
   * A write whose outcome the journal cannot tell (it failed) while more commands come than the
   * stash holds, before and during the backoff: every sender is answered, the failed write's
   * message after the recovery ({@code Rejected}: the journal does not have it), and the messages
   * held are stored and delivered once.
   */
  @Test
  void beyondStashCapacityAroundAFailedWrite_everySenderIsAnswered() {
    ActorTestKit kit = kit("stash-full-failed");
    TestProbe<Seen> seen = kit.createTestProbe();
    ActorRef<Object> mailbox =
        kit.spawn(
            DurableMailbox.create(
                "stash-full-failed",
                DurableTestSupport.reporting(seen.ref()),
                DurableMailboxSettings.builder().stashCapacity(4).build()));
    GatedTestJournal.failWork = 1;
    Map<Integer, TestProbe<Reply>> probes = enqueue(kit, mailbox, 1, 1);
    await().atMost(TIMEOUT).until(() -> GatedTestJournal.TROUBLED_WRITES.get() == 1);
    probes.putAll(enqueue(kit, mailbox, 2, 7)); // 4 held during the write, 2 refused
    GatedTestJournal.TROUBLE_GATE.release();
    probes.putAll(enqueue(kit, mailbox, 8, 10)); // refused: the 4 still wait

    Map<Integer, Reply> answers = answers(probes);
    assertThat(answers.get(1)).isInstanceOf(Rejected.class);
    assertThat(((Rejected) answers.get(1)).reason()).startsWith("the journal failed to write it");
    assertThat(((Rejected) answers.get(1)).isWriteFailure()).isTrue();
    assertThat(new Rejected(Rejected.FULL).isWriteFailure()).isFalse();
    for (int n = 2; n <= 5; n++) {
      assertThat(answers.get(n)).as("Work " + n).isEqualTo(new Stored(n - 1));
    }
    for (int n = 6; n <= 10; n++) {
      assertThat(answers.get(n)).as("Work " + n).isInstanceOf(Rejected.class);
      assertThat(((Rejected) answers.get(n)).reason())
          .isIn(Rejected.STASH_FULL, Rejected.RESTARTING);
    }
    for (int n = 2; n <= 5; n++) {
      assertThat(seen.receiveMessage(TIMEOUT)).isEqualTo(new Seen(n - 1, n));
    }
    seen.expectNoMessage(Duration.ofSeconds(1));
  }

  /**
   * The same while a write is only slow: Pekko's event-sourced stash dropped the commands beyond
   * {@code stash-capacity} (no reply); now they get {@link Rejected#STASH_FULL} at once, while the
   * write is still in flight.
   */
  @Test
  void beyondStashCapacityDuringAWrite_isRefusedAtOnce() {
    ActorTestKit kit = kit("stash-full-write");
    TestProbe<Seen> seen = kit.createTestProbe();
    ActorRef<Object> mailbox =
        kit.spawn(
            DurableMailbox.create(
                "stash-full-write",
                DurableTestSupport.reporting(seen.ref()),
                DurableMailboxSettings.builder().stashCapacity(2).build()));
    GatedTestJournal.PERMITS.drainPermits();
    Map<Integer, TestProbe<Reply>> first = enqueue(kit, mailbox, 1, 1);
    await().atMost(TIMEOUT).until(() -> GatedTestJournal.WRITES_STARTED.get() == 1);
    Map<Integer, TestProbe<Reply>> during = enqueue(kit, mailbox, 2, 6);
    for (int n = 4; n <= 6; n++) {
      assertThat(during.get(n).receiveMessage(TIMEOUT))
          .as("Work " + n + ", while the write is held")
          .isEqualTo(new Rejected(Rejected.STASH_FULL));
    }
    GatedTestJournal.PERMITS.release(Integer.MAX_VALUE / 2);
    assertThat(first.get(1).receiveMessage(TIMEOUT)).isEqualTo(new Stored(1));
    assertThat(during.get(2).receiveMessage(TIMEOUT)).isEqualTo(new Stored(2));
    assertThat(during.get(3).receiveMessage(TIMEOUT)).isEqualTo(new Stored(3));
    for (int n = 1; n <= 3; n++) {
      assertThat(seen.receiveMessage(TIMEOUT)).isEqualTo(new Seen(n, n));
    }
    seen.expectNoMessage(Duration.ofMillis(500));
    assertThat(stats(kit, "stash-full-write").rejected()).isEqualTo(3);
  }

  /**
   * The mailbox's own commands and {@code stash-capacity}: a notice its timer repeats while a write
   * is in flight takes one place, not one per copy (found by a review: the child's stop notice,
   * repeated every {@code confirm-flush-interval}, filled the capacity and user commands were
   * refused with none of them held).
   */
  @Test
  void aStopNoticeRepeatedDuringAHeldWrite_doesNotFillTheStash_userCommandsAreHeldAndStored()
      throws Exception {
    ActorTestKit kit = kit("own-commands");
    TestProbe<Reply> replies = kit.createTestProbe();
    CountDownLatch inHandler = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    Behavior<Work> inner =
        holdingWorkOne(
            inHandler,
            release,
            () -> {
              throw new IllegalStateException("the child fails on Work 1");
            });
    DurableMailboxSettings settings = DurableMailboxSettings.builder().stashCapacity(5).build();
    ActorRef<Object> mailbox = kit.spawn(DurableMailbox.create("own-commands", inner, settings));
    mailbox.tell(new Enqueue<>(new Work(1), replies.ref()));
    assertThat(replies.receiveMessage(TIMEOUT)).isEqualTo(new Stored(1));
    assertThat(inHandler.await(10, TimeUnit.SECONDS)).isTrue();

    GatedTestJournal.PERMITS.drainPermits(); // the next write waits
    int started = GatedTestJournal.WRITES_STARTED.get();
    mailbox.tell(new Enqueue<>(new Work(2), replies.ref()));
    await().atMost(TIMEOUT).until(() -> GatedTestJournal.WRITES_STARTED.get() == started + 1);
    release.countDown(); // the child fails and stops while the write is held
    Thread.sleep(1000); // its stop notice repeats every 50 ms meanwhile

    TestProbe<Reply> third = kit.createTestProbe();
    mailbox.tell(new Enqueue<>(new Work(3), third.ref()));
    third.expectNoMessage(Duration.ofMillis(500)); // held for the write, not refused
    GatedTestJournal.PERMITS.release(Integer.MAX_VALUE / 2);
    assertThat(replies.receiveMessage(TIMEOUT)).isEqualTo(new Stored(2));
    assertThat(third.receiveMessage(TIMEOUT))
        .as("only Work 2 and the child's notice wait: Work 3 is held, then stored")
        .isInstanceOf(Stored.class);
  }

  /**
   * A replay that stalls beyond the journal's {@code recovery-event-timeout} fails the recovery,
   * and Pekko 1.7 does not cancel it: when the disk answers again, the timed-out replays and the
   * retry's replay all send their events to the same actor, interleaved. The mailbox's state
   * refuses events that do not follow each other (its recovery fails again and is retried after the
   * backoff) rather than apply them: once a replay arrives alone it recovers, delivers new messages
   * in order with the next delivery numbers, and delivers none of the confirmed ones again.
   */
  @Test
  void staleReplaysAfterARecoveryTimeout_areRefused_andTheMailboxRecoversExactly() {
    int n = 300;
    ActorTestKit second = storedThenEveryReplayStalled("stalled-replay", "stalled", n);
    TestProbe<Seen> seenAgain = second.createTestProbe();
    TestProbe<Reply> replies = second.createTestProbe();
    ActorRef<Object> restarted =
        second.spawn(
            DurableMailbox.create("stalled", DurableTestSupport.reporting(seenAgain.ref())));
    releaseAfterThreeStalledReplays();

    for (int i = n; i < n + 5; i++) {
      restarted.tell(new Enqueue<>(new Work(i), replies.ref()));
    }
    for (int i = n; i < n + 5; i++) {
      assertThat(seenAgain.receiveMessage(TIMEOUT)).isEqualTo(new Seen(i + 1, i));
    }
    for (int i = n; i < n + 5; i++) {
      assertThat(replies.receiveMessage(TIMEOUT)).isEqualTo(new Stored(i + 1));
    }
    seenAgain.expectNoMessage(Duration.ofMillis(500));
    await()
        .atMost(TIMEOUT)
        .untilAsserted(
            () -> {
              DurableMailboxStats s = stats(second, "stalled");
              assertThat(s.redelivered()).isZero();
              assertThat(s.processed()).isEqualTo(5);
              assertThat(s.unconfirmed()).isZero();
            });
  }

  /**
   * The replays a timed-out recovery leaves running (Pekko 1.7 does not cancel them) send their
   * events during the restart's backoff too, and Pekko's restart supervisor stashed each of them
   * for the next recovery, in the stash that {@code stash-capacity} sizes (with room for a store
   * batch and 64 more): with a small stash and a long log they filled it, and Pekko dropped the
   * commands that came next (no reply: an ask timed out) although the mailbox had counted room for
   * them. The mailbox now drops a replay's messages that arrive while no recovery runs. With {@code
   * stash-capacity = 2}, {@code max-store-batch = 5} and 300 stored events replayed three times at
   * once, every sender of the 150 messages sent meanwhile is answered, those stored are delivered
   * in order after the 300, and no confirmed message is delivered again.
   */
  @Test
  void staleReplaysDuringTheBackoff_withASmallStash_everySenderIsAnswered() {
    int n = 300;
    ActorTestKit second = storedThenEveryReplayStalled("stale-backoff", "stale-backoff", n);
    TestProbe<Seen> seenAgain = second.createTestProbe();
    TestProbe<Dropped> dropped = DurableTestSupport.eventStreamProbe(second, Dropped.class);
    ActorRef<Object> restarted =
        second.spawn(
            DurableMailbox.create(
                "stale-backoff",
                DurableTestSupport.reporting(seenAgain.ref()),
                DurableMailboxSettings.builder().stashCapacity(2).maxStoreBatch(5).build()));
    releaseAfterThreeStalledReplays();

    Map<Integer, TestProbe<Reply>> probes = new LinkedHashMap<>();
    TestProbe<Object> pace = second.createTestProbe();
    for (int i = n; i < n + 150; i++) { // over about 1.5 s of stale replays and backoffs
      probes.putAll(enqueue(second, restarted, i, i));
      pace.expectNoMessage(Duration.ofMillis(10));
    }
    Map<Integer, Reply> answers = answers(probes);
    List<Integer> stored = new ArrayList<>();
    answers.forEach(
        (i, reply) -> {
          if (reply instanceof Stored s) {
            assertThat(s.seqNr()).as("Work " + i).isEqualTo(n + stored.size() + 1L);
            stored.add(i);
          } else {
            assertThat(reply).as("Work " + i).isEqualTo(new Rejected(Rejected.RESTARTING));
          }
        });
    for (int k = 0; k < stored.size(); k++) {
      assertThat(seenAgain.receiveMessage(TIMEOUT)).isEqualTo(new Seen(n + k + 1, stored.get(k)));
    }
    // and it goes on, if it had not recovered yet while the 150 came
    TestProbe<Reply> last = second.createTestProbe();
    await()
        .atMost(TIMEOUT)
        .pollInterval(Duration.ofMillis(200))
        .until(
            () -> {
              restarted.tell(new Enqueue<>(new Work(1000), last.ref()));
              return last.receiveMessage(TIMEOUT) instanceof Stored;
            });
    assertThat(seenAgain.receiveMessage(TIMEOUT).n()).isEqualTo(1000);
    seenAgain.expectNoMessage(Duration.ofMillis(500));
    // Pekko dropped no command (nor any event: its stash never filled)
    List<Object> droppedByPekko = new ArrayList<>();
    for (Dropped d : drained(dropped)) {
      if (d.message() instanceof Enqueue || d.message() instanceof JournalProtocol.Response) {
        droppedByPekko.add(d.message());
      }
    }
    assertThat(droppedByPekko).isEmpty();
    assertThat(stats(second, "stale-backoff").redelivered()).isZero();
  }

  /**
   * Stores {@code n} messages in mailbox {@code id} of a first actor system and waits until they
   * are processed and confirmed, stops that system, and returns a second one on the same journal in
   * which every replay stalls ({@link GatedTestJournal#REPLAY_GATE}) and a recovery times out after
   * 300 ms without an event.
   */
  private ActorTestKit storedThenEveryReplayStalled(String name, String id, int n) {
    ActorTestKit first = kit(name + "-1");
    TestProbe<Seen> seen = first.createTestProbe();
    ActorRef<Object> mailbox =
        first.spawn(DurableMailbox.create(id, DurableTestSupport.reporting(seen.ref())));
    for (int i = 0; i < n; i++) {
      mailbox.tell(new Work(i));
    }
    for (int i = 0; i < n; i++) {
      assertThat(seen.receiveMessage(TIMEOUT)).isEqualTo(new Seen(i + 1, i));
    }
    await().atMost(TIMEOUT).until(() -> stats(first, id).unconfirmed() == 0);
    first.shutdownTestKit();

    GatedTestJournal.REPLAY_GATE.drainPermits(); // every replay stalls
    ActorTestKit second =
        ActorTestKit.create(
            name + "-2",
            DurableTestSupport.config(
                dir,
                "every-write",
                DurableTestSupport.GATED_JOURNAL
                    + "\ngated-journal.recovery-event-timeout = 300ms"));
    kits.add(second);
    return second;
  }

  /**
   * Waits until the first replay and two retries timed out (each still pending in the journal),
   * then lets every replay go on.
   */
  private static void releaseAfterThreeStalledReplays() {
    await().atMost(TIMEOUT).until(() -> GatedTestJournal.STALLED_REPLAYS.get() >= 3);
    GatedTestJournal.REPLAY_GATE.release(Integer.MAX_VALUE / 2);
  }

  /** The messages {@code probe} holds or gets within 100 ms of each other. */
  private static <E> List<E> drained(TestProbe<E> probe) {
    List<E> out = new ArrayList<>();
    while (true) {
      try {
        out.add(probe.receiveMessage(Duration.ofMillis(100)));
      } catch (AssertionError noMore) {
        return out;
      }
    }
  }

  /**
   * The child keeps running across the restart after a rejected write, and the recovered state
   * holds the messages it was offered before only in their stored form (a journal that serializes
   * replays no message object). When the child then failed for the last time on such a message, the
   * poison-message handler got {@code null} instead of the message.
   */
  @Test
  void poisonedAfterARestartWithTheChildKept_theHandlerGetsTheMessage() throws Exception {
    ActorTestKit kit = kit("poison-after-restart");
    GatedTestJournal.storeSerializedForm = true;
    TestProbe<Reply> replies = kit.createTestProbe();
    TestProbe<PoisonedMessage> poisoned = kit.createTestProbe();
    CountDownLatch inHandler = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    DurableMailboxSettings s =
        DurableMailboxSettings.builder()
            .maxRedeliveries(0)
            .poisonHandler(PoisonMessageHandler.to(poisoned.ref()))
            .build();
    ActorRef<Object> mailbox =
        kit.spawn(
            DurableMailbox.create(
                "poison-after-restart",
                holdingWorkOne(
                    inHandler,
                    release,
                    () -> {
                      throw new IllegalStateException("poison 1");
                    }),
                s));
    mailbox.tell(new Enqueue<>(new Work(1), replies.ref()));
    assertThat(replies.receiveMessage(TIMEOUT)).isEqualTo(new Stored(1));
    assertThat(inHandler.await(30, TimeUnit.SECONDS)).isTrue();
    rejectOne(mailbox, replies, 2); // the restart recovers Work 1 from the journal
    mailbox.tell(new Enqueue<>(new Work(3), replies.ref()));
    assertThat(replies.receiveMessage(TIMEOUT)).isEqualTo(new Stored(2)); // recovered
    release.countDown(); // the child, kept across the restart, fails on Work 1
    PoisonedMessage p = poisoned.receiveMessage(TIMEOUT);
    assertThat(p.seqNr()).isEqualTo(1);
    assertThat(p.message()).isEqualTo(new Work(1));
  }
}
