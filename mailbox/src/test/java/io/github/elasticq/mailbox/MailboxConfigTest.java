package io.github.elasticq.mailbox;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import io.github.elasticq.mailbox.TestActors.Recorder;
import io.github.elasticq.queue.QosQueue;
import io.github.elasticq.queue.QueueConfig;
import java.net.URL;
import java.net.URLClassLoader;
import java.util.ArrayList;
import java.util.List;
import org.apache.pekko.actor.ActorRef;
import org.apache.pekko.actor.ActorSystem;
import org.apache.pekko.event.Logging;
import org.apache.pekko.testkit.javadsl.TestKit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Configuration: user sections fall back to the reference defaults, and every invalid value fails
 * the creation of the actor with an error naming the config path and key.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class MailboxConfigTest {

  private ActorSystem system;

  @BeforeAll
  void start() {
    Config bad =
        ConfigFactory.parseString(
            """
            E = "io.github.elasticq.mailbox.ElasticMailbox"
            Q = "io.github.elasticq.mailbox.QosMailbox"
            bad-max { mailbox-type = ${E}, max-capacity = 0 }
            bad-min { mailbox-type = ${E}, min-capacity = 100, max-capacity = 50 }
            bad-initial { mailbox-type = ${E}, initial-capacity = 10, min-capacity = 20 }
            bad-growth { mailbox-type = ${E}, growth-factor = 1.0 }
            bad-shrink { mailbox-type = ${E}, shrink-threshold = 1.5 }
            bad-number { mailbox-type = ${E}, max-capacity = lots }
            bad-fraction { mailbox-type = ${E}, max-capacity = 1000.5 }
            bad-qos-fraction { mailbox-type = ${Q}, levels = 2.9 }
            bad-weight-fraction { mailbox-type = ${Q}, weights = [1.5, 2, 4] }
            huge-initial { mailbox-type = ${E}, initial-capacity = 2000000000, max-capacity = 2147483647 }
            huge-qos-min { mailbox-type = ${Q}, min-capacity = 1073741825, initial-capacity = 1073741825, max-capacity = 2147483647 }
            huge-shared-initial { mailbox-type = "io.github.elasticq.mailbox.ElasticSharedMailbox", initial-capacity = 1073741825, max-capacity = 2147483647 }
            unbounded-max { mailbox-type = ${E}, max-capacity = 2147483647 }
            unbounded-qos-max { mailbox-type = ${Q}, max-capacity = 2147483647 }
            bad-layout { mailbox-type = ${E}, layout = diagonal }
            bad-burst-memory { mailbox-type = ${E}, burst-memory = sometimes }
            bad-idle-shrink { mailbox-type = ${E}, burst-memory = on, idle-shrink-after = 0s }
            bad-idle-shrink-unit { mailbox-type = ${E}, burst-memory = on, idle-shrink-after = soon }
            bad-shared { mailbox-type = "io.github.elasticq.mailbox.ElasticSharedMailbox", max-capacity = -1 }
            shared-burst-memory { mailbox-type = "io.github.elasticq.mailbox.ElasticSharedMailbox", burst-memory = on }
            bad-qos-idle-shrink { mailbox-type = ${Q}, burst-memory = on, idle-shrink-after = -1s }
            idle-shrink-without-burst-memory { mailbox-type = ${E}, idle-shrink-after = soon }
            qos-idle-shrink-without-burst-memory { mailbox-type = ${Q}, idle-shrink-after = 0s }
            shared-bad-layout { mailbox-type = "io.github.elasticq.mailbox.ElasticSharedMailbox", layout = diagonal }
            shared-padded { mailbox-type = "io.github.elasticq.mailbox.ElasticSharedMailbox", layout = padded }
            shared-bad-idle-shrink { mailbox-type = "io.github.elasticq.mailbox.ElasticSharedMailbox", idle-shrink-after = -5s }
            bad-weights { mailbox-type = ${Q}, weights = [1, 2] }
            bad-weight-value { mailbox-type = ${Q}, weights = [1, 0, 4] }
            bad-fairness { mailbox-type = ${Q}, fairness = sideways }
            bad-levels { mailbox-type = ${Q}, levels = 65 }
            bad-default-level { mailbox-type = ${Q}, default-level = 3 }
            bad-classifier { mailbox-type = ${Q}, classifier = "com.example.NoSuchClassifier" }
            bad-classifier-type { mailbox-type = ${Q}, classifier = "io.github.elasticq.mailbox.TestActors$NotAClassifier" }
            only-max { mailbox-type = ${E}, max-capacity = 100 }
            tiny-max { mailbox-type = ${E}, max-capacity = 8 }
            strict-five { mailbox-type = ${Q}, fairness = strict, levels = 5 }
            """);
    system =
        ActorSystem.create(
            "MailboxConfigTest",
            bad.withFallback(ConfigFactory.load("application-test")).resolve());
  }

  @AfterAll
  void stop() {
    TestKit.shutdownActorSystem(system);
  }

  /** Every message in the cause chain, joined, so a test can look for the path and key. */
  static String messages(Throwable t) {
    StringBuilder sb = new StringBuilder();
    for (Throwable c = t; c != null; c = c.getCause()) {
      sb.append(c.getClass().getName()).append(": ").append(c.getMessage()).append('\n');
    }
    return sb.toString();
  }

  @ParameterizedTest
  @CsvSource({
    "bad-max, max-capacity, was 0",
    "bad-min, min-capacity, was 100",
    "bad-initial, initial-capacity, was 10",
    "bad-growth, growth-factor, was 1.0",
    "bad-shrink, shrink-threshold, was 1.5",
    "bad-number, max-capacity, STRING",
    "bad-fraction, max-capacity, 'must be a whole number, was 1000.5'",
    "bad-qos-fraction, levels, 'must be a whole number, was 2.9'",
    "bad-weight-fraction, weights, 'must be a list of whole numbers, one per level, was [1.5,2,4]'",
    "huge-initial, initial-capacity, was 2000000000",
    "huge-qos-min, min-capacity, was 1073741825",
    "huge-shared-initial, initial-capacity, was 1073741825",
    "bad-layout, layout, diagonal",
    "bad-burst-memory, burst-memory, sometimes",
    "bad-idle-shrink, idle-shrink-after, was 0s",
    "bad-idle-shrink-unit, idle-shrink-after, soon",
    "shared-burst-memory, burst-memory, not supported by ElasticSharedMailbox",
    "bad-qos-idle-shrink, idle-shrink-after, was -1s",
    "idle-shrink-without-burst-memory, idle-shrink-after, soon",
    "qos-idle-shrink-without-burst-memory, idle-shrink-after, was 0s",
    "shared-bad-layout, layout, diagonal",
    "shared-padded, layout, not supported by ElasticSharedMailbox",
    "shared-bad-idle-shrink, idle-shrink-after, was -5s",
    "bad-shared, max-capacity, was -1",
    "bad-weights, weights, '[1, 2]'",
    "bad-weight-value, weights, '[1, 0, 4]'",
    "bad-fairness, fairness, sideways",
    "bad-levels, levels, was 65",
    "bad-default-level, default-level, was 3",
    "bad-classifier, classifier, com.example.NoSuchClassifier",
    "bad-classifier-type, classifier, does not implement",
  })
  void invalidConfig_failsActorCreation_namingPathAndKey(String id, String key, String detail) {
    TestKit probe = new TestKit(system);

    assertThatThrownBy(() -> system.actorOf(Recorder.props(probe.getRef()).withMailbox(id)))
        .satisfies(
            e -> assertThat(messages(e)).contains("[" + id + "." + key + "]").contains(detail));
  }

  @Test
  void elasticMailboxUnderABalancingDispatcher_failsNamingTheMissingSemantics() {
    Config config =
        ConfigFactory.parseString(
                """
                wrong-balancing {
                  type = "org.apache.pekko.dispatch.BalancingDispatcherConfigurator"
                  mailbox-type = "io.github.elasticq.mailbox.ElasticMailbox"
                }
                """)
            .withFallback(ConfigFactory.load("application-test"));
    ActorSystem other = ActorSystem.create("WrongBalancing", config);
    try {
      TestKit probe = new TestKit(other);
      assertThatThrownBy(
              () -> other.actorOf(Recorder.props(probe.getRef()).withDispatcher("wrong-balancing")))
          .satisfies(
              e ->
                  assertThat(messages(e))
                      .contains(ElasticMailbox.class.getName())
                      .contains("MultipleConsumerSemantics"));
    } finally {
      TestKit.shutdownActorSystem(other);
    }
  }

  /**
   * A global {@code elasticq.mailbox.burst-memory = on} (in application.conf, merged before the
   * reference config is resolved, as {@code ConfigFactory.load} does): ElasticMailbox and
   * QosMailbox sections that do not set the key get it; an ElasticSharedMailbox section ignores it
   * (it rejects only its own {@code burst-memory = on}), and a global {@code layout = padded} too;
   * its own valid {@code layout = compact} and {@code idle-shrink-after} are accepted. Keys of
   * {@code pekko.actor.default-mailbox} (ElasticMailbox for every actor, padded, with burst memory)
   * do not count as the shared section's own: Pekko passes every section with the default mailbox
   * as fallback, and a balancing pool's shared mailbox used to fail on them.
   */
  /**
   * An idle-shrink-after of months ("practically never") is valid: the actors start and deliver.
   * The registry scheduled its idle check at half of it, beyond the ~248 days Pekko's scheduler
   * takes: the first actor failed to start (its messages lost) and no idle check ran afterwards.
   * Now the check runs at most an hour apart. A system of its own: another section's shorter check
   * would hide it.
   */
  @Test
  void idleShrinkAfterOfMonths_actorsStartAndDeliver() {
    Config config =
        ConfigFactory.parseString(
                """
                long-idle { mailbox-type = "io.github.elasticq.mailbox.ElasticMailbox"
                            burst-memory = on, idle-shrink-after = 600d }
                long-idle-qos { mailbox-type = "io.github.elasticq.mailbox.QosMailbox"
                                burst-memory = on, idle-shrink-after = 600d }
                """)
            .withFallback(ConfigFactory.load("application-test"))
            .resolve();
    ActorSystem other = ActorSystem.create("LongIdleShrink", config);
    try {
      TestKit probe = new TestKit(other);
      for (String id : new String[] {"long-idle", "long-idle-qos"}) {
        ActorRef a = other.actorOf(Recorder.props(probe.getRef()).withMailbox(id));
        a.tell("hello " + id, ActorRef.noSender());
        probe.expectMsg("hello " + id);
      }
      assertThat(MailboxRegistry.get(other).idleCheckedOwners()).hasSize(2);
    } finally {
      TestKit.shutdownActorSystem(other);
    }
  }

  /**
   * A key nothing reads (misspelt, or of another mailbox type) was ignored without a word: a {@code
   * max-capcity} left the mailbox at the default max. Now the first queue of the section in an
   * actor system logs a warning naming the keys; a section with only known keys (ElasticQ's and
   * Pekko's own, e.g. {@code mailbox-capacity}, {@code stash-capacity}) logs none.
   */
  @Test
  void keysNothingReads_areNamedInAWarning_knownKeysAreNot() {
    Config config =
        ConfigFactory.parseString(
                """
                fine { mailbox-type = "io.github.elasticq.mailbox.ElasticMailbox"
                       max-capacity = 100, mailbox-capacity = 5, stash-capacity = 10 }
                fine-qos = ${elasticq.qos-mailbox} { levels = 2, weights = [1, 3] }
                typo { mailbox-type = "io.github.elasticq.mailbox.ElasticMailbox"
                       max-capcity = 10, levels = 3 }
                qos-typo = ${elasticq.qos-mailbox} { wieghts = [1, 2, 4] }
                """)
            .withFallback(ConfigFactory.load("application-test"))
            .resolve();
    ActorSystem other = ActorSystem.create("UnknownKeys", config);
    try {
      TestKit warnings = new TestKit(other);
      other.getEventStream().subscribe(warnings.getRef(), Logging.Warning.class);
      TestKit probe = new TestKit(other);
      for (String id : new String[] {"fine", "fine-qos", "typo", "qos-typo"}) {
        ActorRef a = other.actorOf(Recorder.props(probe.getRef()).withMailbox(id));
        a.tell("hello " + id, ActorRef.noSender());
        probe.expectMsg("hello " + id);
      }
      // published in the order the queues were created: a warning of a fine section comes first
      List<String> ours = new ArrayList<>();
      while (ours.size() < 2) {
        String message = String.valueOf(warnings.expectMsgClass(Logging.Warning.class).message());
        if (message.startsWith("ElasticQ mailbox configuration")) {
          ours.add(message);
        }
      }
      assertThat(ours.get(0))
          .contains("at [typo]")
          .contains("ElasticMailbox")
          .contains("[levels, max-capcity]");
      assertThat(ours.get(1))
          .contains("at [qos-typo]")
          .contains("QosMailbox")
          .contains("[wieghts]");
    } finally {
      TestKit.shutdownActorSystem(other);
    }
  }

  /**
   * A misspelt key inside {@code shedding} ({@code shedding.treshold}) was not named: only the
   * section's top-level keys were compared, and {@code shedding} is one, so the user believed
   * shedding on while it stayed off. Keys under a section the defaults hold are compared too.
   */
  @Test
  void misspeltKeyInsideShedding_isNamedInAWarning() {
    Config config =
        ConfigFactory.parseString(
                """
                shed-typo = ${elasticq.qos-mailbox} { shedding { treshold = 0.8, below-level = 1 } }
                """)
            .withFallback(ConfigFactory.load("application-test"))
            .resolve();
    ActorSystem other = ActorSystem.create("UnknownNestedKeys", config);
    try {
      TestKit warnings = new TestKit(other);
      other.getEventStream().subscribe(warnings.getRef(), Logging.Warning.class);
      TestKit probe = new TestKit(other);
      ActorRef a = other.actorOf(Recorder.props(probe.getRef()).withMailbox("shed-typo"));
      a.tell("hello", ActorRef.noSender());
      probe.expectMsg("hello");
      String ours = null;
      while (ours == null) {
        String message =
            String.valueOf(
                warnings
                    .expectMsgClass(java.time.Duration.ofSeconds(3), Logging.Warning.class)
                    .message());
        if (message.startsWith("ElasticQ mailbox configuration")) {
          ours = message;
        }
      }
      assertThat(ours).contains("at [shed-typo]").contains("[shedding.treshold]");
    } finally {
      TestKit.shutdownActorSystem(other);
    }
  }

  @Test
  void globalBurstMemory_appliesToElasticAndQos_sharedIgnoresIt() {
    Config config =
        ConfigFactory.parseString(
                """
                elasticq.mailbox.burst-memory = on
                elasticq.mailbox.layout = padded
                pekko.actor.default-mailbox {
                  mailbox-type = "io.github.elasticq.mailbox.ElasticMailbox"
                  layout = padded
                  burst-memory = on
                }
                elastic-section.mailbox-type = "io.github.elasticq.mailbox.ElasticMailbox"
                qos-section.mailbox-type = "io.github.elasticq.mailbox.QosMailbox"
                shared-section.mailbox-type = "io.github.elasticq.mailbox.ElasticSharedMailbox"
                shared-own {
                  mailbox-type = "io.github.elasticq.mailbox.ElasticSharedMailbox"
                  layout = compact
                  idle-shrink-after = 2s
                }
                """)
            .withFallback(ConfigFactory.parseResources("application-test.conf"))
            .withFallback(ConfigFactory.defaultReferenceUnresolved())
            .resolve();
    ActorSystem other = ActorSystem.create("GlobalBurstMemory", config);
    try {
      assertThat(((ElasticMailbox) other.mailboxes().lookup("elastic-section")).burstMemory())
          .isTrue();
      assertThat(((QosMailbox) other.mailboxes().lookup("qos-section")).burstMemory()).isTrue();
      ElasticSharedMailbox shared =
          (ElasticSharedMailbox) other.mailboxes().lookup("shared-section");
      assertThat(shared.queueConfig().burstMemory()).isFalse();
      assertThat(other.mailboxes().lookup("shared-own")).isInstanceOf(ElasticSharedMailbox.class);
    } finally {
      TestKit.shutdownActorSystem(other);
    }
  }

  @Test
  void userSection_withOnlyTheType_getsTheReferenceDefaults() {
    ElasticMailbox type = (ElasticMailbox) system.mailboxes().lookup("test-elastic-mailbox");
    QueueConfig c = type.queueConfig();

    assertThat(c.initialCapacity()).isEqualTo(16);
    assertThat(c.minCapacity()).isEqualTo(16);
    assertThat(c.maxCapacity()).isEqualTo(1048576);
    assertThat(c.growthFactor()).isEqualTo(2.0);
    assertThat(c.shrinkThreshold()).isEqualTo(0.25);
    assertThat(type.id()).isEqualTo("test-elastic-mailbox");
  }

  /**
   * {@code max-capacity = 2147483647} ("no bound") is accepted and delivers: the 2^30 limit of the
   * lock-free queues' arrays applies to how far they grow, not to the setting.
   */
  @Test
  void maxCapacityAboveTheArrayLimit_isAccepted_andDelivers() {
    for (String id : new String[] {"unbounded-max", "unbounded-qos-max"}) {
      TestKit probe = new TestKit(system);
      ActorRef a = system.actorOf(Recorder.props(probe.getRef()).withMailbox(id));
      a.tell("one", ActorRef.noSender());
      probe.expectMsg("one");
      system.stop(a);
    }
  }

  @Test
  void userSection_overridesOnlyWhatItSets() {
    QueueConfig c = ((ElasticMailbox) system.mailboxes().lookup("only-max")).queueConfig();
    assertThat(c.maxCapacity()).isEqualTo(100);
    assertThat(c.initialCapacity()).isEqualTo(16);

    QueueConfig tiny = ((ElasticMailbox) system.mailboxes().lookup("tiny-max")).queueConfig();
    assertThat(tiny.maxCapacity()).isEqualTo(8);
    assertThat(tiny.minCapacity()).as("default min follows a smaller max").isEqualTo(8);
    assertThat(tiny.initialCapacity()).isEqualTo(8);
  }

  /**
   * A context class loader that cannot see the classifier (a framework's, a bare thread's) made a
   * valid classifier fail to load (found by the mailbox review); the mailbox's own loader is tried
   * next.
   */
  @Test
  void classifier_loadsWhenTheContextClassLoaderCannotSeeIt() throws Exception {
    Config section =
        ConfigFactory.parseString(
            "id = \"blind-loader\"\nmailbox-type = \"io.github.elasticq.mailbox.QosMailbox\"\n"
                + "classifier = \""
                + TestActors.PrefixClassifier.class.getName()
                + "\"");
    Thread thread = Thread.currentThread();
    ClassLoader before = thread.getContextClassLoader();
    try (URLClassLoader blind = new URLClassLoader(new URL[0], null)) {
      thread.setContextClassLoader(blind);
      QosMailbox mailbox = new QosMailbox(system.settings(), section);
      assertThat(mailbox.classifier()).isInstanceOf(TestActors.PrefixClassifier.class);
    } finally {
      thread.setContextClassLoader(before);
    }
  }

  @Test
  void qosSection_fallsBackToTheQosDefaults() {
    QosMailbox weighted = (QosMailbox) system.mailboxes().lookup("test-qos-mailbox");
    assertThat(weighted.levels()).isEqualTo(3);
    assertThat(weighted.defaultLevel()).isZero();
    assertThat(weighted.fairness()).isEqualTo(QosQueue.Fairness.WEIGHTED);
    assertThat(weighted.classifier()).isNull();
    assertThat(weighted.queueConfig().initialCapacity()).isEqualTo(16);

    QosMailbox strict = (QosMailbox) system.mailboxes().lookup("strict-five");
    assertThat(strict.levels()).isEqualTo(5);
    assertThat(strict.fairness()).isEqualTo(QosQueue.Fairness.STRICT);
  }

  @Test
  void changedReferenceDefaults_applyToEverySection() {
    Config config =
        ConfigFactory.parseString("elasticq.mailbox.initial-capacity = 64")
            .withFallback(ConfigFactory.load("application-test"));
    ActorSystem other = ActorSystem.create("ChangedDefaults", config);
    try {
      ElasticMailbox type = (ElasticMailbox) other.mailboxes().lookup("test-elastic-mailbox");
      assertThat(type.queueConfig().initialCapacity()).isEqualTo(64);
      assertThat(type.queueConfig().minCapacity()).isEqualTo(16);
    } finally {
      TestKit.shutdownActorSystem(other);
    }
  }
}
