package io.github.elasticq.persistence.wal;

import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

/**
 * The futures that live queries park on: one set per persistence id (woken when that id gets an
 * append or delete) and one for "a new id appeared". The writer signals after it has indexed a
 * batch, so a waiter registered before a read can never miss the append that follows the read.
 */
final class AppendWaiters {
  private final ConcurrentHashMap<String, Set<CompletableFuture<Void>>> byId =
      new ConcurrentHashMap<>();

  /** Guarded by itself. */
  private final Set<CompletableFuture<Void>> newId = new HashSet<>();

  private final Supplier<IllegalStateException> closed;

  /** {@code closed} yields the failure for waiters of a closed log, or null while it is open. */
  AppendWaiters(Supplier<IllegalStateException> closed) {
    this.closed = closed;
  }

  CompletableFuture<Void> awaitAppend(String persistenceId) {
    CompletableFuture<Void> f = new CompletableFuture<>();
    byId.compute(
        persistenceId,
        (k, set) -> {
          Set<CompletableFuture<Void>> s = set == null ? new HashSet<>() : set;
          s.add(f);
          return s;
        });
    failIfClosed(f);
    return f;
  }

  void cancelAwait(String persistenceId, CompletableFuture<Void> waiter) {
    byId.computeIfPresent(
        persistenceId,
        (k, set) -> {
          set.remove(waiter);
          return set.isEmpty() ? null : set;
        });
  }

  CompletableFuture<Void> awaitNewPersistenceId() {
    CompletableFuture<Void> f = new CompletableFuture<>();
    synchronized (newId) {
      newId.add(f);
    }
    failIfClosed(f);
    return f;
  }

  void cancelAwaitNewPersistenceId(CompletableFuture<Void> waiter) {
    synchronized (newId) {
      newId.remove(waiter);
    }
  }

  /** Wakes the waiters of every id in {@code changed}, and of new ids if {@code newIds}. */
  void signal(Collection<String> changed, boolean newIds) {
    for (String pid : changed) {
      Set<CompletableFuture<Void>> ws = byId.remove(pid);
      if (ws != null) {
        for (CompletableFuture<Void> f : ws) {
          f.complete(null);
        }
      }
    }
    if (newIds) {
      for (CompletableFuture<Void> f : drainNewId()) {
        f.complete(null);
      }
    }
  }

  /** Fails every waiter with {@code e} (the log closed). */
  void failAll(IllegalStateException e) {
    for (String pid : List.copyOf(byId.keySet())) {
      Set<CompletableFuture<Void>> ws = byId.remove(pid);
      if (ws != null) {
        ws.forEach(f -> f.completeExceptionally(e));
      }
    }
    drainNewId().forEach(f -> f.completeExceptionally(e));
  }

  private List<CompletableFuture<Void>> drainNewId() {
    synchronized (newId) {
      List<CompletableFuture<Void>> ws = List.copyOf(newId);
      newId.clear();
      return ws;
    }
  }

  private void failIfClosed(CompletableFuture<Void> f) {
    IllegalStateException e = closed.get();
    if (e != null) {
      f.completeExceptionally(e);
    }
  }
}
