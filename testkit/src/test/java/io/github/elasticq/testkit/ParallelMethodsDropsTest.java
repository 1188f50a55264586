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
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.platform.testkit.engine.EngineTestKit;

/**
 * A class's test methods run in parallel (JUnit's concurrent mode): each test's {@code
 * assertNoDrops()} covers its own test, with the probe a test method's parameter ({@link
 * ParameterProbe}) or injected into the test class's constructor ({@link ConstructorProbe}: the
 * default per-method lifecycle, one instance per test). The extension used to reset one shared
 * baseline before each test, so a test that started while another was running made that one's
 * assertion pass over the messages its own actor had dropped; a constructor was handed that shared
 * probe even after methods got probes of their own.
 */
class ParallelMethodsDropsTest {
  static final String TINY =
      "tiny { mailbox-type = \"io.github.elasticq.mailbox.ElasticMailbox\","
          + " initial-capacity = 1, min-capacity = 1, max-capacity = 1 }";

  /** The latches and the outcome of one run of an example class. */
  static final class Scenario {
    final CountDownLatch dropped = new CountDownLatch(1);
    final CountDownLatch otherTestStarted = new CountDownLatch(1);
    final CountDownLatch release = new CountDownLatch(1);
    final AtomicReference<String> outcome = new AtomicReference<>("not run");
  }

  static volatile Scenario scenario;

  @ParameterizedTest
  @ValueSource(classes = {ParameterProbe.class, ConstructorProbe.class})
  void assertNoDrops_withMethodsInParallel_seesTheTestsOwnDrops(Class<?> example) {
    Scenario run = new Scenario();
    scenario = run;
    EngineTestKit.engine("junit-jupiter")
        .configurationParameter("junit.jupiter.execution.parallel.enabled", "true")
        .configurationParameter("junit.jupiter.execution.parallel.mode.default", "concurrent")
        .configurationParameter("junit.jupiter.execution.parallel.config.strategy", "fixed")
        .configurationParameter("junit.jupiter.execution.parallel.config.fixed.parallelism", "4")
        .selectors(selectClass(example))
        .execute();
    assertThat(run.outcome.get()).startsWith("assertNoDrops failed, as it should:");
  }

  /** The test whose actor drops messages: it asserts once the other test has started. */
  static void dropThenAssert(ActorTestKit kit, MailboxProbe mailboxes) throws Exception {
    Scenario run = scenario;
    ActorRef<String> slow =
        kit.spawn(
            Behaviors.receiveMessage(
                m -> {
                  run.release.await(10, TimeUnit.SECONDS);
                  return Behaviors.same();
                }),
            "slow",
            MailboxSelector.fromConfig("tiny"));
    for (int i = 0; i < 20; i++) {
      slow.tell("m" + i); // one in the handler, one queued, the rest dropped
    }
    long drops = mailboxes.dropsSinceMark(slow);
    run.dropped.countDown();
    run.otherTestStarted.await(10, TimeUnit.SECONDS);
    try {
      mailboxes.assertNoDrops();
      run.outcome.set("assertNoDrops passed although this test's actor dropped " + drops);
    } catch (AssertionError expected) {
      run.outcome.set("assertNoDrops failed, as it should: " + expected.getMessage());
    } finally {
      run.release.countDown();
    }
  }

  /** Its second repetition starts (and the extension prepares it) while the first test runs. */
  static void anotherTest(RepetitionInfo info) throws Exception {
    if (info.getCurrentRepetition() == 1) {
      scenario.dropped.await(10, TimeUnit.SECONDS);
    } else {
      scenario.otherTestStarted.countDown();
    }
  }

  /** Run only through the engine above (a nested class: not picked up on its own). */
  @ElasticQTest(config = TINY)
  static class ParameterProbe {
    @Test
    void dropsMessages(ActorTestKit kit, MailboxProbe mailboxes) throws Exception {
      dropThenAssert(kit, mailboxes);
    }

    @RepeatedTest(2)
    @Execution(ExecutionMode.SAME_THREAD)
    void anotherTest(RepetitionInfo info) throws Exception {
      ParallelMethodsDropsTest.anotherTest(info);
    }
  }

  /** As {@link ParameterProbe}, the probe given to the constructor. */
  @ElasticQTest(config = TINY)
  static class ConstructorProbe {
    private final ActorTestKit kit;
    private final MailboxProbe mailboxes;

    ConstructorProbe(ActorTestKit kit, MailboxProbe mailboxes) {
      this.kit = kit;
      this.mailboxes = mailboxes;
    }

    @Test
    void dropsMessages() throws Exception {
      dropThenAssert(kit, mailboxes);
    }

    @RepeatedTest(2)
    @Execution(ExecutionMode.SAME_THREAD)
    void anotherTest(RepetitionInfo info) throws Exception {
      ParallelMethodsDropsTest.anotherTest(info);
    }
  }
}
