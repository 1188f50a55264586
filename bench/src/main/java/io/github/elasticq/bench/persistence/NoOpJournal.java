package io.github.elasticq.bench.persistence;

import java.util.Collections;
import java.util.Optional;
import java.util.function.Consumer;
import org.apache.pekko.dispatch.Futures;
import org.apache.pekko.persistence.AtomicWrite;
import org.apache.pekko.persistence.PersistentRepr;
import org.apache.pekko.persistence.journal.japi.AsyncWriteJournal;
import scala.concurrent.Future;

/**
 * A journal that stores nothing and acknowledges every write at once with an already completed
 * future: what is left is Pekko's own round trip (the journal protocol, AsyncWriteJournal's circuit
 * breaker and future callbacks, its resequencer unless {@code write-response-global-order = off},
 * the dispatcher hops, the persistent actor). It is the ceiling of any AsyncWriteJournal plugin on
 * the machine. Replays nothing; the highest sequence number is always 0, so a persistent actor must
 * start on a fresh id. Select it with the harness's {@code NO_OP} journal. {@link
 * ReplayCeilingJournal} extends it with replays from memory.
 */
public class NoOpJournal extends AsyncWriteJournal {
  private static final Future<Iterable<Optional<Exception>>> DONE =
      Futures.successful(Collections.emptyList());

  /** A completed future of nothing. */
  static final Future<Void> NOTHING = Futures.successful(null);

  private static final Future<Long> ZERO = Futures.successful(0L);

  /** Called by Pekko. */
  public NoOpJournal() {}

  @Override
  public Future<Iterable<Optional<Exception>>> doAsyncWriteMessages(
      Iterable<AtomicWrite> messages) {
    return DONE;
  }

  @Override
  public Future<Void> doAsyncDeleteMessagesTo(String persistenceId, long toSequenceNr) {
    return NOTHING;
  }

  @Override
  public Future<Void> doAsyncReplayMessages(
      String persistenceId,
      long fromSequenceNr,
      long toSequenceNr,
      long max,
      Consumer<PersistentRepr> replayCallback) {
    return NOTHING;
  }

  @Override
  public Future<Long> doAsyncReadHighestSequenceNr(String persistenceId, long fromSequenceNr) {
    return ZERO;
  }
}
