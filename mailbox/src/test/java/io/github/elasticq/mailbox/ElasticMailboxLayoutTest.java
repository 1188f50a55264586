package io.github.elasticq.mailbox;

import static org.assertj.core.api.Assertions.assertThat;

import com.typesafe.config.ConfigFactory;
import io.github.elasticq.queue.CompactElasticMpscQueue;
import io.github.elasticq.queue.ElasticMpscQueue;
import org.apache.pekko.actor.ActorSystem;
import org.apache.pekko.dispatch.Envelope;
import org.apache.pekko.testkit.javadsl.TestKit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/** {@code layout}: which queue class an ElasticMailbox section gives its actors. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ElasticMailboxLayoutTest {

  private ActorSystem system;

  @BeforeAll
  void start() {
    system = ActorSystem.create("ElasticMailboxLayoutTest", ConfigFactory.load("application-test"));
  }

  @AfterAll
  void stop() {
    TestKit.shutdownActorSystem(system);
  }

  private ElasticMessageQueue queueOf(String id) {
    return TestActors.queueOf(system, id);
  }

  @Test
  void defaultLayout_isTheCompactQueue() {
    ElasticMailbox type = (ElasticMailbox) system.mailboxes().lookup("test-elastic-mailbox");

    assertThat(type.paddedLayout()).isFalse();
    assertThat(queueOf("test-elastic-mailbox").queue().getClass())
        .isEqualTo(CompactElasticMpscQueue.class);
  }

  @Test
  void paddedLayout_isThePaddedQueue_withTheSectionsSizing() {
    ElasticMailbox type =
        (ElasticMailbox) system.mailboxes().lookup("bounded-padded-elastic-mailbox");
    ElasticMessageQueue queue = queueOf("bounded-padded-elastic-mailbox");

    assertThat(type.paddedLayout()).isTrue();
    assertThat(queue.queue().getClass()).isEqualTo(ElasticMpscQueue.class);
    assertThat(queue.queue().config().maxCapacity()).isEqualTo(100);
  }

  @Test
  void paddedQueue_deliversInOrder_andCountsLikeTheCompactOne() {
    for (String id : new String[] {"test-elastic-mailbox", "padded-elastic-mailbox"}) {
      ElasticMessageQueue queue = queueOf(id);
      for (int i = 0; i < 1000; i++) {
        queue.enqueue(system.deadLetters(), new Envelope(i, system.deadLetters()));
      }
      assertThat(queue.numberOfMessages()).as(id).isEqualTo(1000);
      for (int i = 0; i < 1000; i++) {
        assertThat(queue.dequeue().message()).as(id).isEqualTo(i);
      }
      assertThat(queue.hasMessages()).as(id).isFalse();
      assertThat(queue.stats().peakSize()).as(id).isEqualTo(1000);
    }
  }
}
