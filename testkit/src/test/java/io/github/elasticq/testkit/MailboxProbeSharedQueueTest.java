package io.github.elasticq.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import io.github.elasticq.mailbox.MailboxInfo;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.AbstractActor;
import org.apache.pekko.actor.ActorRef;
import org.apache.pekko.actor.ActorSystem;
import org.apache.pekko.actor.Props;
import org.apache.pekko.routing.FromConfig;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * {@link MailboxProbe} on the shared queues of balancing pools (a classic actor system: a balancing
 * pool is a classic router). A shared queue has no owner, so its owner's path and uid cannot tell
 * it apart from another shared queue of the same mailbox section.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class MailboxProbeSharedQueueTest {

  private static final String MAILBOX = "tiny-shared-mailbox";

  private ActorSystem system;

  @BeforeAll
  void start() {
    Config config =
        ConfigFactory.parseString(
                """
                tiny-shared-mailbox {
                  mailbox-type = "io.github.elasticq.mailbox.ElasticSharedMailbox"
                  initial-capacity = 4, min-capacity = 4, max-capacity = 4
                }
                pool-on-tiny-shared-mailbox {
                  router = balancing-pool
                  nr-of-instances = 1
                  pool-dispatcher.mailbox = tiny-shared-mailbox
                }
                pekko.actor.deployment {
                  /pool-first = ${pool-on-tiny-shared-mailbox}
                  /pool-second = ${pool-on-tiny-shared-mailbox}
                }
                """)
            .withFallback(ConfigFactory.load("application-test"))
            .resolve();
    system = ActorSystem.create("MailboxProbeSharedQueueTest", config);
  }

  @AfterAll
  void stop() throws Exception {
    system.terminate();
    system.getWhenTerminated().toCompletableFuture().get(30, TimeUnit.SECONDS);
  }

  /** A routee that blocks on {@link Holder.Hold} and ignores anything else. */
  static final class Worker extends AbstractActor {
    @Override
    public Receive createReceive() {
      return receiveBuilder()
          .match(Holder.Hold.class, Holder.Hold::block)
          .matchAny(m -> {})
          .build();
    }
  }

  /** Starts a pool, blocks its one routee and sends it 4 (filling the queue) + {@code drops}. */
  private Holder.Hold overflowedPool(String name, int drops) throws InterruptedException {
    ActorRef pool =
        system.actorOf(FromConfig.getInstance().props(Props.create(Worker.class)), name);
    Holder.Hold hold = new Holder.Hold();
    pool.tell(hold, ActorRef.noSender());
    hold.awaitEntered(); // out of the queue: the next 4 fill it
    for (int i = 0; i < 4 + drops; i++) {
      pool.tell(i, ActorRef.noSender()); // a rejection is counted before tell returns
    }
    return hold;
  }

  /**
   * A second balancing pool on the same mailbox section, started after {@link MailboxProbe#mark()},
   * counts its drops from zero. Before the fix both shared queues had the baseline key (id, empty
   * owner, uid 0): the new queue was measured against the first one's 3 drops, and the clamp at 0
   * reported none of its 2.
   */
  @Test
  void assertNoDrops_seesTheDropsOfAnotherSharedQueueOfTheSameId() throws Exception {
    Holder.Hold first = overflowedPool("pool-first", 3); // dropped before the mark, as by a fixture
    Holder.Hold second = null;
    try {
      MailboxProbe probe = MailboxProbe.create(system); // takes the baseline
      probe.assertNoDrops();

      second = overflowedPool("pool-second", 2);

      List<MailboxInfo> queues = probe.mailboxes(MAILBOX);
      assertThat(queues).as("one shared queue per pool, among %s", probe.mailboxes()).hasSize(2);
      assertThat(queues).extracting(MailboxInfo::ownerPath).containsOnly("");
      assertThat(queues)
          .extracting(MailboxInfo::sharedQueueSerial)
          .as("each shared queue has its own serial")
          .doesNotHaveDuplicates()
          .allMatch(serial -> serial > 0);
      assertThat(queues).extracting(m -> m.stats().rejected()).containsExactlyInAnyOrder(3L, 2L);

      assertThatThrownBy(probe::assertNoDrops)
          .isInstanceOf(AssertionError.class)
          .hasMessageContaining("2 dropped by mailbox [" + MAILBOX + "]")
          .hasMessageContaining("rejected=2")
          .hasMessageNotContaining("rejected=3");

      probe.mark();
      probe.assertNoDrops();
    } finally {
      first.release();
      if (second != null) {
        second.release();
      }
    }
  }
}
