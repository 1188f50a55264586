package io.github.elasticq.streams.javadsl;

import io.github.elasticq.queue.ElasticBuffer;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * INTERNAL API: asynchronous takes from an {@link ElasticBuffer} that end when the producing side
 * ends, shared by {@link ElasticSinkQueue} and {@link BufferChannel}.
 *
 * <p>A take that finds an element completes at once. Otherwise it parks one {@code takeAsync} in
 * the buffer and is remembered in {@code pending}. {@link #end} marks the end, then cancels every
 * pending {@code takeAsync}: a cancel that wins withdraws the take (the buffer never hands it an
 * element, ElasticBuffer's claim protocol) and the take completes with the end outcome; a cancel
 * that loses means an element was already claimed for it, and the take completes with that element.
 * A take registered while {@code end} runs re-reads {@code ended} after it registered (registration
 * and the flag are both volatile: one of the two sides sees the other), so no take is left pending
 * after the end. Takes after the end poll the buffer first: receivers drain what is left, then see
 * the end.
 */
final class PendingTakes<T> {
  /** The longest timeout in nanoseconds a long holds; longer ones wait as long as this. */
  private static final Duration MAX_NANOS = Duration.ofNanos(Long.MAX_VALUE);

  private final ElasticBuffer<T> buffer;
  private final Set<CompletableFuture<T>> pending = ConcurrentHashMap.newKeySet();

  /** The end outcome; null while open. Written once. */
  private volatile End end;

  PendingTakes(ElasticBuffer<T> buffer) {
    this.buffer = buffer;
  }

  /** How the producing side ended: {@code failure} null means a normal end (empty results). */
  private static final class End {
    final Throwable failure;

    End(Throwable failure) {
      this.failure = failure;
    }
  }

  ElasticBuffer<T> buffer() {
    return buffer;
  }

  boolean isEnded() {
    return end != null;
  }

  /** Whether the producing side ended and nothing is left to take. */
  boolean isDrained() {
    return end != null && buffer.isEmpty();
  }

  /**
   * Marks the end (first call wins) and completes every pending take. {@code failure} null: takes
   * after the drain get {@code Optional.empty()}; otherwise they fail with it.
   */
  void end(Throwable failure) {
    synchronized (this) {
      if (end != null) {
        return;
      }
      end = new End(failure);
    }
    for (CompletableFuture<T> t : pending) {
      t.cancel(false);
    }
  }

  /** The next element, or empty / the failure once ended and drained. Any thread. */
  CompletableFuture<Optional<T>> take() {
    End e = end;
    if (e != null) {
      return afterEnd(e);
    }
    CompletableFuture<T> t = buffer.takeAsync();
    if (t.isDone() && !t.isCompletedExceptionally()) {
      return CompletableFuture.completedFuture(Optional.of(t.join()));
    }
    Take<T> result = new Take<>(t);
    pending.add(t);
    t.whenComplete(
        (element, ex) -> {
          pending.remove(t);
          if (ex == null) {
            // if handed by a send on this thread, completed once that send left the channel's guard
            SendScope.runOrHold(() -> result.complete(Optional.of(element)));
          } else if (result.claimForEnd()) {
            // cancelled by end(): the buffer gave it nothing; what is left is drained first
            afterEnd(end)
                .whenComplete(
                    (v, ex2) -> {
                      if (ex2 == null) {
                        result.complete(v);
                      } else {
                        result.completeExceptionally(unwrap(ex2));
                      }
                    });
          } else {
            result.completeExceptionally(ex); // withdrawn by a timed poll: nobody reads it
          }
        });
    if (end != null) {
      t.cancel(false); // end() may have iterated before we registered
    }
    return result;
  }

  /**
   * Blocks up to {@code timeout} for the next element. Empty on timeout or after a normal end;
   * throws {@link CompletionException} with the failure after a failed end. Interrupted (also
   * before the call) while nothing was claimed for it, it withdraws the take and throws {@link
   * InterruptedException}; if an element or the end was claimed for it at that moment, it returns
   * the element (or empty, or throws the failure) with the thread's interrupt status set again, as
   * a {@code BlockingQueue} does when the interrupt comes after the wake-up, rather than leave the
   * element with a take nobody reads.
   */
  Optional<T> poll(Duration timeout) throws InterruptedException {
    Objects.requireNonNull(timeout, "timeout");
    // Before the take: toNanos() overflows above ~292 years (ChronoUnit.FOREVER), and an exception
    // after take() would leave it registered, to swallow the next element.
    long nanos =
        timeout.compareTo(MAX_NANOS) >= 0 ? Long.MAX_VALUE : Math.max(0L, timeout.toNanos());
    CompletableFuture<Optional<T>> f = take();
    try {
      return f.get(nanos, TimeUnit.NANOSECONDS);
    } catch (TimeoutException te) {
      Optional<T> claimed = withdraw(f) ? null : claimedDespiteWithdraw(f);
      return claimed == null ? Optional.empty() : claimed; // null: nothing was claimed for it
    } catch (ExecutionException ee) {
      throw new CompletionException(ee.getCause());
    } catch (CancellationException failure) {
      // a stream failed with a CancellationException: get() throws it as such, not wrapped
      throw new CompletionException(failure);
    } catch (InterruptedException ie) {
      return interrupted(f, ie);
    }
  }

  /**
   * What a {@link #poll} whose wait on its take {@code f} was interrupted returns or throws: {@code
   * ie} if nothing was claimed for the take (it is withdrawn); otherwise what was claimed for it,
   * the element or the end (empty, or the failure thrown as {@link CompletionException}), with the
   * thread's interrupt status set again, since {@code get} cleared it and the poll then does not
   * throw {@link InterruptedException}.
   */
  Optional<T> interrupted(CompletableFuture<Optional<T>> f, InterruptedException ie)
      throws InterruptedException {
    if (withdraw(f)) {
      throw ie; // nothing was claimed for it
    }
    Optional<T> claimed;
    try {
      claimed = claimedDespiteWithdraw(f);
    } catch (RuntimeException failure) {
      Thread.currentThread().interrupt(); // the failure was claimed for it: reported, not lost
      throw failure;
    }
    if (claimed == null) {
      throw ie; // end() cancelled it at that moment: nothing was claimed for it
    }
    Thread.currentThread().interrupt();
    return claimed; // an element (or the end) was claimed for it: returned, not lost
  }

  /**
   * The outcome of a take whose withdrawal failed: the element or end outcome claimed for it (a
   * failure thrown as {@link CompletionException}), or null if {@link #end} cancelled it at the
   * same moment (the cancellation wins the buffer's claim, the withdrawal wins the take's state,
   * and the take completes with that cancellation: nothing was claimed for it). A stream failure
   * that is itself a {@link CancellationException} is told from that cancellation by identity.
   */
  private Optional<T> claimedDespiteWithdraw(CompletableFuture<Optional<T>> f) {
    try {
      return f.join();
    } catch (CancellationException c) {
      End e = end;
      if (e != null && e.failure == c) {
        throw new CompletionException(c); // the failure was claimed for it: join throws it bare
      }
      return null;
    }
  }

  /**
   * Gives up a take returned by {@link #take()}: true if it was withdrawn before an element was
   * claimed for it (nothing taken); false if it completed or will complete with an element or the
   * end outcome, which the caller must then handle.
   */
  boolean withdraw(CompletableFuture<Optional<T>> f) {
    if (f instanceof Take) {
      Take<T> t = (Take<T>) f;
      return t.withdraw() && t.take.cancel(false);
    }
    return false;
  }

  /** Up to {@code max} elements at once; after a failed end and drain, throws the failure. */
  List<T> pollBatch(int max) {
    List<T> batch = buffer.pollBatch(max);
    End e = end;
    if (batch.isEmpty() && max > 0 && e != null && e.failure != null && buffer.isEmpty()) {
      throw new CompletionException(e.failure);
    }
    return batch;
  }

  private CompletableFuture<Optional<T>> afterEnd(End e) {
    T element = buffer.poll();
    if (element != null) {
      return CompletableFuture.completedFuture(Optional.of(element));
    }
    if (e.failure == null) {
      return CompletableFuture.completedFuture(Optional.empty());
    }
    return CompletableFuture.failedFuture(e.failure);
  }

  private static Throwable unwrap(Throwable t) {
    return t instanceof CompletionException && t.getCause() != null ? t.getCause() : t;
  }

  /** A pending take: the result, and the buffer's takeAsync it waits on. */
  private static final class Take<T> extends CompletableFuture<Optional<T>> {
    private static final int OPEN = 0;
    private static final int WITHDRAWN = 1;
    private static final int ENDED = 2;

    final CompletableFuture<T> take;
    private final AtomicInteger state = new AtomicInteger(OPEN);

    Take(CompletableFuture<T> take) {
      this.take = take;
    }

    /** A timed poll gives up: a later cancellation must not take an element for it. */
    boolean withdraw() {
      return state.compareAndSet(OPEN, WITHDRAWN);
    }

    /** end() cancelled it: it receives the end outcome (after draining what is left). */
    boolean claimForEnd() {
      return state.compareAndSet(OPEN, ENDED);
    }
  }
}
