package io.github.elasticq.mailbox;

import static org.assertj.core.api.Assertions.assertThat;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import io.github.elasticq.mailbox.TestActors.Recorder;
import java.time.Duration;
import org.apache.pekko.actor.AbstractActor;
import org.apache.pekko.actor.ActorRef;
import org.apache.pekko.actor.ActorSystem;
import org.apache.pekko.actor.Props;
import org.apache.pekko.actor.testkit.typed.annotations.JUnit5TestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.JUnit5TestKitBuilder;
import org.apache.pekko.actor.testkit.typed.javadsl.TestKitJUnit5Extension;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.MailboxSelector;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.dispatch.RequiresMessageQueue;
import org.apache.pekko.testkit.javadsl.TestKit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Every way a Pekko user picks a mailbox selects the ElasticQ mailbox: typed {@code
 * MailboxSelector.fromConfig}, classic {@code Props.withMailbox}, deployment config, {@code
 * pekko.actor.mailbox.requirements} with {@code RequiresMessageQueue}, and the system-wide default
 * mailbox. Which mailbox an actor got is read from the {@link MailboxRegistry}, and the actor must
 * work through it.
 */
@ExtendWith(TestKitJUnit5Extension.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class MailboxSelectionTest {

  private static final Duration WAIT = Duration.ofSeconds(10);

  @JUnit5TestKit ActorTestKit testKit = new JUnit5TestKitBuilder().build();

  private ActorSystem classic;

  @BeforeAll
  void startClassic() {
    Config config =
        ConfigFactory.parseString(
                """
                pekko.actor.deployment {
                  /deployed.mailbox = qos-strict-mailbox
                }
                pekko.actor.mailbox.requirements {
                  "io.github.elasticq.mailbox.ElasticMessageQueueSemantics" = test-elastic-mailbox
                  "io.github.elasticq.mailbox.QosMessageQueueSemantics" = qos-weighted-mailbox
                }
                """)
            .withFallback(ConfigFactory.load("application-test"));
    classic = ActorSystem.create("MailboxSelectionTest", config);
  }

  @AfterAll
  void stopClassic() {
    TestKit.shutdownActorSystem(classic);
  }

  /** Needs the single-consumer ElasticQ queue; Pekko maps it through the requirements section. */
  static final class NeedsElastic extends AbstractActor
      implements RequiresMessageQueue<ElasticMessageQueueSemantics> {
    @Override
    public Receive createReceive() {
      return receiveBuilder().matchAny(m -> getSender().tell(m, getSelf())).build();
    }
  }

  /** Needs the QoS queue. */
  static final class NeedsQos extends AbstractActor
      implements RequiresMessageQueue<QosMessageQueueSemantics> {
    @Override
    public Receive createReceive() {
      return receiveBuilder().matchAny(m -> getSender().tell(m, getSelf())).build();
    }
  }

  private static Behavior<String> echo(org.apache.pekko.actor.typed.ActorRef<String> to) {
    return Behaviors.receiveMessage(
        m -> {
          to.tell(m);
          return Behaviors.same();
        });
  }

  @Test
  void typed_mailboxSelectorFromConfig_usesTheElasticMailbox() {
    TestProbe<String> probe = testKit.createTestProbe();
    org.apache.pekko.actor.typed.ActorRef<String> actor =
        testKit.spawn(
            echo(probe.getRef()),
            "typed-elastic",
            MailboxSelector.fromConfig("test-elastic-mailbox"));
    actor.tell("hi");
    probe.expectMessage("hi");

    MailboxInfo info = MailboxRegistry.get(testKit.system()).find(actor.path()).orElseThrow();
    assertThat(info.id()).isEqualTo("test-elastic-mailbox");
    assertThat(info.mailboxType()).isEqualTo(ElasticMailbox.class.getName());
    assertThat(info.stats().enqueued()).isEqualTo(1);
  }

  @Test
  void typed_mailboxSelectorFromConfig_usesTheQosMailbox() {
    TestProbe<String> probe = testKit.createTestProbe();
    org.apache.pekko.actor.typed.ActorRef<String> actor =
        testKit.spawn(
            echo(probe.getRef()), "typed-qos", MailboxSelector.fromConfig("qos-strict-mailbox"));
    actor.tell("hi");
    probe.expectMessage("hi");

    MailboxInfo info = MailboxRegistry.get(testKit.system()).find(actor.path()).orElseThrow();
    assertThat(info.mailboxType()).isEqualTo(QosMailbox.class.getName());
    assertThat(info.levelStats()).hasSize(3);
    assertThat(info.levelStats().get(0).enqueued()).isEqualTo(1);
  }

  @Test
  void typed_defaultSelection_isNotAnElasticMailbox() {
    TestProbe<String> probe = testKit.createTestProbe();
    org.apache.pekko.actor.typed.ActorRef<String> actor = testKit.spawn(echo(probe.getRef()));
    actor.tell("hi");
    probe.expectMessage("hi");

    assertThat(MailboxRegistry.get(testKit.system()).find(actor.path())).isEmpty();
  }

  @Test
  void classic_propsWithMailbox_usesTheElasticMailbox() {
    TestKit probe = new TestKit(classic);
    ActorRef actor =
        classic.actorOf(Recorder.props(probe.getRef()).withMailbox("test-elastic-mailbox"));
    actor.tell("hi", ActorRef.noSender());
    probe.expectMsg(WAIT, "hi");

    MailboxInfo info = MailboxRegistry.get(classic).find(actor).orElseThrow();
    assertThat(info.mailboxType()).isEqualTo(ElasticMailbox.class.getName());
    assertThat(info.id()).isEqualTo("test-elastic-mailbox");
  }

  @Test
  void classic_deploymentConfig_usesTheConfiguredMailbox() {
    TestKit probe = new TestKit(classic);
    ActorRef actor = classic.actorOf(Recorder.props(probe.getRef()), "deployed");
    actor.tell("hi", ActorRef.noSender());
    probe.expectMsg(WAIT, "hi");

    MailboxInfo info = MailboxRegistry.get(classic).find(actor).orElseThrow();
    assertThat(info.id()).isEqualTo("qos-strict-mailbox");
    assertThat(info.mailboxType()).isEqualTo(QosMailbox.class.getName());
  }

  @Test
  void classic_requiresMessageQueue_isMappedThroughTheRequirementsSection() {
    TestKit probe = new TestKit(classic);
    ActorRef elastic = classic.actorOf(Props.create(NeedsElastic.class));
    ActorRef qos = classic.actorOf(Props.create(NeedsQos.class));
    elastic.tell("a", probe.getRef());
    qos.tell("b", probe.getRef());
    // two actors answer the same probe: in either order
    assertThat(probe.receiveN(2, WAIT)).containsExactlyInAnyOrder("a", "b");

    MailboxRegistry registry = MailboxRegistry.get(classic);
    assertThat(registry.find(elastic).orElseThrow().id()).isEqualTo("test-elastic-mailbox");
    assertThat(registry.find(qos).orElseThrow().id()).isEqualTo("qos-weighted-mailbox");
  }

  @Test
  void classic_requiresMessageQueue_withAnIncompatibleMailbox_failsNamingTheRequirement() {
    Props props = Props.create(NeedsElastic.class).withMailbox("qos-strict-mailbox");

    org.assertj.core.api.Assertions.assertThatThrownBy(() -> classic.actorOf(props))
        .satisfies(
            e ->
                assertThat(MailboxConfigTest.messages(e))
                    .contains(ElasticMessageQueueSemantics.class.getName()));
  }

  @Test
  void defaultMailbox_canBeTheElasticMailboxForEveryActor() {
    Config config =
        ConfigFactory.parseString(
                "pekko.actor.default-mailbox.mailbox-type ="
                    + " \"io.github.elasticq.mailbox.ElasticMailbox\"")
            .withFallback(ConfigFactory.load("application-test"));
    ActorSystem system = ActorSystem.create("ElasticByDefault", config);
    try {
      TestKit probe = new TestKit(system);
      ActorRef actor = system.actorOf(Recorder.props(probe.getRef()));
      actor.tell("hi", ActorRef.noSender());
      probe.expectMsg(WAIT, "hi");

      MailboxInfo info = MailboxRegistry.get(system).find(actor).orElseThrow();
      assertThat(info.id()).isEqualTo("pekko.actor.default-mailbox");
      // System actors (guardians, the event stream's helpers) run on it too.
      assertThat(MailboxRegistry.get(system).size()).isGreaterThan(3);
    } finally {
      TestKit.shutdownActorSystem(system);
    }
  }
}
