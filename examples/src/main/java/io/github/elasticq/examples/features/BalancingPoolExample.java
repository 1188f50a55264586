package io.github.elasticq.examples.features;

import com.typesafe.config.ConfigFactory;
import io.github.elasticq.mailbox.ElasticSharedMailbox;
import io.github.elasticq.mailbox.MailboxInfo;
import io.github.elasticq.mailbox.MailboxRegistry;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.AbstractActor;
import org.apache.pekko.actor.ActorRef;
import org.apache.pekko.actor.ActorSystem;
import org.apache.pekko.actor.Props;
import org.apache.pekko.routing.FromConfig;

/**
 * A classic {@code BalancingPool} whose routees share one {@code ElasticSharedMailbox}, configured
 * in {@code application.conf} (deployment config, nothing in code): an idle routee takes the next
 * job from the one elastic queue, so a slow job never holds up the jobs behind it. (Typed {@code
 * Routers.pool} has no balancing strategy; spawn a classic pool through the Adapter.)
 *
 * <pre>
 * ./mvnw -q -pl examples -am verify -Pdemo -DskipTests \
 *     -Ddemo.mainClass=io.github.elasticq.examples.features.BalancingPoolExample
 * </pre>
 */
public final class BalancingPoolExample {
  private BalancingPoolExample() {}

  static final String CONFIG =
      """
      shared-mailbox {
        mailbox-type = "io.github.elasticq.mailbox.ElasticSharedMailbox"
        max-capacity = 100000
      }
      pekko.actor.deployment {
        /workers {
          router = balancing-pool
          nr-of-instances = 4
          pool-dispatcher.mailbox = shared-mailbox
        }
      }
      """;

  static final int JOBS = 1_000;

  /** A routee: works a millisecond per job, then tells the collector who did it. */
  static final class Worker extends AbstractActor {
    private final ActorRef collector;

    Worker(ActorRef collector) {
      this.collector = collector;
    }

    @Override
    public Receive createReceive() {
      return receiveBuilder()
          .match(
              Integer.class,
              job -> {
                Thread.sleep(1);
                collector.tell(getSelf().path().name(), getSelf());
              })
          .build();
    }
  }

  /** Counts the jobs per routee; completes {@code done} with the counts after the last one. */
  static final class Collector extends AbstractActor {
    private final CompletableFuture<Map<String, Integer>> done;
    private final Map<String, Integer> perRoutee = new TreeMap<>();
    private int jobs;

    Collector(CompletableFuture<Map<String, Integer>> done) {
      this.done = done;
    }

    @Override
    public Receive createReceive() {
      return receiveBuilder()
          .match(
              String.class,
              routee -> {
                perRoutee.merge(routee, 1, Integer::sum);
                if (++jobs == JOBS) {
                  done.complete(perRoutee);
                }
              })
          .build();
    }
  }

  /** Runs the example. */
  public static void main(String[] args) throws Exception {
    ActorSystem system =
        ActorSystem.create(
            "balancing", ConfigFactory.parseString(CONFIG).withFallback(ConfigFactory.load()));
    try {
      CompletableFuture<Map<String, Integer>> done = new CompletableFuture<>();
      ActorRef collector = system.actorOf(Props.create(Collector.class, () -> new Collector(done)));
      ActorRef workers =
          system.actorOf(
              FromConfig.getInstance()
                  .props(Props.create(Worker.class, () -> new Worker(collector))),
              "workers");
      for (int i = 0; i < JOBS; i++) {
        workers.tell(i, ActorRef.noSender());
      }
      System.out.println(JOBS + " jobs done, per routee: " + done.get(30, TimeUnit.SECONDS));
      for (MailboxInfo m : MailboxRegistry.get(system).mailboxes()) {
        if (m.mailboxType().equals(ElasticSharedMailbox.class.getName())) {
          // one queue for the whole pool: it belongs to the pool's dispatcher, not to an actor
          System.out.println("shared queue " + m.id() + ": " + m.stats());
        }
      }
    } finally {
      system.terminate();
      system.getWhenTerminated().toCompletableFuture().get();
    }
  }
}
