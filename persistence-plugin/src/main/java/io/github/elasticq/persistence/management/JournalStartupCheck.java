package io.github.elasticq.persistence.management;

import java.util.concurrent.CompletionStage;
import java.util.function.Supplier;
import org.apache.pekko.actor.ActorSystem;

/**
 * A Pekko Management startup check: passes once every watched ElasticQ journal has opened its
 * write-ahead log, that is, once its recovery scan (torn-tail truncation, index rebuild) has
 * finished. A journal nobody has started yet is started by the first probe, on its own plugin
 * dispatcher, exactly as the journal actor would open it. Until then, and if opening failed (a
 * locked directory, corruption), the stage fails with a message naming the journal and the reason.
 * A failed opening is tried again by a later probe after the registry's backoff (5 s, doubling up
 * to 60 s; see {@code WalRegistry.openRetryDue}): a lock still held by the previous process on the
 * volume, or a disk that was full, passes.
 *
 * <p>Watched journals: {@code elasticq.management.journals}, or, when that list is empty, the
 * default journal ({@code pekko.persistence.journal.plugin}) and the {@code auto-start-journals}
 * whose {@code class} is {@code WalJournal}; with none, the check passes.
 *
 * <p>Registered under {@code pekko.management.health-checks.startup-checks.elasticq-journal}.
 * Constructed once by Management; {@link #get} may run on several threads at once and never blocks.
 */
public final class JournalStartupCheck implements Supplier<CompletionStage<Boolean>> {

  private final JournalHealth health;

  /**
   * Called by Pekko Management.
   *
   * @throws org.apache.pekko.ConfigurationException if {@code elasticq.management} is invalid; the
   *     message names the key
   */
  public JournalStartupCheck(ActorSystem system) {
    this.health = new JournalHealth(system);
  }

  /**
   * Completes with {@code true} once every watched journal has recovered; fails with a {@link
   * JournalNotReadyException} saying which has not and why otherwise. Any thread.
   */
  @Override
  public CompletionStage<Boolean> get() {
    return JournalNotReadyException.answer(health::notStarted);
  }
}
