package io.github.elasticq.examples.features;

import com.typesafe.config.ConfigFactory;
import io.github.elasticq.persistence.durable.DurableMailbox;
import io.github.elasticq.persistence.durable.DurableMailboxRegistry;
import java.nio.file.Path;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.Behaviors;

/**
 * A {@code DurableMailbox} on the embedded journal in front of a behavior that prints what it
 * processes with its delivery sequence number. Run it twice with the same directory argument:
 * messages stored and not yet confirmed when the first run stopped are delivered again.
 *
 * <pre>
 * ./mvnw -q -pl examples -am verify -Pdemo -DskipTests \
 *     -Ddemo.mainClass=io.github.elasticq.examples.features.DurableMailboxExample
 * </pre>
 */
public final class DurableMailboxExample {
  private DurableMailboxExample() {}

  /** A message the mailbox stores; Jackson-serialized (binding in the config below). */
  public record Order(String id, int amount) {}

  /**
   * Runs the example; the first argument is the journal directory, kept for the next run (default:
   * a new temporary directory, deleted at the end, also when the run fails).
   */
  public static void main(String[] args) throws Exception {
    TempDirectory.runIn(args, "durable-example", DurableMailboxExample::run);
  }

  private static void run(Path dir) throws Exception {
    CountDownLatch fiveProcessed = new CountDownLatch(5);
    Behavior<Order> billing =
        Behaviors.receive(Order.class)
            .onMessage(
                Order.class,
                o -> {
                  System.out.println("#" + DurableMailbox.deliverySeqNr() + " " + o);
                  fiveProcessed.countDown();
                  return Behaviors.same(); // returned: the message is confirmed
                })
            .build();
    ActorSystem<Void> system =
        ActorSystem.create(
            Behaviors.setup(
                ctx -> {
                  ActorRef<Object> inbox =
                      ctx.spawn(DurableMailbox.create("billing-1", billing), "billing-1");
                  for (int i = 0; i < 5; i++) {
                    inbox.tell(new Order("o-" + i, 10 * i)); // stored, then delivered
                  }
                  return Behaviors.empty();
                }),
            "durable",
            ConfigFactory.parseString(
                    "pekko.persistence.journal.plugin = elasticq.journal\n"
                        + "pekko.persistence.snapshot-store.plugin = elasticq.snapshot-store\n"
                        + "pekko.actor.serialization-bindings {"
                        + " \"io.github.elasticq.examples.features.DurableMailboxExample$Order\""
                        + " = jackson-json }\n")
                .withFallback(
                    ConfigFactory.parseMap(
                        java.util.Map.of(
                            "elasticq.journal.dir", dir.resolve("journal").toString(),
                            "elasticq.snapshot-store.dir", dir.resolve("snapshots").toString())))
                .withFallback(ConfigFactory.load()));
    try {
      if (!fiveProcessed.await(20, TimeUnit.SECONDS)) {
        System.out.println("fewer than 5 orders processed within 20 s");
      }
      Thread.sleep(200); // the last confirmation is written after the behavior returns
      System.out.println(DurableMailboxRegistry.get(system).stats("billing-1").orElseThrow());
    } finally {
      system.terminate();
      system.getWhenTerminated().toCompletableFuture().get();
    }
  }
}
