package io.github.elasticq.persistence.management;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.function.Supplier;
import org.apache.pekko.actor.ActorSystem;

/**
 * A Pekko Management readiness check: ready while every watched ElasticQ journal (see {@link
 * JournalStartupCheck}) accepts writes. It fails, with a message naming the journal and the reason,
 * while a log has not finished recovery or failed to open, after it was closed, while its last
 * group commit failed (an I/O error, a full disk), and while the file store of its directory has
 * less than {@code elasticq.management.journal-min-free-space} usable bytes.
 *
 * <p>After a failed group commit each call checks whether the log takes writes again ({@link
 * io.github.elasticq.persistence.wal.WriteAheadLog#checkWrites}: a repair if one is owed, one block
 * written to a temporary file and forced) and answers from what that finds, so a node that was
 * taken out of service, and so gets no writes, becomes ready once the disk has room again instead
 * of waiting for a write that never comes. A failed fsync of acknowledged records stays not ready
 * until the journal is restarted. No write check runs while the file system has not answered the
 * free-space query (a hung volume would hold it, and the check, past Management's timeout).
 *
 * <p>Registered under {@code pekko.management.health-checks.readiness-checks.elasticq-journal}.
 * Constructed once by Management; {@link #get} may run on several threads at once (concurrent calls
 * share one write check per log); it reads volatile state and asks the file system for the usable
 * space (one {@code statvfs}, on Pekko's blocking-I/O dispatcher: a volume that does not answer
 * within half a second fails the check with that reason instead of blocking the caller), plus the
 * write check while a write failure is reported.
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
    this(new JournalHealth(system));
  }

  JournalReadinessCheck(JournalHealth health) {
    this.health = health;
  }

  /**
   * Completes with {@code true} when every watched journal accepts writes; fails with a {@link
   * JournalNotReadyException} giving the reasons otherwise. Any thread.
   */
  @Override
  public CompletionStage<Boolean> get() {
    CompletableFuture<Boolean> composed;
    try {
      composed = health.notAcceptingWrites().thenCompose(this::answer);
    } catch (RuntimeException e) {
      return CompletableFuture.failedFuture(e);
    }
    // Management reports "failed: " + the exception's message: the JournalNotReadyException
    // itself, not the CompletionException that composing the stages wraps it in
    CompletableFuture<Boolean> answer = new CompletableFuture<>();
    composed.whenComplete(
        (ready, e) -> {
          if (e == null) {
            answer.complete(ready);
          } else {
            answer.completeExceptionally(unwrap(e));
          }
        });
    return answer;
  }

  private static Throwable unwrap(Throwable e) {
    Throwable t = e;
    while (t instanceof CompletionException && t.getCause() != null) {
      t = t.getCause();
    }
    return t;
  }

  private CompletableFuture<Boolean> answer(JournalHealth.NotAccepting found) {
    String problem = found.problem();
    if (problem == null) {
      return CompletableFuture.completedFuture(Boolean.TRUE);
    }
    // A volume that does not answer a free-space query would not answer a write check either: it
    // would hold the writer and this check past Management's timeout, without the reason.
    List<CompletableFuture<Void>> checks =
        found.spaceUnanswered() ? List.of() : health.checkFailedWrites();
    if (checks.isEmpty()) {
      return CompletableFuture.failedFuture(new JournalNotReadyException(problem));
    }
    // a failed check is reported by the log's write failure, read again once the checks are done
    return CompletableFuture.allOf(checks.toArray(new CompletableFuture<?>[0]))
        .handle((ignored, failedCheck) -> null)
        .thenCompose(ignored -> health.notAcceptingWrites())
        .thenCompose(again -> JournalNotReadyException.answer(again::problem));
  }
}
