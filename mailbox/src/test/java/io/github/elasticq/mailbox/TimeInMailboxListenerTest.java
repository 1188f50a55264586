package io.github.elasticq.mailbox;

import static org.assertj.core.api.Assertions.assertThat;

import com.typesafe.config.ConfigFactory;
import io.github.elasticq.mailbox.TestActors.Recorder;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.pekko.actor.ActorRef;
import org.apache.pekko.actor.ActorSystem;
import org.apache.pekko.testkit.javadsl.TestKit;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A time-in-mailbox listener that throws is called after the message left the queue: it used to
 * throw out of the mailbox's dequeue, and the message was neither delivered nor kept (found by an
 * audit). Now every message is delivered and the failures are counted.
 */
class TimeInMailboxListenerTest {

  @ParameterizedTest
  @ValueSource(strings = {"test-elastic-mailbox", "test-qos-mailbox", "test-shared-mailbox"})
  void throwingListener_losesNoMessage(String mailbox) {
    ActorSystem system =
        ActorSystem.create(
            "TimeInMailboxListenerTest",
            ConfigFactory.parseString(
                    "elasticq.kamon.enabled = on\nelasticq.kamon.time-in-mailbox.sample-every = 1")
                .withFallback(ConfigFactory.load("application-test")));
    try {
      MailboxRegistry registry = MailboxRegistry.get(system);
      AtomicInteger calls = new AtomicInteger();
      registry.setTimeInMailboxListener(
          (id, type, owner, nanos) -> {
            if (calls.incrementAndGet() % 2 == 0) {
              throw new AssertionError("listener bug"); // an Error as well
            }
            throw new IllegalStateException("listener bug");
          });
      TestKit probe = new TestKit(system);
      ActorRef actor = system.actorOf(Recorder.props(probe.getRef()).withMailbox(mailbox));
      for (int i = 0; i < 20; i++) {
        actor.tell(i, ActorRef.noSender());
      }
      List<Object> got = probe.receiveN(20, Duration.ofSeconds(10));
      assertThat(got)
          .containsExactlyElementsOf(
              List.of(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19));
      assertThat(registry.listenerFailures()).as("the listener was called and threw").isPositive();
      assertThat(calls.get()).as("both kinds thrown").isGreaterThan(1);
    } finally {
      TestKit.shutdownActorSystem(system);
    }
  }
}
