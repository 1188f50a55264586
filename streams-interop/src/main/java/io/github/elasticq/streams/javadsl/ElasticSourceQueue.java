package io.github.elasticq.streams.javadsl;

import io.github.elasticq.queue.QueueStats;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.Done;
import org.apache.pekko.stream.QueueOfferResult;

/**
 * The materialized value of {@link ElasticSource#queue}: feeds one running stream from any number
 * of threads through an elastic, lock-free MPSC queue whose memory follows its occupancy.
 *
 * <p>Every method may be called from any thread. Actions of a thread before an {@code offer} that
 * returns {@link QueueOfferResult#enqueued()} happen-before the downstream stage receives that
 * element. Elements of one thread are emitted in the order that thread offered them.
 *
 * <p>Differences from Pekko's queues: {@link #offer} never allocates a promise and wakes the stream
 * only when the queue goes from empty to non-empty ({@code Source.queue(n)} does the same but
 * cannot wait for space); {@link #offerAsync} waits for space and always completes, also when the
 * stream completes, fails or is cancelled ({@code Source.queue(n, strategy)} futures can hang);
 * elements still queued when the stream stops are handed to the undelivered-element handler and
 * counted ({@link #undeliveredCount()}), never discarded silently.
 *
 * @param <T> element type; null is rejected
 */
public final class ElasticSourceQueue<T> {

  private final SourceQueueCore<T> core;

  ElasticSourceQueue(SourceQueueCore<T> core) {
    this.core = core;
  }

  /**
   * Inserts {@code element} without waiting; lock-free, any thread.
   *
   * @return {@link QueueOfferResult#enqueued()} if accepted (it is then emitted, or handed to the
   *     undelivered handler if the stream stops first); {@link QueueOfferResult#dropped()} if the
   *     queue holds {@code maxCapacity} elements, or while {@link #offerAsync} calls wait for space
   *     (the space the stream frees goes to them first, so a thread's waiting offer is never
   *     overtaken by its own later {@code offer}); {@link QueueOfferResult#closed()} after {@link
   *     #complete()} or once the stream stopped; {@code QueueOfferResult.Failure(cause)} after
   *     {@link #fail}
   * @throws NullPointerException if {@code element} is null
   */
  public QueueOfferResult offer(T element) {
    return core.offer(element, 0);
  }

  /**
   * Inserts {@code element}, waiting for space instead of dropping it. The result completes with
   * {@code enqueued} once the element is in the queue, or with {@code closed} (or {@code
   * Failure(cause)}) when the queue is completed, failed or the stream stops first: it always
   * completes. Waiting offers are admitted in FIFO order; if {@code maxConcurrentOffers} offers are
   * already waiting, the result fails at once with an {@link IllegalStateException}. Any thread;
   * the result may complete on the stream's thread, so keep dependent actions short or use the
   * {@code *Async} variants.
   *
   * @throws NullPointerException if {@code element} is null
   */
  public CompletionStage<QueueOfferResult> offerAsync(T element) {
    return core.offerAsync(element, 0);
  }

  /**
   * Stops accepting elements; the stream emits everything already queued, then completes, also when
   * downstream is not pulling (as Pekko's {@code Source.queue} does): {@link #watchCompletion()}
   * then completes without waiting for demand once nothing is left. Waiting offers complete with
   * {@code closed}. Idempotent; any thread.
   */
  public void complete() {
    core.complete();
  }

  /**
   * Fails the stream with {@code cause} at once; queued elements go to the undelivered handler,
   * waiting offers complete with {@code Failure(cause)}. Any thread.
   *
   * @throws NullPointerException if {@code cause} is null
   */
  public void fail(Throwable cause) {
    core.fail(cause);
  }

  /**
   * Completes with {@code Done} when the stream completed or was cancelled, or fails with the
   * stream's failure; by then every leftover element went to the undelivered handler and every
   * waiting offer was completed (an offer still running as the stream stopped hands its own element
   * over before it returns, possibly just after). Its callbacks run on the stream's thread or, when
   * a producer was handing leftovers over at that moment, on that producer's thread.
   */
  public CompletionStage<Done> watchCompletion() {
    return core.watchCompletion();
  }

  /** Elements queued now (not counting waiting offers); O(1), any thread. */
  public int size() {
    return core.buffer().size();
  }

  /** The queue's current logical capacity, between min and max capacity; any thread. */
  public int capacity() {
    return core.buffer().capacity();
  }

  /**
   * The queue's counters: {@code enqueued}, {@code dequeued} (emitted plus undelivered), {@code
   * rejected} (offers dropped: at max, or while offers wait for space), grows, shrinks, peak and
   * allocated slots. Any thread.
   */
  public QueueStats stats() {
    return core.stats();
  }

  /** Offers waiting for space now; any thread. */
  public int waitingOffers() {
    return core.waitingOffers();
  }

  /** Elements accepted but never emitted because the stream stopped first; any thread. */
  public long undeliveredCount() {
    return core.undeliveredCount();
  }

  /** Whether the queue refuses new offers (completed, failed or stopped); any thread. */
  public boolean isClosed() {
    return core.isClosed();
  }

  /** For tests in this package: the lock-free core. */
  SourceQueueCore<T> core() {
    return core;
  }

  @Override
  public String toString() {
    return "ElasticSourceQueue{size=" + size() + ", capacity=" + capacity() + "}";
  }
}
