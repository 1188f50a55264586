package io.github.elasticq.testkit.example;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.elasticq.mailbox.MailboxInfo;
import io.github.elasticq.testkit.ElasticQTest;
import io.github.elasticq.testkit.MailboxProbe;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.MailboxSelector;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.junit.jupiter.api.Test;

/**
 * How a user tests an actor on an ElasticQ mailbox (the README's example): a burst lands in the
 * mailbox, which grows instead of dropping, the actor works through it, and the mailbox shrinks
 * back to its minimum once traffic is back to a trickle.
 */
@ElasticQTest(
    config =
        "ingest-mailbox { mailbox-type = \"io.github.elasticq.mailbox.ElasticMailbox\","
            + " initial-capacity = 16, min-capacity = 16, max-capacity = 10000 }")
class BurstyConsumerTest {

  /** The actor under test: sums what it receives and reports the total when asked. */
  sealed interface Command {}

  record Add(int amount) implements Command {}

  record Total(ActorRef<Long> replyTo) implements Command {}

  static Behavior<Command> summer(long total) {
    return Behaviors.receiveMessage(
        cmd -> {
          if (cmd instanceof Add add) {
            return summer(total + add.amount());
          }
          ((Total) cmd).replyTo().tell(total);
          return Behaviors.same();
        });
  }

  @Test
  void burst_isAbsorbed_thenTheMailboxShrinks(ActorTestKit kit, MailboxProbe mailboxes) {
    ActorRef<Command> summer =
        kit.spawn(summer(0), "summer", MailboxSelector.fromConfig("ingest-mailbox"));
    TestProbe<Long> replies = kit.createTestProbe();

    for (int i = 1; i <= 5_000; i++) {
      summer.tell(new Add(i));
    }
    summer.tell(new Total(replies.getRef()));
    replies.expectMessage(5_000L * 5_001 / 2);

    MailboxInfo afterBurst = mailboxes.awaitSize(summer, 0);
    assertThat(afterBurst.stats().peakSize()).isGreaterThan(16);
    mailboxes.assertNoDrops();

    // Back to a trickle: the mailbox returns to min-capacity on the actor's own dequeues.
    for (int i = 0; i < 1_000 && mailboxes.mailboxOf(summer).stats().capacity() > 16; i++) {
      summer.tell(new Total(replies.getRef()));
      replies.receiveMessage();
    }
    mailboxes.awaitCapacity(summer, 16);
  }
}
