package io.github.elasticq.persistence.management;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Supplier;
import org.apache.pekko.actor.ActorSystem;

/**
 * A Pekko Management readiness check: ready while every watched ElasticQ journal (see {@link
 * JournalStartupCheck}) accepts writes. It fails, with a message naming the journal and the reason,
 * while a log has not finished recovery or failed to open, after it was closed, while its last
 * group commit failed (an I/O error, a full disk: until a later write succeeds), and while the file
 * store of its directory has less than {@code elasticq.management.journal-min-free-space} usable
 * bytes.
 *
 * <p>Registered under {@code pekko.management.health-checks.readiness-checks.elasticq-journal}.
 * Constructed once by Management; {@link #get} may run on several threads at once; it reads
 * volatile state and asks the file system for the usable space (one {@code statvfs}), nothing more.
 */
public final class JournalReadinessCheck implements Supplier<CompletionStage<Boolean>> {

  private final JournalHealth health;

  /**
   * Called by Pekko Management.
   *
   * @throws org.apache.pekko.ConfigurationException if {@code elasticq.management} is invalid; the
   *     message names the key
   */
  public JournalReadinessCheck(ActorSystem system) {
    this.health = new JournalHealth(system);
  }

  /**
   * Completes with {@code true} when every watched journal accepts writes; fails with a {@link
   * JournalNotReadyException} giving the reasons otherwise. Any thread.
   */
  @Override
  public CompletionStage<Boolean> get() {
    try {
      String problem = health.notAcceptingWrites();
      return problem == null
          ? CompletableFuture.completedFuture(Boolean.TRUE)
          : CompletableFuture.failedFuture(new JournalNotReadyException(problem));
    } catch (RuntimeException e) {
      return CompletableFuture.failedFuture(e);
    }
  }
}
