package io.github.elasticq.persistence.query;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.typesafe.config.ConfigFactory;
import io.github.elasticq.persistence.journal.StalledWrites;
import io.github.elasticq.persistence.journal.WalRegistry;
import io.github.elasticq.persistence.query.javadsl.WalReadJournal;
import io.github.elasticq.persistence.wal.WriteAheadLog;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.ActorRef;
import org.apache.pekko.actor.ActorSystem;
import org.apache.pekko.actor.Props;
import org.apache.pekko.persistence.Persistence;
import org.apache.pekko.persistence.query.PersistenceQuery;
import org.apache.pekko.stream.javadsl.Sink;
import org.apache.pekko.testkit.javadsl.TestKit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A live {@code eventsByPersistenceId} and a write that failed for its persistent actor (it took
 * longer than {@code write-timeout}) and was stored all the same, after the actor's next
 * incarnation had started its recovery. That recovery did not see the write, so the new incarnation
 * wrote the same sequence number again; the log replaced the stored event with it for replays,
 * while the live stream had already emitted the stored one and never emitted the new one (the
 * stream and a replay disagreed for good). Now the recovery waits for the write and the new
 * incarnation writes after it: the stream shows what a replay shows.
 */
class LiveQueryAfterTimedOutWriteTest {
  private static final Duration T = Duration.ofSeconds(30);

  @TempDir Path dir;

  @Test
  void writeStoredAfterItTimedOut_liveStreamShowsWhatAReplayShows() throws Exception {
    ActorSystem system = ActorSystem.create("timed-out-write", StalledWrites.config(dir));
    StalledWrites.Stall stall = new StalledWrites.Stall();
    try {
      Persistence.get(system).journalFor("elasticq.journal", ConfigFactory.empty());
      WriteAheadLog log = WalRegistry.get(system).logFor("elasticq.journal");
      log.setListener(stall);
      WalReadJournal queries =
          PersistenceQuery.get(system)
              .getReadJournalFor(WalReadJournal.class, WalReadJournal.Identifier);
      TestKit probe = new TestKit(system);

      ActorRef first = system.actorOf(Props.create(StalledWrites.Writer.class, probe.getRef()));
      probe.expectMsg(T, "recovered:0");
      first.tell("a1", ActorRef.noSender());
      probe.expectMsg(T, "stored:1");
      List<String> live = new CopyOnWriteArrayList<>();
      queries
          .eventsByPersistenceId("p", 0, Long.MAX_VALUE)
          .runWith(Sink.foreach(e -> live.add(e.sequenceNr() + ":" + e.event())), system);
      await().atMost(T).until(() -> live.equals(List.of("1:a1")));

      // a2's write is forced and then held before the index: it times out for the actor, which
      // stops (Pekko's onPersistFailure)
      stall.armed = true;
      probe.watch(first);
      first.tell("a2", ActorRef.noSender());
      assertThat(stall.holding.await(30, TimeUnit.SECONDS)).isTrue();
      probe.expectTerminated(T, first);

      // the next incarnation starts while a2 is still under way
      ActorRef second = system.actorOf(Props.create(StalledWrites.Writer.class, probe.getRef()));
      Object recovered = probe.receiveOne(Duration.ofSeconds(2)); // null: the recovery waits
      stall.release.countDown(); // a2 is stored
      await().atMost(T).until(() -> live.size() == 2); // the stream emits a2
      Object recoveredAt = recovered != null ? recovered : probe.receiveOne(T);
      second.tell("b", ActorRef.noSender());
      Object stored = probe.receiveOne(T);

      List<String> replay =
          queries
              .currentEventsByPersistenceId("p", 0, Long.MAX_VALUE)
              .map(e -> e.sequenceNr() + ":" + e.event())
              .runWith(Sink.seq(), system)
              .toCompletableFuture()
              .get(30, TimeUnit.SECONDS);
      await()
          .atMost(Duration.ofSeconds(5))
          .untilAsserted(
              () ->
                  assertThat(live)
                      .as("the live stream (%s, then %s)", recoveredAt, stored)
                      .isEqualTo(replay));
      assertThat(replay).containsExactly("1:a1", "2:a2", "3:b");
      assertThat(recoveredAt).isEqualTo("recovered:2");
      assertThat(stored).isEqualTo("stored:3");
    } finally {
      stall.release.countDown();
      TestKit.shutdownActorSystem(system);
    }
  }
}
