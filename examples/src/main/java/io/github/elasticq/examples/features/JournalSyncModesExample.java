package io.github.elasticq.examples.features;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import io.github.elasticq.persistence.journal.WalRegistry;
import io.github.elasticq.persistence.wal.WalStats;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.apache.pekko.actor.ActorRef;
import org.apache.pekko.actor.ActorSystem;
import org.apache.pekko.actor.Props;
import org.apache.pekko.pattern.Patterns;
import org.apache.pekko.persistence.AbstractPersistentActor;

/**
 * The embedded journal {@code elasticq.journal} in each {@code sync-mode}: four persistent actors
 * persist 50 events each at the same time, then the log's counters show the difference. {@code
 * every-write} forces the log before it acknowledges (concurrent writes share one write and one
 * fsync: group commit), {@code periodic} every {@code sync-interval}, {@code no-sync} never (only
 * at an orderly close). All three survive a process crash; only {@code every-write} survives an OS
 * crash or power loss without losing an acknowledged write.
 *
 * <pre>
 * ./mvnw -q -pl examples -am verify -Pdemo -DskipTests \
 *     -Ddemo.mainClass=io.github.elasticq.examples.features.JournalSyncModesExample
 * </pre>
 */
public final class JournalSyncModesExample {
  private JournalSyncModesExample() {}

  static final int ACTORS = 4;
  static final int EVENTS_EACH = 50;

  /** Persists each command as an event, then answers with its count of events. */
  static final class Recorder extends AbstractPersistentActor {
    private long events;

    @Override
    public String persistenceId() {
      return getSelf().path().name();
    }

    @Override
    public Receive createReceiveRecover() {
      return receiveBuilder().match(String.class, e -> events++).build();
    }

    @Override
    public Receive createReceive() {
      return receiveBuilder()
          .match(
              String.class,
              cmd ->
                  persist( // the sender gets the answer once the journal acknowledged the write
                      cmd, e -> getSender().tell(++events, getSelf())))
          .build();
    }
  }

  /**
   * Runs the example; the first argument is the directory for the journals (default: a new
   * temporary directory, deleted at the end, also when the run fails).
   */
  public static void main(String[] args) throws Exception {
    TempDirectory.runIn(args, "sync-modes", JournalSyncModesExample::run);
  }

  private static void run(Path dir) throws Exception {
    for (String mode : List.of("every-write", "periodic", "no-sync")) {
      String modeDir = dir.resolve(mode).toString().replace('\\', '/');
      Config config =
          ConfigFactory.parseString(
                  """
                  pekko.persistence.journal.plugin = "elasticq.journal"
                  pekko.persistence.snapshot-store.plugin = "elasticq.snapshot-store"
                  elasticq.journal.dir = "%1$s/journal"
                  elasticq.snapshot-store.dir = "%1$s/snapshots"
                  elasticq.journal.sync-mode = %2$s
                  elasticq.journal.sync-interval = 100ms   # periodic only
                  """
                      .formatted(modeDir, mode))
              .withFallback(ConfigFactory.load());
      ActorSystem system = ActorSystem.create("journal", config);
      try {
        List<CompletableFuture<Object>> acks = new ArrayList<>();
        for (int a = 0; a < ACTORS; a++) {
          ActorRef recorder = system.actorOf(Props.create(Recorder.class), "recorder-" + a);
          for (int i = 0; i < EVENTS_EACH; i++) {
            acks.add(
                Patterns.ask(recorder, "event-" + i, Duration.ofSeconds(30)).toCompletableFuture());
          }
        }
        CompletableFuture.allOf(acks.toArray(new CompletableFuture<?>[0])).join();
        WalStats stats = WalRegistry.get(system).logFor("elasticq.journal").stats();
        System.out.printf(
            "%-11s %d events persisted: %d writes (group commits), %d fsyncs, %d bytes%n",
            mode, acks.size(), stats.writes(), stats.fsyncs(), stats.bytesWritten());
      } finally {
        system.terminate();
        system.getWhenTerminated().toCompletableFuture().get();
      }
    }
  }
}
