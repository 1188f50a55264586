package io.github.elasticq.examples.features;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import io.github.elasticq.mailbox.MailboxInfo;
import io.github.elasticq.mailbox.MailboxRegistry;
import org.apache.pekko.actor.AbstractActor;
import org.apache.pekko.actor.ActorRef;
import org.apache.pekko.actor.ActorSystem;
import org.apache.pekko.actor.Props;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.MailboxSelector;
import org.apache.pekko.actor.typed.javadsl.Adapter;
import org.apache.pekko.actor.typed.javadsl.Behaviors;

/**
 * An {@code ElasticMailbox} configured in {@code application.conf} and used by a typed actor
 * ({@code MailboxSelector.fromConfig}) and a classic one ({@code Props.withMailbox}); the registry
 * lists both.
 *
 * <pre>
 * ./mvnw -q -pl examples -am verify -Pdemo -DskipTests \
 *     -Ddemo.mainClass=io.github.elasticq.examples.features.MailboxConfigExample
 * </pre>
 */
public final class MailboxConfigExample {
  private MailboxConfigExample() {}

  static final String CONFIG =
      """
      my-mailbox {
        mailbox-type = "io.github.elasticq.mailbox.ElasticMailbox"
        max-capacity = 100000
      }
      """;

  /** A classic actor that counts what it receives. */
  static final class Counter extends AbstractActor {
    private int count;

    @Override
    public Receive createReceive() {
      return receiveBuilder().matchAny(m -> count++).build();
    }
  }

  /** Runs the example. */
  public static void main(String[] args) throws Exception {
    Config config = ConfigFactory.parseString(CONFIG).withFallback(ConfigFactory.load());
    Behavior<String> typed =
        Behaviors.receive(String.class).onAnyMessage(m -> Behaviors.same()).build();
    ActorSystem system = ActorSystem.create("mailboxes", config); // classic: spawns from outside
    try {
      org.apache.pekko.actor.typed.ActorRef<String> worker =
          Adapter.spawn(system, typed, "typed-worker", MailboxSelector.fromConfig("my-mailbox"));
      ActorRef classic =
          system.actorOf(Props.create(Counter.class).withMailbox("my-mailbox"), "classic-worker");
      for (int i = 0; i < 10_000; i++) {
        worker.tell("m" + i);
        classic.tell(i, ActorRef.noSender());
      }
      Thread.sleep(500);
      for (MailboxInfo m : MailboxRegistry.get(system).mailboxes()) {
        System.out.println(m.ownerPath() + " on " + m.id() + ": " + m.stats());
      }
    } finally {
      system.terminate();
      system.getWhenTerminated().toCompletableFuture().get();
    }
  }
}
