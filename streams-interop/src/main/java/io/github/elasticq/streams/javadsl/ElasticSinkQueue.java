package io.github.elasticq.streams.javadsl;

import io.github.elasticq.queue.QueueStats;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;

/**
 * The materialized value of {@link ElasticSink#queue}: the elements that reached the sink, pulled
 * by any number of consumer threads. The sink buffers into an elastic {@link
 * io.github.elasticq.queue.ElasticBuffer} and backpressures the stream when it holds {@code
 * maxCapacity} elements (the element it took as the buffer filled waits for space beside them: one
 * more than {@code maxCapacity} has left the stream, and {@link #size()} does not count it); it
 * never drops one.
 *
 * <p>Every method may be called from any thread. The stage's actions before it buffers an element
 * happen-before the pull that returns it. Completion and failure reach every puller: pulls still
 * waiting when the stream ends complete at once, later pulls first drain what is buffered and then
 * see the end ({@code Optional.empty()} after completion or cancellation, the stream's failure
 * after a failure).
 *
 * <p>Differences from Pekko's {@code Sink.queue()}: any number of concurrent pulls (no {@code
 * maxConcurrentPulls} failure), a blocking {@link #poll(Duration)} and a batch {@link #pollBatch},
 * and a buffer whose memory follows its occupancy.
 *
 * @param <T> element type
 */
public final class ElasticSinkQueue<T> {

  private static final VarHandle CANCEL_ACTION;

  static {
    try {
      CANCEL_ACTION =
          MethodHandles.lookup()
              .findVarHandle(ElasticSinkQueue.class, "cancelActionDoNotTouch", Runnable.class);
    } catch (ReflectiveOperationException e) {
      throw new ExceptionInInitializerError(e);
    }
  }

  private final PendingTakes<T> takes;

  private volatile boolean cancelRequested;

  /** The stage's async callback, set in preStart; VarHandle only. */
  @SuppressWarnings("unused")
  private volatile Runnable cancelActionDoNotTouch;

  ElasticSinkQueue(PendingTakes<T> takes) {
    this.takes = takes;
  }

  /**
   * The next element: completes with it as soon as one is buffered, with {@code Optional.empty()}
   * once the stream completed (or was cancelled) and everything buffered was pulled, or fails with
   * the stream's failure once that failure is reached. Never blocks; any thread.
   */
  public CompletionStage<Optional<T>> pull() {
    return takes.take().minimalCompletionStage();
  }

  /**
   * Waits up to {@code timeout} for the next element. Empty if the time elapsed or the stream
   * completed and everything was pulled; a timed-out poll takes nothing.
   *
   * @throws CompletionException carrying the stream's failure, once it is reached
   * @throws InterruptedException if interrupted while waiting (then nothing is taken; if an element
   *     or the end was claimed for this poll as the interrupt came, the poll returns or throws as
   *     for it instead, with the interrupt status set)
   * @throws NullPointerException if {@code timeout} is null
   */
  public Optional<T> poll(Duration timeout) throws InterruptedException {
    return takes.poll(timeout);
  }

  /**
   * Up to {@code max} buffered elements, in order, without waiting (empty if none are buffered).
   *
   * @throws IllegalArgumentException if {@code max} is negative
   * @throws CompletionException carrying the stream's failure once it failed and was drained
   */
  public List<T> pollBatch(int max) {
    return takes.pollBatch(max);
  }

  /**
   * Cancels the stream (upstream sees a cancellation). Elements already buffered stay pullable;
   * afterwards pulls see {@code Optional.empty()}. Idempotent; any thread.
   */
  public void cancel() {
    cancelRequested = true;
    Runnable action = (Runnable) CANCEL_ACTION.getVolatile(this); // after the flag: Dekker
    if (action != null) {
      action.run();
    }
  }

  /** Whether the stream has ended and every buffered element was pulled. */
  public boolean isDrained() {
    return takes.isDrained();
  }

  /** Elements buffered now; any thread. */
  public int size() {
    return takes.buffer().size();
  }

  /** The buffer's current logical capacity; any thread. */
  public int capacity() {
    return takes.buffer().capacity();
  }

  /** The buffer's counters (a consistent snapshot); any thread. */
  public QueueStats stats() {
    return takes.buffer().stats();
  }

  /** Stage preStart: returns whether cancel() already ran (then the stage cancels itself). */
  boolean attach(Runnable cancelAction) {
    CANCEL_ACTION.setVolatile(this, cancelAction); // before reading the flag: Dekker with cancel
    return cancelRequested;
  }

  @Override
  public String toString() {
    return "ElasticSinkQueue{size=" + size() + ", capacity=" + capacity() + "}";
  }
}
