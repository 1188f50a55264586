package io.github.elasticq.bench.persistence;

import org.apache.pekko.actor.AbstractActor;
import org.apache.pekko.actor.ActorRef;
import org.apache.pekko.persistence.AtomicWrite;
import org.apache.pekko.persistence.JournalProtocol;
import org.apache.pekko.persistence.NonPersistentRepr;
import org.apache.pekko.persistence.PersistentEnvelope;
import org.apache.pekko.persistence.PersistentRepr;

/**
 * A journal plugin that is a bare actor speaking Pekko's journal protocol, not an {@code
 * AsyncWriteJournal}: it stores nothing and answers every {@code WriteMessages} at once, in the
 * receiving turn, with no future, no circuit breaker, no event adapters, no resequencer. Recovery
 * finds nothing (highest sequence number 0). It bounds what a journal that implemented {@code
 * JournalProtocol} itself could gain over {@link NoOpJournal}; it is not a correct journal (no
 * deletes, no replays, no rejections). Select it with the harness's {@code NO_OP_PROTOCOL}.
 */
public final class NoOpProtocolJournal extends AbstractActor {
  /** Called by Pekko. */
  public NoOpProtocolJournal() {}

  @Override
  public Receive createReceive() {
    return receiveBuilder()
        .match(JournalProtocol.WriteMessages.class, this::write)
        .match(
            JournalProtocol.ReplayMessages.class,
            r -> r.persistentActor().tell(new JournalProtocol.RecoverySuccess(0L), self()))
        .build();
  }

  private void write(JournalProtocol.WriteMessages w) {
    ActorRef target = w.persistentActor();
    int id = w.actorInstanceId();
    target.tell(JournalProtocol.WriteMessagesSuccessful$.MODULE$, self());
    scala.collection.Iterator<PersistentEnvelope> it = w.messages().iterator();
    while (it.hasNext()) {
      PersistentEnvelope e = it.next();
      if (e instanceof AtomicWrite a) {
        scala.collection.Iterator<PersistentRepr> reprs = a.payload().iterator();
        while (reprs.hasNext()) {
          PersistentRepr p = reprs.next();
          target.tell(new JournalProtocol.WriteMessageSuccess(p, id), p.sender());
        }
      } else if (e instanceof NonPersistentRepr n) {
        target.tell(new JournalProtocol.LoopMessageSuccess(n.payload(), id), n.sender());
      }
    }
  }
}
