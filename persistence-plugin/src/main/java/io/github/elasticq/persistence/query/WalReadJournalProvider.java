package io.github.elasticq.persistence.query;

import com.typesafe.config.Config;
import org.apache.pekko.actor.ExtendedActorSystem;
import org.apache.pekko.persistence.query.ReadJournalProvider;

/**
 * The {@code ReadJournalProvider} of the read journal {@code elasticq.query}; instantiated by
 * {@code PersistenceQuery}. Obtain the journals with {@code
 * PersistenceQuery.get(system).getReadJournalFor(javadsl.WalReadJournal.class,
 * WalReadJournal.Identifier)} (or the scaladsl class).
 */
public final class WalReadJournalProvider implements ReadJournalProvider {
  private final io.github.elasticq.persistence.query.javadsl.WalReadJournal javadsl;
  private final io.github.elasticq.persistence.query.scaladsl.WalReadJournal scaladsl;

  /**
   * Called by {@code PersistenceQuery} with the read journal's configuration section.
   *
   * @throws IllegalArgumentException if a setting is invalid (names the key)
   */
  public WalReadJournalProvider(ExtendedActorSystem system, Config config, String configPath) {
    this.javadsl =
        new io.github.elasticq.persistence.query.javadsl.WalReadJournal(system, config, configPath);
    this.scaladsl = new io.github.elasticq.persistence.query.scaladsl.WalReadJournal(javadsl);
  }

  @Override
  public io.github.elasticq.persistence.query.scaladsl.WalReadJournal scaladslReadJournal() {
    return scaladsl;
  }

  @Override
  public io.github.elasticq.persistence.query.javadsl.WalReadJournal javadslReadJournal() {
    return javadsl;
  }
}
