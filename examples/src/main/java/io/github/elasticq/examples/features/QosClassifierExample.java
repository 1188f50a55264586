package io.github.elasticq.examples.features;

import com.typesafe.config.ConfigFactory;
import io.github.elasticq.mailbox.QosClassifier;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.AbstractActor;
import org.apache.pekko.actor.ActorRef;
import org.apache.pekko.actor.ActorSystem;
import org.apache.pekko.actor.Props;

/**
 * A {@code QosMailbox} with a {@link QosClassifier} named in the configuration: strings starting
 * with {@code alarm} go to the highest level, {@code metric} to the middle, the rest to level 0.
 * With strict fairness the actor, held busy until every message has been sent, sees the alarms
 * first.
 *
 * <pre>
 * ./mvnw -q -pl examples -am verify -Pdemo -DskipTests \
 *     -Ddemo.mainClass=io.github.elasticq.examples.features.QosClassifierExample
 * </pre>
 */
public final class QosClassifierExample {
  private QosClassifierExample() {}

  /** Levels by prefix; one instance per mailbox section, called on the sending threads. */
  public static final class PrefixClassifier implements QosClassifier {
    @Override
    public int levelOf(Object message) {
      String s = String.valueOf(message);
      return s.startsWith("alarm") ? 2 : s.startsWith("metric") ? 1 : 0;
    }
  }

  /**
   * Prints what it receives. The first message, {@code hold}, keeps it busy (it reports that
   * through {@code holding}) until {@code sent} is released, so that every other message is queued
   * before the actor takes the next one.
   */
  static final class Printer extends AbstractActor {
    private final CountDownLatch holding;
    private final CountDownLatch sent;
    private final CountDownLatch processed;

    Printer(CountDownLatch holding, CountDownLatch sent, CountDownLatch processed) {
      this.holding = holding;
      this.sent = sent;
      this.processed = processed;
    }

    @Override
    public Receive createReceive() {
      return receiveBuilder()
          .matchEquals(
              "hold",
              m -> {
                holding.countDown();
                sent.await(10, TimeUnit.SECONDS);
              })
          .matchAny(
              m -> {
                System.out.println("processed " + m);
                processed.countDown();
              })
          .build();
    }
  }

  /** Runs the example. */
  public static void main(String[] args) throws Exception {
    ActorSystem system =
        ActorSystem.create(
            "qos",
            ConfigFactory.parseString(
                    """
                    qos-mailbox {
                      mailbox-type = "io.github.elasticq.mailbox.QosMailbox"
                      fairness = strict
                      classifier = "io.github.elasticq.examples.features.QosClassifierExample$PrefixClassifier"
                    }
                    """)
                .withFallback(ConfigFactory.load()));
    try {
      String[] messages = {"log-1", "metric-1", "alarm-1", "log-2", "alarm-2"};
      CountDownLatch holding = new CountDownLatch(1);
      CountDownLatch sent = new CountDownLatch(1);
      CountDownLatch processed = new CountDownLatch(messages.length);
      ActorRef printer =
          system.actorOf(
              Props.create(Printer.class, () -> new Printer(holding, sent, processed))
                  .withMailbox("qos-mailbox"));
      printer.tell("hold", ActorRef.noSender());
      holding.await(10, TimeUnit.SECONDS); // the actor is busy: nothing below is taken yet
      for (String m : messages) {
        printer.tell(m, ActorRef.noSender());
      }
      sent.countDown(); // the actor leaves "hold" now, with all five queued
      if (!processed.await(10, TimeUnit.SECONDS)) { // alarm-1 alarm-2 metric-1 log-1 log-2
        System.out.println("not every message was processed within 10 s");
      }
    } finally {
      system.terminate();
      system.getWhenTerminated().toCompletableFuture().get();
    }
  }
}
