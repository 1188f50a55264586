package io.github.elasticq.persistence.durable;

import static io.github.elasticq.persistence.durable.DurableTestSupport.TIMEOUT;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonProperty;
import io.github.elasticq.persistence.durable.DurableMailbox.Enqueue;
import io.github.elasticq.persistence.durable.DurableMailbox.Rejected;
import io.github.elasticq.persistence.durable.DurableMailbox.Reply;
import io.github.elasticq.persistence.durable.DurableMailbox.Stored;
import io.github.elasticq.persistence.durable.DurableTestSupport.Seen;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.pekko.actor.DeadLetter;
import org.apache.pekko.actor.Dropped;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.FishingOutcomes;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.PostStop;
import org.apache.pekko.actor.typed.javadsl.Adapter;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.serialization.SerializerWithStringManifest;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Ways the durable mailbox used to lose track of accepted messages, leave senders unanswered or
 * stop (found by audits; each test fails without its fix): its own FlushStores dropped by a full
 * stash, the inner behavior stopping while messages wait for their write, a failure of the inner
 * behavior outside a message handler, a message whose stored form the journal cannot write, a write
 * the journal rejects or fails, a stop from outside while messages wait for their write, and a
 * confirmation hint dropped by a full stash.
 */
class DurableMailboxRobustnessTest {
  @TempDir Path dir;

  private final List<ActorTestKit> kits = new ArrayList<>();

  /** A message whose Jackson serialization (done by the mailbox as it accepts it) can block. */
  public static final class Slow implements JsonMessage {
    static volatile int blockOn = -1;
    static volatile CountDownLatch entered = new CountDownLatch(1);
    static volatile CountDownLatch release = new CountDownLatch(1);
    private final int n;

    @JsonCreator
    public Slow(@JsonProperty("n") int n) {
      this.n = n;
    }

    @JsonProperty("n")
    public int getN() throws InterruptedException {
      if (n == blockOn) {
        blockOn = -1;
        entered.countDown();
        release.await(30, TimeUnit.SECONDS);
      }
      return n;
    }
  }

  /** Bound to {@link LongManifestSerializer}, whose manifest for it is 70 000 characters. */
  public record LongManifest(int n) {}

  /** A serializer with a manifest too long for the stored format (modified UTF-8, 65 535 bytes). */
  public static final class LongManifestSerializer extends SerializerWithStringManifest {
    @Override
    public int identifier() {
      return 48_151_623;
    }

    @Override
    public String manifest(Object o) {
      return "m".repeat(70_000);
    }

    @Override
    public byte[] toBinary(Object o) {
      return Integer.toString(((LongManifest) o).n()).getBytes(StandardCharsets.US_ASCII);
    }

    @Override
    public Object fromBinary(byte[] bytes, String manifest) {
      return new LongManifest(Integer.parseInt(new String(bytes, StandardCharsets.US_ASCII)));
    }
  }

  @AfterEach
  void shutdown() {
    kits.forEach(ActorTestKit::shutdownTestKit);
    GatedTestJournal.reset();
  }

  private ActorTestKit kit(String name, String extra) {
    ActorTestKit k =
        ActorTestKit.create(name, DurableTestSupport.config(dir, "every-write", extra));
    kits.add(k);
    return k;
  }

  private static Behavior<Object> reportSeqNr(ActorRef<Long> seen) {
    return Behaviors.receiveMessage(
        m -> {
          seen.tell(DurableMailbox.deliverySeqNr());
          return Behaviors.same();
        });
  }

  /**
   * A full stash drops the mailbox's own FlushStores along with user messages; the messages then
   * pending used to wait for {@code max-store-batch} more (never, here): no write, no reply. The
   * FlushStores is now repeated by a timer while messages are pending.
   */
  @Test
  void flushStoresDroppedByAFullStash_isRepeated_laterMessagesAreStored() throws Exception {
    GatedTestJournal.reset();
    ActorTestKit kit = kit("dropped-flush", DurableTestSupport.GATED_JOURNAL);
    TestProbe<Long> seen = kit.createTestProbe();
    TestProbe<Reply> replies = kit.createTestProbe();
    DurableMailboxSettings s =
        DurableMailboxSettings.builder()
            .maxStoreBatch(3)
            .stashCapacity(4)
            .confirmFlushInterval(Duration.ofMillis(200))
            .build();
    ActorRef<Object> mb =
        kit.spawn(DurableMailbox.create("dropped-flush", reportSeqNr(seen.ref()), s));
    GatedTestJournal.PERMITS.drainPermits();
    mb.tell(new Work(1));
    await().atMost(TIMEOUT).until(() -> GatedTestJournal.WRITES_STARTED.get() == 1);
    Slow.entered = new CountDownLatch(1); // fresh latches: a rerun in the same JVM blocks again
    Slow.release = new CountDownLatch(1);
    Slow.blockOn = 2;
    mb.tell(new Slow(2)); // stashed; blocks the mailbox's thread when it is accepted
    for (int i = 3; i <= 5; i++) {
      mb.tell(new Work(i)); // stashed: the stash (4) is full
    }
    Thread.sleep(200);
    GatedTestJournal.PERMITS.release(1); // write 1 completes, unstashing starts
    assertThat(Slow.entered.await(10, TimeUnit.SECONDS)).isTrue();
    for (int i = 6; i <= 10; i++) {
      mb.tell(new Work(i)); // ahead of the FlushStores the mailbox is about to send itself
    }
    Slow.release.countDown(); // Work 4 fills a batch: a write starts, the stash fills again
    await().atMost(TIMEOUT).until(() -> GatedTestJournal.WRITES_STARTED.get() == 2);
    Thread.sleep(300); // Work 9, Work 10 and the FlushStores are dropped meanwhile
    GatedTestJournal.PERMITS.release(1000);
    // the stash drains: Work 5 - 7 fill a batch (write 3); Work 8 is left pending
    await().atMost(TIMEOUT).until(() -> GatedTestJournal.WRITES_STARTED.get() >= 3);
    Thread.sleep(300);
    mb.tell(new Enqueue<>(new Work(11), replies.ref()));
    assertThat(replies.receiveMessage(Duration.ofSeconds(10))).isInstanceOf(Stored.class);
  }

  /**
   * The inner behavior stops by itself while an Enqueue waits for its write: the mailbox used to
   * stop without writing it (no reply, no dead letter). Now its last write stores it ({@code
   * Stored}; a later start delivers it) along with the confirmation.
   */
  @Test
  void innerStopsWhileMessagesWaitForTheirWrite_theyAreStoredBeforeTheStop() throws Exception {
    GatedTestJournal.reset();
    ActorTestKit kit = kit("stop-pending", DurableTestSupport.GATED_JOURNAL);
    TestProbe<Reply> replies = kit.createTestProbe();
    CountDownLatch inHandler = new CountDownLatch(1);
    CountDownLatch releaseInner = new CountDownLatch(1);
    CountDownLatch innerStopped = new CountDownLatch(1);
    Behavior<Object> inner =
        Behaviors.receiveMessage(
            m -> {
              if (m instanceof Work w && w.n() == 1) {
                inHandler.countDown();
                releaseInner.await(30, TimeUnit.SECONDS);
                return Behaviors.stopped(innerStopped::countDown);
              }
              return Behaviors.same();
            });
    ActorRef<Object> mb =
        kit.spawn(DurableMailbox.create("stop-pending", inner, DurableMailboxSettings.defaults()));
    mb.tell(new Work(1));
    assertThat(inHandler.await(10, TimeUnit.SECONDS)).isTrue();
    GatedTestJournal.PERMITS.drainPermits();
    mb.tell(new Work(2));
    await().atMost(TIMEOUT).until(() -> GatedTestJournal.WRITES_STARTED.get() == 2);
    mb.tell(new Enqueue<>(new Work(3), replies.ref())); // stashed during write 2
    releaseInner.countDown(); // the inner stops: its termination notice is stashed after Work 3
    assertThat(innerStopped.await(10, TimeUnit.SECONDS)).isTrue();
    Thread.sleep(300);
    GatedTestJournal.PERMITS.release(1000);
    kit.createTestProbe().expectTerminated(mb, TIMEOUT);
    assertThat(replies.receiveMessage(Duration.ofSeconds(5))).isEqualTo(new Stored(3));
    assertThat(GatedTestJournal.STORE.get("stop-pending"))
        .anyMatch(
            r ->
                r.payload() instanceof DurableMailboxEvent.MessageStored m
                    && new Work(3).equals(m.message()));
  }

  /**
   * Starts a mailbox (stash 2) whose child holds Work 1 in its handler until {@code releaseInner};
   * with write 2 held in flight, Work 3 and 4 fill the stash; then the child ends (stops or throws:
   * the notice of it finds the stash full), and the journal is released. Returns the mailbox.
   */
  private static ActorRef<Object> childEndsWhileTheStashIsFull(
      ActorTestKit kit,
      String id,
      Behavior<Object> inner,
      CountDownLatch inHandler,
      CountDownLatch releaseInner,
      CountDownLatch childStopped)
      throws InterruptedException {
    // a long flush interval: no timer message may take a stash slot before Work 3 and 4 arrive
    DurableMailboxSettings s =
        DurableMailboxSettings.builder()
            .stashCapacity(2)
            .confirmFlushInterval(Duration.ofSeconds(2))
            .build();
    ActorRef<Object> mb = kit.spawn(DurableMailbox.create(id, inner, s));
    mb.tell(new Work(1));
    assertThat(inHandler.await(10, TimeUnit.SECONDS)).isTrue();
    GatedTestJournal.PERMITS.drainPermits();
    mb.tell(new Work(2));
    await().atMost(TIMEOUT).until(() -> GatedTestJournal.WRITES_STARTED.get() == 2);
    mb.tell(new Work(3));
    mb.tell(new Work(4)); // the stash (2) is full
    releaseInner.countDown();
    assertThat(childStopped.await(10, TimeUnit.SECONDS)).isTrue();
    Thread.sleep(300);
    GatedTestJournal.PERMITS.release(1000);
    return mb;
  }

  /**
   * The child stops while a write is in flight and the stash is full: the notice of its stop used
   * to be a command (watchWith), dropped like the user messages, and the mailbox went on offering
   * to a dead child and never stopped. The stop now comes as a signal and its notice is repeated
   * until handled: the mailbox stores what is pending and stops.
   */
  @Test
  void childStopsWhileTheStashIsFull_theMailboxStillStops() throws Exception {
    GatedTestJournal.reset();
    ActorTestKit kit = kit("stop-full-stash", DurableTestSupport.GATED_JOURNAL);
    CountDownLatch inHandler = new CountDownLatch(1);
    CountDownLatch releaseInner = new CountDownLatch(1);
    CountDownLatch childStopped = new CountDownLatch(1);
    Behavior<Object> inner =
        Behaviors.receiveMessage(
            m -> {
              if (m instanceof Work w && w.n() == 1) {
                inHandler.countDown();
                releaseInner.await(30, TimeUnit.SECONDS);
                return Behaviors.stopped(childStopped::countDown);
              }
              return Behaviors.same();
            });
    ActorRef<Object> mb =
        childEndsWhileTheStashIsFull(
            kit, "stop-full-stash", inner, inHandler, releaseInner, childStopped);
    kit.createTestProbe().expectTerminated(mb, TIMEOUT);
    assertThat(GatedTestJournal.STORE.get("stop-full-stash"))
        .filteredOn(r -> r.payload() instanceof DurableMailboxEvent.MessageStored)
        .hasSize(4);
  }

  /**
   * The child fails on a delivery while the stash is full: its failure report (a command) is
   * dropped along with the user messages. The mailbox reads the failure from the child's channel
   * after the stop, so it restarts the child and redelivers instead of taking the death for a
   * voluntary stop and stopping.
   */
  @Test
  void childFailsWhileTheStashIsFull_isRestartedAndRedelivers() throws Exception {
    GatedTestJournal.reset();
    ActorTestKit kit = kit("fail-full-stash", DurableTestSupport.GATED_JOURNAL);
    TestProbe<Long> seen = kit.createTestProbe();
    CountDownLatch inHandler = new CountDownLatch(1);
    CountDownLatch releaseInner = new CountDownLatch(1);
    AtomicBoolean first = new AtomicBoolean(true);
    CountDownLatch childStopped = new CountDownLatch(1);
    Behavior<Object> inner =
        Behaviors.receive(Object.class)
            .onAnyMessage(
                m -> {
                  seen.tell(DurableMailbox.deliverySeqNr());
                  if (m instanceof Work w && w.n() == 1 && first.compareAndSet(true, false)) {
                    inHandler.countDown();
                    releaseInner.await(30, TimeUnit.SECONDS);
                    throw new IllegalStateException("test: fails on its first delivery");
                  }
                  return Behaviors.same();
                })
            .onSignal(
                PostStop.class,
                stop -> {
                  childStopped.countDown();
                  return Behaviors.same();
                })
            .build();
    childEndsWhileTheStashIsFull(
        kit, "fail-full-stash", inner, inHandler, releaseInner, childStopped);
    assertThat(seen.receiveSeveralMessages(5, TIMEOUT)).containsExactly(1L, 1L, 2L, 3L, 4L);
  }

  /**
   * The inner behavior watches a helper that stops and does not handle Terminated: Pekko fails it
   * with a DeathPactException outside any message handler. The mailbox used to take that for a
   * voluntary stop and stop itself; now it starts a new child and goes on delivering.
   */
  @Test
  void innerFailingOutsideAMessageHandler_isRestarted_notStopped() {
    ActorTestKit kit = kit("signal-failure", "");
    TestProbe<Long> seen = kit.createTestProbe();
    TestProbe<Reply> replies = kit.createTestProbe();
    Behavior<Object> inner =
        Behaviors.setup(
            ctx ->
                Behaviors.receiveMessage(
                    m -> {
                      if (m instanceof Work w && w.n() == 1) {
                        ActorRef<String> helper =
                            ctx.spawnAnonymous(Behaviors.receiveMessage(x -> Behaviors.stopped()));
                        ctx.watch(helper);
                        helper.tell("stop");
                      }
                      seen.tell(DurableMailbox.deliverySeqNr());
                      return Behaviors.same();
                    }));
    ActorRef<Object> mb =
        kit.spawn(
            DurableMailbox.create("signal-failure", inner, DurableMailboxSettings.defaults()));
    mb.tell(new Work(1));
    assertThat(seen.receiveMessage(TIMEOUT)).isEqualTo(1L);
    mb.tell(new Enqueue<>(new Work(2), replies.ref()));
    assertThat(replies.receiveMessage(TIMEOUT)).isEqualTo(new Stored(2));
    assertThat(seen.receiveMessage(TIMEOUT)).isEqualTo(2L);
  }

  /**
   * A child that dies at once, every time (it watches an actor that has stopped and does not handle
   * Terminated): restarting it forever would spin; after {@code max-redeliveries} children in a row
   * without progress the mailbox stops.
   */
  @Test
  void innerThatFailsAtOnceEveryTime_isNotRestartedForever() {
    ActorTestKit kit = kit("failing-at-once", "");
    TestProbe<String> started = kit.createTestProbe();
    ActorRef<String> gone = kit.spawn(Behaviors.receiveMessage(x -> Behaviors.stopped()));
    TestProbe<Object> watcher = kit.createTestProbe();
    gone.tell("stop");
    watcher.expectTerminated(gone, TIMEOUT);
    Behavior<Object> inner =
        Behaviors.setup(
            ctx -> {
              started.tell("child");
              ctx.watch(gone); // Terminated at once, unhandled: DeathPactException
              return Behaviors.receiveMessage(m -> Behaviors.same());
            });
    ActorRef<Object> mb =
        kit.spawn(
            DurableMailbox.create(
                "failing-at-once",
                inner,
                DurableMailboxSettings.builder().maxRedeliveries(2).build()));
    watcher.expectTerminated(mb, TIMEOUT);
    assertThat(started.receiveSeveralMessages(3, TIMEOUT)).hasSize(3); // the first, 2 restarts
    started.expectNoMessage(Duration.ofMillis(200));
  }

  /**
   * A message whose stored form the journal cannot write (a serializer manifest over 65 535 bytes)
   * used to fail the atomic write of its whole batch: the mailbox stopped and none of the batch got
   * a reply. It is now rejected on its own as it is accepted; its neighbours are stored.
   */
  @Test
  void messageTheJournalCannotStore_isRejectedAlone_itsNeighboursAreStored() {
    ActorTestKit kit =
        kit(
            "long-manifest",
            String.join(
                "\n",
                "pekko.actor.serializers.long-manifest = \""
                    + LongManifestSerializer.class.getName()
                    + "\"",
                "pekko.actor.serialization-bindings {",
                "  \"" + LongManifest.class.getName() + "\" = long-manifest",
                "}"));
    TestProbe<Long> seen = kit.createTestProbe();
    TestProbe<Reply> replies = kit.createTestProbe();
    ActorRef<Object> mb =
        kit.spawn(
            DurableMailbox.create(
                "long-manifest", reportSeqNr(seen.ref()), DurableMailboxSettings.defaults()));
    mb.tell(new Enqueue<>(new Work(1), replies.ref()));
    mb.tell(new Enqueue<>(new LongManifest(2), replies.ref()));
    mb.tell(new Enqueue<>(new Work(3), replies.ref()));
    List<Reply> got = replies.receiveSeveralMessages(3, TIMEOUT); // Rejected comes at once
    assertThat(got).contains(new Stored(1), new Stored(2));
    assertThat(got)
        .filteredOn(r -> r instanceof Rejected)
        .singleElement()
        .satisfies(r -> assertThat(((Rejected) r).reason()).contains("70000 bytes"));
    assertThat(List.of(seen.receiveMessage(TIMEOUT), seen.receiveMessage(TIMEOUT)))
        .containsExactly(1L, 2L);
  }

  /**
   * Stores Work 1 and 2, then has the journal reject (or fail) the write of the batch Work 3
   * (Enqueue), 4 (plain tell), 5 (Enqueue), while Work 6 (Enqueue) waits in the stash. Checks that
   * Work 3 and 5 are refused with a reason that starts with {@code reason} and names the journal's
   * exception, that Work 4 goes to dead letters, that Work 6 is stored (as number 3: the refused
   * batch took no number) and delivered, that the child kept running and that the journal holds
   * exactly Work 1, 2 and 6.
   */
  private void troubledWrite(String id, boolean reject, String reason) {
    GatedTestJournal.reset();
    ActorTestKit kit = kit(id, DurableTestSupport.GATED_JOURNAL);
    TestProbe<Seen> seen = kit.createTestProbe();
    TestProbe<Reply> replies = kit.createTestProbe();
    TestProbe<DeadLetter> deadLetters = DurableTestSupport.eventStreamProbe(kit, DeadLetter.class);
    ActorRef<Object> mb =
        kit.spawn(
            DurableMailbox.create(
                id, DurableTestSupport.reporting(seen.ref()), DurableMailboxSettings.defaults()));
    mb.tell(new Enqueue<>(new Work(1), replies.ref()));
    assertThat(replies.receiveMessage(TIMEOUT)).isEqualTo(new Stored(1));
    assertThat(seen.receiveMessage(TIMEOUT)).isEqualTo(new Seen(1, 1));
    GatedTestJournal.PERMITS.drainPermits();
    int started = GatedTestJournal.WRITES_STARTED.get();
    mb.tell(new Enqueue<>(new Work(2), replies.ref()));
    await().atMost(TIMEOUT).until(() -> GatedTestJournal.WRITES_STARTED.get() == started + 1);
    mb.tell(new Enqueue<>(new Work(3), replies.ref())); // stashed: one batch once write 2 is done
    mb.tell(new Work(4));
    mb.tell(new Enqueue<>(new Work(5), replies.ref()));
    if (reject) {
      GatedTestJournal.rejectWork = 3;
    } else {
      GatedTestJournal.failWork = 3;
    }
    GatedTestJournal.PERMITS.release(1000);
    await().atMost(TIMEOUT).until(() -> GatedTestJournal.TROUBLED_WRITES.get() == 1);
    mb.tell(new Enqueue<>(new Work(6), replies.ref())); // stashed while the batch is written
    GatedTestJournal.TROUBLE_GATE.release();
    assertThat(replies.receiveMessage(TIMEOUT)).isEqualTo(new Stored(2));
    for (int i = 0; i < 2; i++) {
      assertThat(replies.receiveMessage(TIMEOUT))
          .isInstanceOfSatisfying(
              Rejected.class,
              r -> assertThat(r.reason()).startsWith(reason).contains("the write of Work 3"));
    }
    assertThat(replies.receiveMessage(TIMEOUT)).isEqualTo(new Stored(3));
    deadLetters.fishForMessage(
        TIMEOUT,
        d ->
            new Work(4).equals(d.message())
                ? FishingOutcomes.complete()
                : FishingOutcomes.continueAndIgnore());
    // the child kept running: it was not offered 1 and 2 again
    assertThat(List.of(seen.receiveMessage(TIMEOUT), seen.receiveMessage(TIMEOUT)))
        .containsExactly(new Seen(2, 2), new Seen(3, 6));
    assertThat(GatedTestJournal.STORE.get(id))
        .filteredOn(r -> r.payload() instanceof DurableMailboxEvent.MessageStored)
        .extracting(r -> ((DurableMailboxEvent.MessageStored) r.payload()).message())
        .containsExactly(new Work(1), new Work(2), new Work(6));
  }

  /**
   * The journal rejects the write of a batch (it stored none of it). Pekko stops an event-sourced
   * actor on a rejection: the mailbox used to stop, its senders unanswered and the commands in its
   * stash dropped. Now each message of the batch is refused with the journal's reason (dead letters
   * for a plain tell), the mailbox recovers with its stash and its child, and goes on.
   */
  @Test
  void writeRejectedByTheJournal_refusesItsMessages_andTheMailboxGoesOn() {
    troubledWrite("rejected-write", true, "rejected by the journal");
  }

  /**
   * The journal fails the write of a batch (here it stored none of it): the mailbox used to stop,
   * its senders unanswered. Now it restarts as after a rejection, and answers the batch's senders
   * once the recovery shows that their messages are not stored.
   */
  @Test
  void writeFailedByTheJournal_answersItsMessagesAfterTheRecovery_andTheMailboxGoesOn() {
    troubledWrite("failed-write", false, "the journal failed to write it");
  }

  /**
   * The parent stops the mailbox right after it accepted a message and before that message's write
   * started: the message used to be dropped without a reply (the sender's ask timed out). It is now
   * refused with {@link Rejected#STOPPED}.
   */
  @Test
  void stoppedFromOutside_refusesTheMessagesWaitingForTheirWrite() throws Exception {
    ActorTestKit kit = kit("external-stop", "");
    TestProbe<Long> seen = kit.createTestProbe();
    TestProbe<Reply> replies = kit.createTestProbe();
    TestProbe<ActorRef<Object>> spawned = kit.createTestProbe();
    TestProbe<String> stopping = kit.createTestProbe();
    ActorRef<String> parent =
        kit.spawn(
            Behaviors.setup(
                ctx -> {
                  ActorRef<Object> mb =
                      ctx.spawn(
                          DurableMailbox.create(
                              "external-stop",
                              reportSeqNr(seen.ref()),
                              DurableMailboxSettings.defaults()),
                          "mailbox");
                  spawned.tell(mb);
                  return Behaviors.receiveMessage(
                      cmd -> {
                        ctx.stop(mb); // the stop is a system message: handled after the current one
                        stopping.tell(cmd);
                        return Behaviors.same();
                      });
                }));
    ActorRef<Object> mb = spawned.receiveMessage(TIMEOUT);
    mb.tell(new Enqueue<>(new Work(1), replies.ref()));
    assertThat(replies.receiveMessage(TIMEOUT)).isEqualTo(new Stored(1));
    Slow.entered = new CountDownLatch(1);
    Slow.release = new CountDownLatch(1);
    Slow.blockOn = 2;
    mb.tell(new Enqueue<>(new Slow(2), replies.ref())); // its serialization blocks the mailbox
    assertThat(Slow.entered.await(10, TimeUnit.SECONDS)).isTrue();
    parent.tell("stop");
    assertThat(stopping.receiveMessage(TIMEOUT)).isEqualTo("stop");
    Slow.release.countDown(); // Slow 2 is accepted, its FlushStores queued; then the stop
    assertThat(replies.receiveMessage(TIMEOUT)).isEqualTo(new Rejected(Rejected.STOPPED));
    kit.createTestProbe().expectTerminated(mb, TIMEOUT);
  }

  /**
   * The child hints at every {@code confirm-batch-size} processed messages and sends no other hint
   * while one is on its way. A full stash dropped a hint: its flag stayed set, and the child never
   * hinted again (confirmations came only with store batches and the flush timer, here minutes
   * away). Now any written confirmation clears the flag, and confirmations follow the batch size
   * again.
   */
  @Test
  void confirmHintDroppedByAFullStash_laterHintsStillConfirmAtTheBatchSize() throws Exception {
    GatedTestJournal.reset();
    ActorTestKit kit = kit("dropped-hint", DurableTestSupport.GATED_JOURNAL);
    TestProbe<Seen> seen = kit.createTestProbe();
    TestProbe<Reply> replies = kit.createTestProbe();
    TestProbe<Dropped> dropped = DurableTestSupport.eventStreamProbe(kit, Dropped.class);
    CountDownLatch inHandler = new CountDownLatch(1);
    CountDownLatch releaseInner = new CountDownLatch(1);
    Behavior<Work> inner =
        DurableTestSupport.reporting(
            seen.ref(),
            w -> {
              if (w.n() == 1) {
                inHandler.countDown();
                try {
                  releaseInner.await(30, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                  Thread.currentThread().interrupt();
                }
              }
            });
    DurableMailboxSettings s =
        DurableMailboxSettings.builder()
            .confirmBatchSize(2)
            .stashCapacity(2)
            .confirmFlushInterval(Duration.ofMinutes(5))
            .build();
    ActorRef<Object> mb = kit.spawn(DurableMailbox.create("dropped-hint", inner, s));
    for (int i = 1; i <= 8; i++) {
      mb.tell(new Enqueue<>(new Work(i), replies.ref())); // one at a time: the stash holds 2
      assertThat(replies.receiveMessage(TIMEOUT)).isEqualTo(new Stored(i));
    }
    assertThat(inHandler.await(10, TimeUnit.SECONDS)).isTrue(); // the child holds Work 1
    GatedTestJournal.PERMITS.drainPermits();
    int started = GatedTestJournal.WRITES_STARTED.get();
    mb.tell(new Enqueue<>(new Work(9), replies.ref()));
    await().atMost(TIMEOUT).until(() -> GatedTestJournal.WRITES_STARTED.get() == started + 1);
    mb.tell(new Enqueue<>(new Work(10), replies.ref())); // stashed
    mb.tell(new Enqueue<>(new Work(11), replies.ref())); // stashed: the stash (2) is full
    releaseInner.countDown(); // the child processes 1 - 8 and hints at 2: the hint is dropped
    for (int i = 1; i <= 8; i++) {
      assertThat(seen.receiveMessage(TIMEOUT)).isEqualTo(new Seen(i, i));
    }
    // nothing else reaches the mailbox meanwhile (no timer is due): this is the hint
    Dropped hint = dropped.receiveMessage(TIMEOUT);
    assertThat(hint.recipient()).isEqualTo(Adapter.toClassic(mb));
    GatedTestJournal.PERMITS.release(1000);
    for (int i = 9; i <= 11; i++) {
      assertThat(seen.receiveMessage(TIMEOUT)).isEqualTo(new Seen(i, i));
    }
    // the store batch of Work 10 and 11 confirmed at most 9 (10 was not stored before it); only a
    // hint confirms more, until the flush timer in five minutes
    await()
        .atMost(TIMEOUT)
        .untilAsserted(
            () ->
                assertThat(DurableMailboxRegistry.get(kit.system()).stats("dropped-hint"))
                    .hasValueSatisfying(
                        st -> assertThat(st.confirmed()).isGreaterThanOrEqualTo(10)));
  }
}
