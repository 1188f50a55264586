package io.github.elasticq.examples.features;

import com.typesafe.config.ConfigFactory;
import io.github.elasticq.mailbox.QosClassifier;
import org.apache.pekko.actor.AbstractActor;
import org.apache.pekko.actor.ActorRef;
import org.apache.pekko.actor.ActorSystem;
import org.apache.pekko.actor.Props;

/**
 * A {@code QosMailbox} with a {@link QosClassifier} named in the configuration: strings starting
 * with {@code alarm} go to the highest level, {@code metric} to the middle, the rest to level 0.
 * With strict fairness the actor, held busy while the messages arrive, sees the alarms first.
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

  /** Prints what it receives; the first message keeps it busy for a moment. */
  static final class Printer extends AbstractActor {
    @Override
    public Receive createReceive() {
      return receiveBuilder()
          .matchEquals("hold", m -> Thread.sleep(300))
          .matchAny(m -> System.out.println("processed " + m))
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
      ActorRef printer = system.actorOf(Props.create(Printer.class).withMailbox("qos-mailbox"));
      printer.tell("hold", ActorRef.noSender());
      for (String m : new String[] {"log-1", "metric-1", "alarm-1", "log-2", "alarm-2"}) {
        printer.tell(m, ActorRef.noSender());
      }
      Thread.sleep(1000); // alarm-1 alarm-2 metric-1 log-1 log-2
    } finally {
      system.terminate();
      system.getWhenTerminated().toCompletableFuture().get();
    }
  }
}
