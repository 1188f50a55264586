package io.github.elasticq.mailbox;

import static org.assertj.core.api.Assertions.assertThat;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import io.github.elasticq.mailbox.TestActors.Recorder;
import java.time.Duration;
import java.util.List;
import org.apache.pekko.actor.ActorRef;
import org.apache.pekko.actor.ActorSystem;
import org.apache.pekko.event.Logging;
import org.apache.pekko.testkit.javadsl.TestKit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * A classifier (or a {@link QosMessage#qosLevel()}) that throws. Pekko's {@code tell} does not let
 * an exception of the mailbox's enqueue reach the sender: it logs "swallowing exception during
 * message send" and drops the message, which was neither delivered nor dead-lettered nor counted.
 * Now the message goes to {@code default-level}, the failure is counted and the first one logged.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class QosClassificationFailureTest {

  private static final Duration WAIT = Duration.ofSeconds(10);

  private ActorSystem system;

  /** Throws for the string "poison"; level 2 for everything else. */
  public static final class ThrowingClassifier implements QosClassifier {
    @Override
    public int levelOf(Object message) {
      if ("poison".equals(message)) {
        throw new IllegalStateException("classifier failure (test)");
      }
      return 2;
    }
  }

  /** A message whose level cannot be computed. */
  record BrokenLevel(String text) implements QosMessage {
    @Override
    public int qosLevel() {
      throw new IllegalArgumentException("qosLevel failure (test)");
    }
  }

  @BeforeAll
  void start() {
    Config config =
        ConfigFactory.parseString(
                """
                throwing-classifier-mailbox {
                  mailbox-type = "io.github.elasticq.mailbox.QosMailbox"
                  default-level = 1
                  classifier = "io.github.elasticq.mailbox.QosClassificationFailureTest$ThrowingClassifier"
                }
                """)
            .withFallback(ConfigFactory.load("application-test"))
            .resolve();
    system = ActorSystem.create("QosClassificationFailureTest", config);
  }

  @AfterAll
  void stop() {
    TestKit.shutdownActorSystem(system);
  }

  @Test
  void classifierThatThrows_messageIsDeliveredAtTheDefaultLevel() {
    TestKit errors = new TestKit(system);
    system.getEventStream().subscribe(errors.getRef(), Logging.LogEvent.class);
    TestKit probe = new TestKit(system);
    ActorRef actor =
        system.actorOf(Recorder.props(probe.getRef()).withMailbox("throwing-classifier-mailbox"));

    actor.tell("before", ActorRef.noSender());
    actor.tell("poison", ActorRef.noSender());
    actor.tell("after", ActorRef.noSender());

    assertThat(probe.receiveN(3, WAIT)).containsExactlyInAnyOrder("before", "poison", "after");
    MailboxInfo info = infoOf(actor);
    assertThat(info.levelStats().get(1).enqueued()).isEqualTo(1); // default-level
    assertThat(info.levelStats().get(2).enqueued()).isEqualTo(2);
    assertThat(failures("throwing-classifier-mailbox")).isEqualTo(1);
    String warning = firstWarning(errors);
    assertThat(warning)
        .contains("[throwing-classifier-mailbox]")
        .contains("classifier failure (test)")
        .contains("default-level");
  }

  @Test
  void qosLevelThatThrows_messageIsDeliveredAtTheDefaultLevel() {
    TestKit probe = new TestKit(system);
    ActorRef actor = system.actorOf(Recorder.props(probe.getRef()).withMailbox("test-qos-mailbox"));

    BrokenLevel broken = new BrokenLevel("x");
    actor.tell(broken, ActorRef.noSender());
    actor.tell("after", ActorRef.noSender());

    assertThat(probe.receiveN(2, WAIT)).containsExactly(broken, "after");
    MailboxInfo info = infoOf(actor);
    assertThat(info.levelStats().get(0).enqueued()).isEqualTo(2); // default-level 0
    assertThat(failures("test-qos-mailbox")).isEqualTo(1);
  }

  private long failures(String id) {
    return ((QosMailbox) system.mailboxes().lookup(id)).classificationFailures();
  }

  /** The first warning of ElasticQ's on the stream (Pekko logs its own too). */
  private static String firstWarning(TestKit log) {
    while (true) {
      Logging.LogEvent e = log.expectMsgClass(WAIT, Logging.LogEvent.class);
      if (e instanceof Logging.Warning && String.valueOf(e.message()).contains("ElasticQ")) {
        return String.valueOf(e.message());
      }
    }
  }

  private MailboxInfo infoOf(ActorRef actor) {
    List<MailboxInfo> mine =
        MailboxRegistry.get(system).mailboxes().stream()
            .filter(m -> m.ownerPath().equals(actor.path().toString()))
            .toList();
    assertThat(mine).hasSize(1);
    return mine.get(0);
  }
}
