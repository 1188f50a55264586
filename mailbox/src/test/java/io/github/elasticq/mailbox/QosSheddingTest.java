package io.github.elasticq.mailbox;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.typesafe.config.ConfigFactory;
import io.github.elasticq.mailbox.TestActors.Block;
import io.github.elasticq.mailbox.TestActors.ControlBlock;
import io.github.elasticq.mailbox.TestActors.Leveled;
import io.github.elasticq.mailbox.TestActors.Recorder;
import io.github.elasticq.queue.QueueStats;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.pekko.actor.AbstractActor;
import org.apache.pekko.actor.ActorRef;
import org.apache.pekko.actor.ActorSystem;
import org.apache.pekko.actor.DeadLetter;
import org.apache.pekko.actor.Props;
import org.apache.pekko.testkit.javadsl.TestKit;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Overload shedding by QoS level ({@code shedding.threshold}, {@code shedding.below-level}): the
 * actor is held by a control message while levels are flooded one after the other from one thread,
 * so every count is exact.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class QosSheddingTest {

  private static final Duration WAIT = Duration.ofSeconds(10);

  private ActorSystem system;
  private final AtomicLong deadLetters = new AtomicLong();

  @BeforeAll
  void start() {
    system =
        ActorSystem.create(
            "QosSheddingTest",
            ConfigFactory.parseString(
                    """
                    shed-mailbox {
                      mailbox-type = "io.github.elasticq.mailbox.QosMailbox"
                      fairness = strict
                      max-capacity = 100
                      shedding { threshold = 0.8, below-level = 2 }
                    }
                    unshed-mailbox {
                      mailbox-type = "io.github.elasticq.mailbox.QosMailbox"
                      fairness = strict
                      max-capacity = 100
                    }
                    shed-bad-threshold {
                      mailbox-type = "io.github.elasticq.mailbox.QosMailbox"
                      shedding.threshold = 1.5
                    }
                    shed-bad-level {
                      mailbox-type = "io.github.elasticq.mailbox.QosMailbox"
                      shedding { threshold = 0.5, below-level = 3 }
                    }
                    pekko.log-dead-letters = off
                    """)
                .withFallback(ConfigFactory.load("application-test")));
    ActorRef counter = system.actorOf(Props.create(DeadLetterCounter.class, deadLetters));
    system.getEventStream().subscribe(counter, DeadLetter.class);
  }

  @AfterAll
  void stop() {
    TestKit.shutdownActorSystem(system);
  }

  /** Counts dead letters of {@link Leveled} messages. */
  static final class DeadLetterCounter extends AbstractActor {
    private final AtomicLong count;

    DeadLetterCounter(AtomicLong count) {
      this.count = count;
    }

    @Override
    public Receive createReceive() {
      return receiveBuilder()
          .match(
              DeadLetter.class,
              d -> {
                if (d.message() instanceof Leveled) {
                  count.incrementAndGet();
                }
              })
          .build();
    }
  }

  @Test
  void floodOfLowerLevels_cannotMakeTheTopLevelOverflow_countsExact() throws Exception {
    deadLetters.set(0);
    TestKit probe = new TestKit(system);
    ActorRef actor = system.actorOf(Recorder.props(probe.getRef()).withMailbox("shed-mailbox"));
    Block block = new Block();
    actor.tell(new ControlBlock(block), ActorRef.noSender());
    block.awaitEntered();

    for (int i = 0; i < 1000; i++) {
      actor.tell(new Leveled(0, i), ActorRef.noSender());
    }
    for (int i = 0; i < 1000; i++) {
      actor.tell(new Leveled(1, i), ActorRef.noSender());
    }
    for (int i = 0; i < 100; i++) {
      actor.tell(new Leveled(2, i), ActorRef.noSender());
    }
    MailboxInfo info = MailboxRegistry.get(system).find(actor).orElseThrow();

    // 80 = 0.8 x max-capacity: level 0 fills up to it, level 1 finds it reached
    assertThat(info.levelShed()).containsExactly(920L, 1000L, 0L);
    assertThat(info.shed()).isEqualTo(1920);
    assertThat(info.levelStats()).extracting(QueueStats::size).containsExactly(80, 0, 100);
    assertThat(info.levelStats()).extracting(QueueStats::rejected).containsExactly(0L, 0L, 0L);

    actor.tell(new Leveled(2, 100), ActorRef.noSender()); // level 2 meets its own max only
    assertThat(MailboxRegistry.get(system).find(actor).orElseThrow().levelStats().get(2).rejected())
        .isEqualTo(1);

    block.release();
    assertThat(probe.receiveN(180, WAIT)).hasSize(180);
    Awaitility.await().atMost(WAIT).until(() -> deadLetters.get() == 1921);
    system.stop(actor);
  }

  @Test
  void sheddingOff_lowLevelFillsItsOwnMax_nothingShed() throws Exception {
    TestKit probe = new TestKit(system);
    ActorRef actor = system.actorOf(Recorder.props(probe.getRef()).withMailbox("unshed-mailbox"));
    Block block = new Block();
    actor.tell(new ControlBlock(block), ActorRef.noSender());
    block.awaitEntered();

    for (int i = 0; i < 1000; i++) {
      actor.tell(new Leveled(0, i), ActorRef.noSender());
    }
    MailboxInfo info = MailboxRegistry.get(system).find(actor).orElseThrow();

    assertThat(info.levelShed()).containsExactly(0L, 0L, 0L);
    assertThat(info.levelStats().get(0).size()).isEqualTo(100);
    assertThat(info.levelStats().get(0).rejected()).isEqualTo(900);
    block.release();
    assertThat(probe.receiveN(100, WAIT)).hasSize(100);
    system.stop(actor);
  }

  @Test
  void invalidShedding_failsActorCreation_namingTheKey() {
    TestKit probe = new TestKit(system);
    assertThatThrownBy(
            () -> system.actorOf(Recorder.props(probe.getRef()).withMailbox("shed-bad-threshold")))
        .satisfies(
            e ->
                assertThat(MailboxConfigTest.messages(e))
                    .contains("[shed-bad-threshold.shedding.threshold]")
                    .contains("1.5"));
    assertThatThrownBy(
            () -> system.actorOf(Recorder.props(probe.getRef()).withMailbox("shed-bad-level")))
        .satisfies(
            e ->
                assertThat(MailboxConfigTest.messages(e))
                    .contains("[shed-bad-level.shedding.below-level]")
                    .contains("was 3"));
  }
}
