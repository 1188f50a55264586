package io.github.elasticq.mailbox;

import static org.assertj.core.api.Assertions.assertThat;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.AbstractActor;
import org.apache.pekko.actor.ActorRef;
import org.apache.pekko.actor.ActorSystem;
import org.apache.pekko.actor.Props;
import org.apache.pekko.routing.FromConfig;
import org.apache.pekko.testkit.javadsl.TestKit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * {@link ElasticSharedMailbox} as the one queue shared by the routees of a {@code BalancingPool}
 * and by the actors of a {@code BalancingDispatcher}. Spreading is shown without timing: four
 * messages each wait on a four-party barrier, which can only open if four different actors took one
 * message each from the shared queue at the same time.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class BalancingTest {

  private static final Duration WAIT = Duration.ofSeconds(20);
  private static final int WORKERS = 4;

  private ActorSystem system;

  @BeforeAll
  void start() {
    Config config =
        ConfigFactory.parseString(
                """
                pekko.actor.deployment {
                  /pool {
                    router = balancing-pool
                    nr-of-instances = 4
                    pool-dispatcher {
                      mailbox = test-shared-mailbox
                      executor = "thread-pool-executor"
                      thread-pool-executor.fixed-pool-size = 4
                    }
                  }
                }
                shared-balancing-dispatcher {
                  type = "org.apache.pekko.dispatch.BalancingDispatcherConfigurator"
                  mailbox-type = "io.github.elasticq.mailbox.ElasticSharedMailbox"
                  executor = "thread-pool-executor"
                  thread-pool-executor.fixed-pool-size = 4
                }
                """)
            .withFallback(ConfigFactory.load("application-test"));
    system = ActorSystem.create("BalancingTest", config);
  }

  @AfterAll
  void stop() {
    TestKit.shutdownActorSystem(system);
  }

  record Rendezvous(CyclicBarrier barrier) {}

  record Work(int n) {}

  record Done(int n, String worker) {}

  /** Waits at the barrier for {@link Rendezvous}; answers {@link Work} with its own path. */
  static final class Worker extends AbstractActor {
    private final ActorRef target;

    Worker(ActorRef target) {
      this.target = target;
    }

    static Props props(ActorRef target) {
      return Props.create(Worker.class, () -> new Worker(target));
    }

    @Override
    public Receive createReceive() {
      return receiveBuilder()
          .match(
              Rendezvous.class,
              r -> {
                r.barrier().await(15, TimeUnit.SECONDS);
                target.tell(getSelf().path().toString(), getSelf());
              })
          .match(Work.class, w -> target.tell(new Done(w.n(), getSelf().path().name()), getSelf()))
          .build();
    }
  }

  private static void assertSpreadsAndProcessesEverything(ActorRef entry, TestKit probe) {
    CyclicBarrier barrier = new CyclicBarrier(WORKERS);
    for (int i = 0; i < WORKERS; i++) {
      entry.tell(new Rendezvous(barrier), ActorRef.noSender());
    }
    Set<Object> met = new HashSet<>(probe.receiveN(WORKERS, WAIT));
    assertThat(met).as("four distinct actors met at the barrier").hasSize(WORKERS);

    int work = 400;
    for (int i = 0; i < work; i++) {
      entry.tell(new Work(i), ActorRef.noSender());
    }
    Set<Integer> done = new HashSet<>();
    for (Object m : probe.receiveN(work, WAIT)) {
      done.add(((Done) m).n());
    }
    assertThat(done).hasSize(work);
    probe.expectNoMessage(Duration.ofMillis(100));
  }

  @Test
  void balancingPool_sharesOneElasticQueueAcrossItsRoutees() {
    TestKit probe = new TestKit(system);
    ActorRef pool =
        system.actorOf(FromConfig.getInstance().props(Worker.props(probe.getRef())), "pool");

    assertSpreadsAndProcessesEverything(pool, probe);

    List<MailboxInfo> shared = new ArrayList<>();
    for (MailboxInfo m : MailboxRegistry.get(system).mailboxes()) {
      if (m.mailboxType().equals(ElasticSharedMailbox.class.getName())
          && m.id().equals("test-shared-mailbox")) {
        shared.add(m);
      }
    }
    assertThat(shared).as("one queue for the whole pool").hasSize(1);
    assertThat(shared.get(0).ownerPath()).isEmpty();
    assertThat(shared.get(0).stats().enqueued()).isEqualTo(WORKERS + 400L);
    system.stop(pool);
  }

  @Test
  void balancingDispatcher_withTheSharedMailbox_spreadsWorkOverItsActors() {
    TestKit probe = new TestKit(system);
    List<ActorRef> team = new ArrayList<>();
    for (int i = 0; i < WORKERS; i++) {
      team.add(
          system.actorOf(
              Worker.props(probe.getRef()).withDispatcher("shared-balancing-dispatcher")));
    }

    // Everything goes to the first actor; the dispatcher's shared queue lets the team take it.
    assertSpreadsAndProcessesEverything(team.get(0), probe);

    assertThat(MailboxRegistry.get(system).mailboxes())
        .anySatisfy(
            m -> {
              assertThat(m.id()).isEqualTo("shared-balancing-dispatcher");
              assertThat(m.mailboxType()).isEqualTo(ElasticSharedMailbox.class.getName());
            });
    team.forEach(system::stop);
  }
}
