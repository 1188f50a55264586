package io.github.elasticq.persistence.durable;

import static io.github.elasticq.persistence.durable.DurableTestSupport.TIMEOUT;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.github.elasticq.persistence.durable.DurableMailbox.Enqueue;
import io.github.elasticq.persistence.durable.DurableMailbox.Reply;
import io.github.elasticq.persistence.durable.DurableMailbox.Stored;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The mailbox's own commands and {@code stash-capacity}: a notice its timer repeats while a write
 * is in flight takes one place, not one per copy (found by a review: the child's stop notice,
 * repeated every {@code confirm-flush-interval}, filled the capacity and user commands were refused
 * with none of them held).
 */
class DurableMailboxOwnCommandsTest {
  @TempDir Path dir;
  private ActorTestKit kit;

  @AfterEach
  void shutdown() {
    if (kit != null) {
      kit.shutdownTestKit();
    }
    GatedTestJournal.reset();
  }

  @Test
  void aStopNoticeRepeatedDuringAHeldWrite_doesNotFillTheStash_userCommandsAreHeldAndStored()
      throws Exception {
    GatedTestJournal.reset();
    kit =
        ActorTestKit.create(
            "own-commands",
            DurableTestSupport.config(dir, "every-write", DurableTestSupport.GATED_JOURNAL));
    TestProbe<Reply> replies = kit.createTestProbe();
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
                    throw new IllegalStateException("the child fails on Work 1");
                  }
                  return Behaviors.same();
                })
            .build();
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
}
