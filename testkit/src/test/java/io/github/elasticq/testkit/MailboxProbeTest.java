package io.github.elasticq.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import io.github.elasticq.mailbox.MailboxInfo;
import java.time.Duration;
import java.time.temporal.ChronoUnit;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.MailboxSelector;
import org.junit.jupiter.api.Test;

/**
 * Every probe assertion passes when it should and fails, with the mailbox's figures, when it should
 * not. Default (per-method) lifecycle: every test gets the class's one kit.
 */
@ElasticQTest(
    config = {
      "small-mailbox { mailbox-type = \"io.github.elasticq.mailbox.ElasticMailbox\","
          + " initial-capacity = 4, min-capacity = 4, max-capacity = 64 }",
      "tiny-mailbox { mailbox-type = \"io.github.elasticq.mailbox.ElasticMailbox\","
          + " initial-capacity = 4, min-capacity = 4, max-capacity = 4 }",
      "qos-mailbox { mailbox-type = \"io.github.elasticq.mailbox.QosMailbox\","
          + " initial-capacity = 4, min-capacity = 4 }",
      "shedding-mailbox { mailbox-type = \"io.github.elasticq.mailbox.QosMailbox\","
          + " initial-capacity = 4, min-capacity = 4, max-capacity = 10,"
          + " shedding { threshold = 0.5, below-level = 1 } }"
    })
class MailboxProbeTest {

  private static final Duration SHORT = Duration.ofMillis(200);

  private final ActorTestKit kit;
  private final MailboxProbe probe;

  MailboxProbeTest(ActorTestKit kit, MailboxProbe probe) {
    this.kit = kit;
    this.probe = probe;
  }

  private ActorRef<Holder.Msg> spawn(String mailbox) {
    return kit.spawn(Holder.create(), MailboxSelector.fromConfig(mailbox));
  }

  private static Holder.Hold hold(ActorRef<Holder.Msg> actor) throws InterruptedException {
    Holder.Hold hold = new Holder.Hold();
    actor.tell(hold);
    hold.awaitEntered();
    return hold;
  }

  private static void send(ActorRef<Holder.Msg> actor, int n) {
    for (int i = 0; i < n; i++) {
      actor.tell(new Holder.Ping(i));
    }
  }

  @Test
  void mailboxOf_findsTheActorsMailbox() {
    ActorRef<Holder.Msg> actor = spawn("small-mailbox");
    MailboxInfo m = probe.mailboxOf(actor);
    assertThat(m.id()).isEqualTo("small-mailbox");
    assertThat(m.ownerPath()).isEqualTo(actor.path().toString());
    assertThat(m.maxCapacity()).isEqualTo(64);
    assertThat(probe.mailboxes("small-mailbox"))
        .extracting(MailboxInfo::ownerPath)
        .contains(m.ownerPath());
    kit.stop(actor);
  }

  @Test
  void mailboxOf_failsForAnActorWithoutAnElasticQMailbox() {
    ActorRef<Holder.Msg> actor = kit.spawn(Holder.create());
    assertThatThrownBy(() -> probe.withTimeout(SHORT).mailboxOf(actor))
        .isInstanceOf(AssertionError.class)
        .hasMessageContaining("actor [" + actor.path() + "] has no live ElasticQ mailbox");
    kit.stop(actor);
  }

  @Test
  void awaitSize_passesAtTheSize_andFailsWithTheFigures() throws Exception {
    ActorRef<Holder.Msg> actor = spawn("small-mailbox");
    Holder.Hold hold = hold(actor);
    send(actor, 5);
    assertThat(probe.awaitSize(actor, 5).stats().size()).isEqualTo(5);
    assertThatThrownBy(() -> probe.withTimeout(SHORT).awaitSize(actor, 6))
        .isInstanceOf(AssertionError.class)
        .hasMessageContaining("expected size 6 within 200 ms")
        .hasMessageContaining("mailbox [small-mailbox] of [" + actor.path() + "] (ElasticMailbox)")
        .hasMessageContaining("size=5, capacity=8")
        .hasMessageContaining("max=64");
    hold.release();
    probe.awaitSize(actor, 0);
    kit.stop(actor);
  }

  @Test
  void awaitCapacity_seesTheMailboxShrinkBackAfterABurst() throws Exception {
    ActorRef<Holder.Msg> actor = spawn("small-mailbox");
    Holder.Hold hold = hold(actor);
    send(actor, 40);
    MailboxInfo full = probe.awaitSize(actor, 40);
    assertThat(full.stats().capacity()).isGreaterThanOrEqualTo(40);
    assertThatThrownBy(() -> probe.withTimeout(SHORT).awaitCapacity(actor, 4))
        .isInstanceOf(AssertionError.class)
        .hasMessageContaining("expected capacity <= 4")
        .hasMessageContaining("size=40, capacity=" + full.stats().capacity());
    hold.release();
    probe.awaitSize(actor, 0);
    // The queue shrinks on the actor's own dequeues (a step per few empty polls), so keep a
    // trickle of messages flowing, as an application after a burst would.
    for (int i = 0; i < 1_000 && probe.mailboxOf(actor).stats().capacity() > 4; i++) {
      actor.tell(new Holder.Ping(i));
      probe.awaitSize(actor, 0);
    }
    MailboxInfo small = probe.awaitCapacity(actor, 4);
    assertThat(small.stats().shrinks()).isPositive();
    kit.stop(actor);
  }

  @Test
  void assertNoDrops_failsOnceAMailboxOverflows() throws Exception {
    ActorRef<Holder.Msg> actor = spawn("tiny-mailbox");
    Holder.Hold hold = hold(actor);
    send(actor, 4);
    probe.awaitSize(actor, 4);
    probe.assertNoDrops();
    probe.assertNoDrops(actor);

    send(actor, 2);
    assertThat(probe.dropsSinceMark(actor)).isEqualTo(2);
    assertThatThrownBy(probe::assertNoDrops)
        .isInstanceOf(AssertionError.class)
        .hasMessageContaining("2 dropped by mailbox [tiny-mailbox] of [" + actor.path() + "]")
        .hasMessageContaining("rejected=2");
    assertThatThrownBy(() -> probe.assertNoDrops(actor))
        .isInstanceOf(AssertionError.class)
        .hasMessageContaining("2 dropped by mailbox [tiny-mailbox]");

    probe.mark();
    probe.assertNoDrops();
    hold.release();
    kit.stop(actor);
  }

  /**
   * An actor started again under the name of one that stopped after {@link MailboxProbe#mark()}
   * counts its drops from zero: the baseline belongs to the old incarnation (keyed by path alone,
   * the new one inherited it, dropsSinceMark went negative and assertNoDrops passed).
   */
  @Test
  void assertNoDrops_seesTheDropsOfANewIncarnationAtTheSamePath() throws Exception {
    ActorRef<Holder.Msg> first =
        kit.spawn(Holder.create(), "reborn", MailboxSelector.fromConfig("tiny-mailbox"));
    Holder.Hold firstHold = hold(first);
    send(first, 20); // 16 rejected before the mark, as by a fixture actor
    probe.awaitSize(first, 4);
    probe.mark();
    firstHold.release();
    kit.stop(first);

    ActorRef<Holder.Msg> second =
        kit.spawn(Holder.create(), "reborn", MailboxSelector.fromConfig("tiny-mailbox"));
    Holder.Hold secondHold = hold(second);
    try {
      send(second, 6);
      probe.awaitSize(second, 4);
      assertThat(probe.dropsSinceMark(second)).isEqualTo(2);
      assertThatThrownBy(() -> probe.assertNoDrops(second))
          .isInstanceOf(AssertionError.class)
          .hasMessageContaining("2 dropped by mailbox [tiny-mailbox] of [" + second.path() + "]");
      assertThatThrownBy(probe::assertNoDrops)
          .isInstanceOf(AssertionError.class)
          .hasMessageContaining("2 dropped by mailbox [tiny-mailbox]");
    } finally {
      secondHold.release();
      kit.stop(second);
    }
  }

  /**
   * A QoS mailbox that sheds under overload sends the shed messages to dead letters without
   * counting them as rejected: they are drops all the same (assertNoDrops passed, counting only
   * {@code rejected}).
   */
  @Test
  void assertNoDrops_failsOnceAQosMailboxSheds() throws Exception {
    ActorRef<Holder.Msg> actor = spawn("shedding-mailbox");
    Holder.Hold hold = hold(actor);
    try {
      for (int i = 0; i < 20; i++) {
        actor.tell(new Holder.Prio(0)); // level 0, shed once the mailbox is half full
      }
      MailboxInfo m = probe.mailboxOf(actor);
      assertThat(m.shed()).as("shed").isPositive();
      assertThat(m.stats().rejected()).as("rejected").isZero();
      assertThat(probe.dropsSinceMark(actor)).isEqualTo(m.shed());
      assertThatThrownBy(probe::assertNoDrops)
          .isInstanceOf(AssertionError.class)
          .hasMessageContaining(m.shed() + " dropped by mailbox [shedding-mailbox]")
          .hasMessageContaining("shed=" + m.shed());
      assertThatThrownBy(() -> probe.assertNoDrops(actor))
          .isInstanceOf(AssertionError.class)
          .hasMessageContaining(m.shed() + " dropped by mailbox [shedding-mailbox]");

      probe.mark();
      probe.assertNoDrops();
    } finally {
      hold.release();
      kit.stop(actor);
    }
  }

  @Test
  void levels_countPerQosLevel() throws Exception {
    ActorRef<Holder.Msg> actor = spawn("qos-mailbox");
    Holder.Hold hold = hold(actor);
    actor.tell(new Holder.Prio(2));
    actor.tell(new Holder.Prio(0));
    actor.tell(new Holder.Prio(2));
    probe.awaitLevelSizes(actor, 1, 0, 2);
    assertThat(probe.levelSizes(actor)).containsExactly(1, 0, 2);
    assertThat(probe.levelEnqueued(actor)).containsExactly(2, 0, 2);
    assertThat(probe.levelDequeued(actor)).containsExactly(1, 0, 0);
    assertThatThrownBy(() -> probe.withTimeout(SHORT).awaitLevelSizes(actor, 0, 0, 0))
        .isInstanceOf(AssertionError.class)
        .hasMessageContaining("expected level sizes [0, 0, 0]")
        .hasMessageContaining("(QosMailbox)")
        .hasMessageContaining("levels=[0: size=1")
        .hasMessageContaining("2: size=2");
    hold.release();
    probe.awaitLevelSizes(actor, 0, 0, 0);
    kit.stop(actor);
  }

  @Test
  void await_customCondition_namesItOnFailure() {
    ActorRef<Holder.Msg> actor = spawn("small-mailbox");
    probe.await(actor, "an empty mailbox", m -> m.stats().size() == 0);
    assertThatThrownBy(
            () ->
                probe
                    .withTimeout(SHORT)
                    .await(actor, "a grown mailbox", m -> m.stats().grows() > 0))
        .isInstanceOf(AssertionError.class)
        .hasMessageContaining("expected a grown mailbox within 200 ms")
        .hasMessageContaining("grows=0");
    kit.stop(actor);
  }

  /**
   * The default timeout is Pekko's probes' own, single-expect-default scaled by the timefactor that
   * a slow CI machine sets (it read single-expect-default raw: 1 s here instead of 3 s).
   */
  @Test
  void timeout_isSingleExpectDefaultDilatedByTheTimefactor() {
    Config slow =
        ConfigFactory.parseString(
            "pekko.actor.testkit.typed { timefactor = 3.0, single-expect-default = 1s }");
    try (ElasticQTestKit dilated = ElasticQTestKit.create("Dilated", slow)) {
      assertThat(dilated.mailboxProbe().timeout()).isEqualTo(Duration.ofSeconds(3));
    }
    assertThat(probe.timeout()).as("Pekko's reference: 3 s, timefactor 1").hasSeconds(3);
  }

  @Test
  void withTimeout_rejectsNonPositive() {
    assertThatThrownBy(() -> probe.withTimeout(Duration.ZERO))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("timeout must be positive");
  }

  /**
   * A timeout beyond what a long holds in nanoseconds ({@code ChronoUnit.FOREVER}, "wait forever")
   * is accepted, and a wait with it waits: it threw ArithmeticException (long overflow) at once.
   */
  @Test
  void withAnEndlessTimeout_waitsInsteadOfOverflowing() {
    ActorRef<Holder.Msg> actor = spawn("small-mailbox");
    MailboxProbe forever = probe.withTimeout(ChronoUnit.FOREVER.getDuration());
    assertThat(forever.timeout()).isEqualTo(ChronoUnit.FOREVER.getDuration());
    assertThat(forever.awaitSize(actor, 0).stats().size()).isZero();
    assertThat(forever.mailboxOf(actor).ownerPath()).isEqualTo(actor.path().toString());
    kit.stop(actor);
  }

  /**
   * One deadline covers the whole wait: an actor stopping while a condition is awaited fails the
   * wait at its timeout (it waited a second full timeout for the mailbox to come back: 5 s here).
   */
  @Test
  void await_ofAnActorThatStops_failsWithinTheTimeout() {
    ActorRef<Holder.Msg> actor = spawn("small-mailbox");
    probe.mailboxOf(actor);
    Thread stopper =
        new Thread(
            () -> {
              try {
                Thread.sleep(2_000);
              } catch (InterruptedException e) {
                return;
              }
              kit.stop(actor);
            });
    stopper.start();
    long start = System.nanoTime();
    assertThatThrownBy(
            () -> probe.withTimeout(Duration.ofSeconds(3)).await(actor, "never", m -> false))
        .isInstanceOf(AssertionError.class);
    Duration waited = Duration.ofNanos(System.nanoTime() - start);
    // a behaviour bound, not a speed one: 3 s timeout, 5 s on the old code
    assertThat(waited).isLessThan(Duration.ofMillis(4_500));
  }

  /**
   * An invalid testkit timeout is refused before an actor system starts (Pekko's ActorTestKit
   * started the system, then failed on the value and left the system's threads running for good).
   */
  @Test
  void create_withAnInvalidTestkitTimeout_leavesNoActorSystemRunning() throws InterruptedException {
    Config bad =
        ConfigFactory.parseString("pekko.actor.testkit.typed.single-expect-default = forever");
    assertThatThrownBy(() -> ElasticQTestKit.create("ProbeFails", bad))
        .hasMessageContaining("single-expect-default");
    long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
    while (systemThreads("ProbeFails-") > 0 && System.nanoTime() < deadline) {
      Thread.sleep(50);
    }
    assertThat(systemThreads("ProbeFails-")).as("threads of the system ProbeFails").isZero();
  }

  private static long systemThreads(String prefix) {
    return Thread.getAllStackTraces().keySet().stream()
        .filter(t -> t.isAlive() && t.getName().startsWith(prefix))
        .count();
  }
}
