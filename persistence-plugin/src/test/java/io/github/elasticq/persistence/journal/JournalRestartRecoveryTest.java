package io.github.elasticq.persistence.journal;

import static org.assertj.core.api.Assertions.assertThat;

import com.typesafe.config.ConfigFactory;
import io.github.elasticq.persistence.internal.EventCodec;
import io.github.elasticq.persistence.wal.WalEvent;
import io.github.elasticq.persistence.wal.WriteAheadLog;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.apache.pekko.actor.ActorRef;
import org.apache.pekko.actor.ActorSystem;
import org.apache.pekko.actor.Props;
import org.apache.pekko.persistence.JournalProtocol;
import org.apache.pekko.persistence.Persistence;
import org.apache.pekko.testkit.javadsl.TestKit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A journal actor restarted (its supervisor's default on an unexpected exception) while a write is
 * still under way in the log: the write failed for its persistent actor (after {@code
 * write-timeout}) and is stored a moment later. The next incarnation of that actor recovers through
 * the restarted journal. Its recovery must wait for the write and then write after it; when the
 * journal actor itself kept the writes under way, the restarted one knew nothing of it, answered
 * the highest sequence number at once, and the new incarnation wrote the stored write's sequence
 * number again.
 */
class JournalRestartRecoveryTest {
  private static final Duration T = Duration.ofSeconds(30);

  @TempDir Path dir;

  @Test
  void journalRestartedWhileAWriteIsUnderWay_nextIncarnationRecoversItAndWritesAfterIt()
      throws Exception {
    ActorSystem system = ActorSystem.create("journal-restart", StalledWrites.config(dir));
    StalledWrites.Stall stall = new StalledWrites.Stall();
    try {
      ActorRef journal =
          Persistence.get(system).journalFor("elasticq.journal", ConfigFactory.empty());
      WriteAheadLog log = WalRegistry.get(system).logFor("elasticq.journal");
      log.setListener(stall);
      TestKit probe = new TestKit(system);

      ActorRef first = system.actorOf(Props.create(StalledWrites.Writer.class, probe.getRef()));
      probe.expectMsg(T, "recovered:0");
      first.tell("a1", ActorRef.noSender());
      probe.expectMsg(T, "stored:1");

      // a2 is forced and held before the index; it times out for the actor, which stops
      stall.armed = true;
      probe.watch(first);
      first.tell("a2", ActorRef.noSender());
      assertThat(stall.holding.await(30, TimeUnit.SECONDS)).isTrue();
      probe.expectTerminated(T, first);

      // The journal actor fails on a request it cannot read (a null batch: a NullPointerException
      // in AsyncWriteJournal's receive) and its supervisor restarts it: a new WalJournal over the
      // same log, while a2 is still under way there.
      journal.tell(new JournalProtocol.WriteMessages(null, probe.getRef(), 1), ActorRef.noSender());

      ActorRef second = system.actorOf(Props.create(StalledWrites.Writer.class, probe.getRef()));
      Object early = probe.receiveOne(Duration.ofSeconds(2));
      assertThat(early).as("the recovery waits for a2 (null: nothing yet)").isNull();
      stall.release.countDown(); // a2 is stored
      probe.expectMsg(T, "recovered:2");
      second.tell("b", ActorRef.noSender());
      probe.expectMsg(T, "stored:3");

      EventCodec codec = new EventCodec(system);
      List<String> stored =
          log.readAll("p").stream()
              .map(e -> e.sequenceNr() + ":" + payload(codec, e))
              .collect(Collectors.toList());
      assertThat(stored).containsExactly("1:a1", "2:a2", "3:b");
    } finally {
      stall.release.countDown();
      TestKit.shutdownActorSystem(system);
    }
  }

  private static String payload(EventCodec codec, WalEvent e) {
    try {
      return String.valueOf(codec.toRepr(e).payload());
    } catch (Throwable failure) {
      throw new IllegalStateException("cannot read " + e, failure);
    }
  }
}
