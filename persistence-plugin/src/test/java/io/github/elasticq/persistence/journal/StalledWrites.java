package io.github.elasticq.persistence.journal;

import com.typesafe.config.Config;
import io.github.elasticq.persistence.wal.WalListener;
import java.nio.file.Path;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.ActorRef;
import org.apache.pekko.persistence.AbstractPersistentActor;
import org.apache.pekko.persistence.RecoveryCompleted;

/**
 * What the tests of a write still under way in the log share: a journal whose writes time out after
 * 300 ms, a persistent actor that reports its recovery and each stored event, and a listener that
 * holds the log's writer after a commit's fsync, before its records are indexed (a slow device,
 * made deterministic).
 */
public final class StalledWrites {
  private StalledWrites() {}

  /** An actor system's configuration: {@code elasticq.journal} in {@code dir}, every-write. */
  public static Config config(Path dir) {
    return JournalTestSupport.config(
        dir,
        "elasticq.journal.sync-mode = every-write\n"
            + "elasticq.journal.write-timeout = 300ms\n"
            + "elasticq.query.refresh-interval = 100ms\n");
  }

  /** Persists every String, answers "stored:seqNr"; tells the probe "recovered:seqNr". */
  public static final class Writer extends AbstractPersistentActor {
    private final ActorRef probe;

    public Writer(ActorRef probe) {
      this.probe = probe;
    }

    @Override
    public String persistenceId() {
      return "p";
    }

    @Override
    public Receive createReceiveRecover() {
      return receiveBuilder()
          .match(
              RecoveryCompleted.class, r -> probe.tell("recovered:" + lastSequenceNr(), getSelf()))
          .matchAny(e -> {})
          .build();
    }

    @Override
    public Receive createReceive() {
      return receiveBuilder()
          .match(
              String.class,
              s -> persist(s, e -> probe.tell("stored:" + lastSequenceNr(), getSelf())))
          .build();
    }
  }

  /**
   * Once armed, holds the log's writer thread after the fsync of the next group commit and before
   * its records are indexed: the write is on disk and not visible yet.
   */
  public static final class Stall implements WalListener {
    public volatile boolean armed;
    public final CountDownLatch holding = new CountDownLatch(1);
    public final CountDownLatch release = new CountDownLatch(1);

    @Override
    public void recordsSynced(long records) {
      if (armed) {
        armed = false;
        holding.countDown();
        try {
          release.await(60, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }
    }
  }
}
