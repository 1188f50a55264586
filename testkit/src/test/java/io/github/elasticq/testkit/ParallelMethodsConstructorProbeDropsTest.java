package io.github.elasticq.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.platform.engine.discovery.DiscoverySelectors.selectClass;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.MailboxSelector;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.RepetitionInfo;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.parallel.Execution;
import org.junit.jupiter.api.parallel.ExecutionMode;
import org.junit.platform.testkit.engine.EngineTestKit;

/**
 * As {@link ParallelMethodsDropsTest}, with the probe injected into the test class's constructor
 * (the default per-method lifecycle: one instance per test): its {@code assertNoDrops()} covers the
 * test of its own instance. The constructor was handed the class's shared probe, whose baseline the
 * extension resets before every test, so a test that started while another was running made that
 * one's assertion pass over the messages its own actor had dropped.
 */
class ParallelMethodsConstructorProbeDropsTest {
  static final CountDownLatch DROPPED = new CountDownLatch(1);
  static final CountDownLatch OTHER_TEST_STARTED = new CountDownLatch(1);
  static final CountDownLatch RELEASE = new CountDownLatch(1);
  static final AtomicReference<String> OUTCOME = new AtomicReference<>("not run");

  @Test
  void assertNoDrops_ofAConstructorProbe_withMethodsInParallel_seesTheTestsOwnDrops() {
    EngineTestKit.engine("junit-jupiter")
        .configurationParameter("junit.jupiter.execution.parallel.enabled", "true")
        .configurationParameter("junit.jupiter.execution.parallel.mode.default", "concurrent")
        .configurationParameter("junit.jupiter.execution.parallel.config.strategy", "fixed")
        .configurationParameter("junit.jupiter.execution.parallel.config.fixed.parallelism", "4")
        .selectors(selectClass(TwoTests.class))
        .execute();
    assertThat(OUTCOME.get()).startsWith("assertNoDrops failed, as it should:");
  }

  /** Run only through the engine above (a nested class: not picked up on its own). */
  @ElasticQTest(
      config =
          "tiny { mailbox-type = \"io.github.elasticq.mailbox.ElasticMailbox\","
              + " initial-capacity = 1, min-capacity = 1, max-capacity = 1 }")
  static class TwoTests {
    private final ActorTestKit kit;
    private final MailboxProbe mailboxes;

    TwoTests(ActorTestKit kit, MailboxProbe mailboxes) {
      this.kit = kit;
      this.mailboxes = mailboxes;
    }

    @Test
    void dropsMessages() throws Exception {
      ActorRef<String> slow =
          kit.spawn(
              Behaviors.receiveMessage(
                  m -> {
                    RELEASE.await(10, TimeUnit.SECONDS);
                    return Behaviors.same();
                  }),
              "slow",
              MailboxSelector.fromConfig("tiny"));
      for (int i = 0; i < 20; i++) {
        slow.tell("m" + i); // one in the handler, one queued, the rest dropped
      }
      long drops = mailboxes.dropsSinceMark(slow);
      DROPPED.countDown();
      OTHER_TEST_STARTED.await(10, TimeUnit.SECONDS);
      try {
        mailboxes.assertNoDrops();
        OUTCOME.set("assertNoDrops passed although this test's actor dropped " + drops);
      } catch (AssertionError expected) {
        OUTCOME.set("assertNoDrops failed, as it should: " + expected.getMessage());
      } finally {
        RELEASE.countDown();
      }
    }

    /** Its second repetition starts (and the extension prepares it) while the first test runs. */
    @RepeatedTest(2)
    @Execution(ExecutionMode.SAME_THREAD)
    void anotherTest(RepetitionInfo info) throws Exception {
      if (info.getCurrentRepetition() == 1) {
        DROPPED.await(10, TimeUnit.SECONDS);
      } else {
        OTHER_TEST_STARTED.countDown();
      }
    }
  }
}
