package io.github.elasticq.persistence.journal;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.elasticq.persistence.wal.WalStats;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.apache.pekko.actor.ActorRef;
import org.apache.pekko.actor.ActorSystem;
import org.apache.pekko.actor.Props;
import org.apache.pekko.persistence.AbstractPersistentActor;
import org.apache.pekko.testkit.javadsl.TestKit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Real persistent actors on the journal: many ids persisting concurrently keep their order, survive
 * a restart of the actor system, and share fsyncs (group commit).
 */
class PersistentActorOrderTest {
  static final int ACTORS = 50;
  static final int EVENTS = 40;
  static final Duration TIMEOUT = Duration.ofSeconds(60);

  @TempDir Path dir;

  /** Persists every Integer it receives, acks it, and answers "get" with all events so far. */
  static final class Recorder extends AbstractPersistentActor {
    private final String id;
    private final List<Integer> events = new ArrayList<>();

    Recorder(String id) {
      this.id = id;
    }

    @Override
    public String persistenceId() {
      return id;
    }

    @Override
    public Receive createReceiveRecover() {
      return receiveBuilder().match(Integer.class, events::add).build();
    }

    @Override
    public Receive createReceive() {
      return receiveBuilder()
          .match(
              Integer.class,
              n ->
                  persist(
                      n,
                      e -> {
                        events.add(e);
                        getSender().tell(id + ":" + e, getSelf());
                      }))
          .matchEquals("get", x -> getSender().tell(List.copyOf(events), getSelf()))
          .build();
    }
  }

  static List<Object> expected() {
    List<Object> l = new ArrayList<>();
    for (int i = 1; i <= EVENTS; i++) {
      l.add(i);
    }
    return l;
  }

  @Test
  void manyConcurrentIds_keepOrder_acrossRestart_andShareFsyncs() {
    ActorSystem system = JournalTestSupport.system("order", dir);
    try {
      TestKit probe = new TestKit(system);
      List<ActorRef> actors = new ArrayList<>();
      for (int a = 0; a < ACTORS; a++) {
        String id = "rec-" + a(a);
        actors.add(system.actorOf(Props.create(Recorder.class, () -> new Recorder(id))));
      }
      for (int i = 1; i <= EVENTS; i++) {
        for (ActorRef r : actors) {
          r.tell(i, probe.getRef());
        }
      }
      probe.receiveN(ACTORS * EVENTS, TIMEOUT);
      for (ActorRef r : actors) {
        r.tell("get", probe.getRef());
        assertThat((List<?>) probe.expectMsgClass(TIMEOUT, List.class)).isEqualTo(expected());
      }
      WalStats st = WalRegistry.get(system).logFor("elasticq.journal").stats();
      System.out.printf(
          "persistent actors: %d records, %d fsyncs, %.1f events/fsync%n",
          st.recordsWritten(), st.fsyncs(), (double) st.recordsWritten() / st.fsyncs());
      assertThat(st.recordsWritten()).isEqualTo((long) ACTORS * EVENTS);
      assertThat(st.fsyncs()).isPositive().isLessThan(st.recordsWritten());
    } finally {
      TestKit.shutdownActorSystem(system);
    }

    ActorSystem again = JournalTestSupport.system("order2", dir);
    try {
      TestKit probe = new TestKit(again);
      for (int a = 0; a < ACTORS; a++) {
        String id = "rec-" + a(a);
        ActorRef r = again.actorOf(Props.create(Recorder.class, () -> new Recorder(id)));
        r.tell("get", probe.getRef());
        assertThat((List<?>) probe.expectMsgClass(TIMEOUT, List.class))
            .as(id)
            .isEqualTo(expected());
      }
    } finally {
      TestKit.shutdownActorSystem(again);
    }
  }

  private static String a(int a) {
    return String.format("%03d", a);
  }
}
