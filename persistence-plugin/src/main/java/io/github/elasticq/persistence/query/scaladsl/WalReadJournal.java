package io.github.elasticq.persistence.query.scaladsl;

import org.apache.pekko.NotUsed;
import org.apache.pekko.persistence.query.EventEnvelope;
import org.apache.pekko.persistence.query.scaladsl.CurrentEventsByPersistenceIdQuery;
import org.apache.pekko.persistence.query.scaladsl.CurrentPersistenceIdsQuery;
import org.apache.pekko.persistence.query.scaladsl.EventsByPersistenceIdQuery;
import org.apache.pekko.persistence.query.scaladsl.PersistenceIdsQuery;
import org.apache.pekko.stream.scaladsl.Source;

/**
 * Scala API of the read journal {@code elasticq.query}; the same streams as the {@linkplain
 * io.github.elasticq.persistence.query.javadsl.WalReadJournal Java API}. Thread-safe; every
 * returned {@code Source} may be materialized any number of times.
 */
public final class WalReadJournal
    implements EventsByPersistenceIdQuery,
        CurrentEventsByPersistenceIdQuery,
        PersistenceIdsQuery,
        CurrentPersistenceIdsQuery {
  /** The plugin id of this read journal in {@code reference.conf}. */
  public static final String Identifier =
      io.github.elasticq.persistence.query.javadsl.WalReadJournal.Identifier;

  private final io.github.elasticq.persistence.query.javadsl.WalReadJournal delegate;

  /** Wraps the Java API journal; created by the provider. */
  public WalReadJournal(io.github.elasticq.persistence.query.javadsl.WalReadJournal delegate) {
    this.delegate = delegate;
  }

  @Override
  public Source<EventEnvelope, NotUsed> eventsByPersistenceId(
      String persistenceId, long fromSequenceNr, long toSequenceNr) {
    return delegate.eventsByPersistenceId(persistenceId, fromSequenceNr, toSequenceNr).asScala();
  }

  @Override
  public Source<EventEnvelope, NotUsed> currentEventsByPersistenceId(
      String persistenceId, long fromSequenceNr, long toSequenceNr) {
    return delegate
        .currentEventsByPersistenceId(persistenceId, fromSequenceNr, toSequenceNr)
        .asScala();
  }

  @Override
  public Source<String, NotUsed> persistenceIds() {
    return delegate.persistenceIds().asScala();
  }

  @Override
  public Source<String, NotUsed> currentPersistenceIds() {
    return delegate.currentPersistenceIds().asScala();
  }
}
