package io.github.elasticq.multijvm;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigValueFactory;
import org.apache.pekko.actor.ActorSystem;
import org.apache.pekko.actor.Props;
import org.apache.pekko.persistence.AbstractPersistentActor;
import org.apache.pekko.persistence.RecoveryCompleted;

/**
 * Child-process main of the crash tests: a classic ActorSystem with the {@code elasticq.journal}
 * and several persistent actors that persist sequential events as fast as the journal acknowledges
 * them, until the parent kills the process with SIGKILL.
 *
 * <p>Arguments: {@code <journal dir> <sync-mode> <entities> [<preallocate>]} (preallocate: the
 * journal's {@code preallocate} setting, the reference default if absent). Each actor first prints
 * what its recovery replayed ({@code R <persistenceId> <highest> <ranges>}), then one {@code A
 * <persistenceId> <seqNr>} line per event, written after the persist handler ran (so after the
 * journal acknowledged the write). Run by the JUnit tests through {@link ChildJvm}; stops by itself
 * when the parent goes away.
 */
public final class PersistingChild {
  static final int PAYLOAD_BYTES = 64;

  private PersistingChild() {}

  /** Starts the system and the actors; never returns normally (the parent kills the JVM). */
  public static void main(String[] args) {
    ChildOutput.exitWhenParentGoes();
    String dir = args[0];
    String syncMode = args[1];
    int entities = Integer.parseInt(args[2]);
    String preallocate = args.length > 3 ? args[3] : null;
    Config config =
        ConfigFactory.parseString(
                String.join(
                    "\n",
                    "pekko.loglevel = WARNING",
                    "pekko.stdout-loglevel = WARNING",
                    "pekko.log-dead-letters = off",
                    "pekko.persistence.journal.plugin = \"elasticq.journal\"",
                    "elasticq.journal.sync-mode = " + syncMode,
                    "elasticq.journal.sync-interval = 50ms",
                    // small segments: kills also land while a segment is being sealed and rolled
                    "elasticq.journal.segment-size = 256KiB"))
            .withValue("elasticq.journal.dir", ConfigValueFactory.fromAnyRef(dir))
            .withFallback(
                preallocate == null
                    ? ConfigFactory.empty()
                    : ConfigFactory.parseString("elasticq.journal.preallocate = " + preallocate))
            .withFallback(ConfigFactory.load());
    ActorSystem system = ActorSystem.create("crash-child", config);
    ChildOutput.line("STARTED " + ProcessHandle.current().pid());
    for (int i = 0; i < entities; i++) {
      system.actorOf(Props.create(Entity.class, "entity-" + i), "entity-" + i);
    }
  }

  /** Persists 1, 2, 3, ... one at a time; each event's payload carries its own sequence number. */
  static final class Entity extends AbstractPersistentActor {
    private static final Object NEXT = "next";
    private final String persistenceId;
    private final SeqRanges recovered = new SeqRanges();

    Entity(String persistenceId) {
      this.persistenceId = persistenceId;
    }

    @Override
    public String persistenceId() {
      return persistenceId;
    }

    @Override
    public Receive createReceiveRecover() {
      return receiveBuilder()
          .match(
              byte[].class,
              payload -> {
                long seqNr = ChildOutput.seqNrOf(persistenceId, payload);
                if (seqNr != lastSequenceNr()) {
                  ChildOutput.line(
                      "X "
                          + persistenceId
                          + " replayed sequenceNr "
                          + lastSequenceNr()
                          + " carries payload of "
                          + seqNr);
                }
                recovered.add(seqNr);
              })
          .match(
              RecoveryCompleted.class,
              done -> {
                ChildOutput.line(
                    "R " + persistenceId + " " + lastSequenceNr() + " " + recovered.format());
                self().tell(NEXT, self());
              })
          .build();
    }

    @Override
    public Receive createReceive() {
      return receiveBuilder()
          .matchEquals(
              NEXT,
              n -> {
                long next = lastSequenceNr() + 1;
                persist(
                    ChildOutput.payload(persistenceId, next, PAYLOAD_BYTES),
                    stored -> {
                      if (lastSequenceNr() != next) {
                        ChildOutput.line(
                            "X " + persistenceId + " acked " + lastSequenceNr() + " for " + next);
                      }
                      ChildOutput.line("A " + persistenceId + " " + next);
                      self().tell(NEXT, self());
                    });
              })
          .build();
    }

    @Override
    public void onPersistFailure(Throwable cause, Object event, long seqNr) {
      ChildOutput.line("X " + persistenceId + " persist failure at " + seqNr + ": " + cause);
      super.onPersistFailure(cause, event, seqNr);
    }

    @Override
    public void onRecoveryFailure(Throwable cause, scala.Option<Object> event) {
      ChildOutput.line("X " + persistenceId + " recovery failure: " + cause);
      super.onRecoveryFailure(cause, event);
    }
  }
}
