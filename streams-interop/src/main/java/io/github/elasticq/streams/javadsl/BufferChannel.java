package io.github.elasticq.streams.javadsl;

import io.github.elasticq.queue.ElasticBuffer;
import io.github.elasticq.queue.QueueConfig;
import io.github.elasticq.queue.QueueStats;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.pekko.Done;
import org.apache.pekko.NotUsed;
import org.apache.pekko.stream.javadsl.Sink;
import org.apache.pekko.stream.javadsl.Source;

/**
 * A bounded, elastic channel between any number of senders and receivers, inside or outside
 * streams: an {@link ElasticBuffer} with a close protocol and stream views ({@link #asSource()},
 * {@link #asSink()}).
 *
 * <pre>{@code
 * BufferChannel<String> ch = BufferChannel.create(QueueConfig.defaults());
 * ch.send("a");                          // CompletionStage<Void>: waits for space
 * ch.trySend("b");                       // false when full or closed
 * ch.receive();                          // CompletionStage<String>
 * ch.receive(Duration.ofSeconds(1));     // Optional<String>, empty on timeout
 * ch.close();                            // receivers drain what is left, then see it closed
 * ch.asSource().runWith(Sink.foreach(System.out::println), system);
 * }</pre>
 *
 * <p><b>Threads and ordering.</b> Every method may be called from any thread, also from a callback
 * of a send's or receive's result (a receive callback may close the channel or receive again).
 * Sending an element happens-before the receive that returns it; elements of one sender are
 * received in the order that sender's sends were accepted (waiting sends are admitted in FIFO
 * order). A receive that waits and is handed an element by a send completes on the sender's thread
 * at the end of that send, after the send left the channel's close guard.
 *
 * <p><b>Close.</b> After {@link #close()}: sends are refused ({@link ChannelClosedException});
 * sends still waiting for space fail with it and their elements are not inserted; receivers get
 * every element already in the channel, then {@link ChannelClosedException}. A send racing {@code
 * close} is either refused or accepted into the channel (and then received by a later receive),
 * never both.
 *
 * @param <T> element type; null is rejected
 */
public final class BufferChannel<T> {

  private static final int CLOSED = 1;
  private static final int IN_FLIGHT = 2;
  private static final CompletionStage<Void> SENT = CompletableFuture.completedStage(null);

  private final ElasticBuffer<T> buffer;
  private final PendingTakes<T> takes;
  private final Set<CompletableFuture<Void>> pendingSends = ConcurrentHashMap.newKeySet();

  /** What each running {@link #asSource()} stage does when the channel closes (see close()). */
  private final Set<Runnable> closeListeners = ConcurrentHashMap.newKeySet();

  /**
   * CLOSED (bit 0) plus twice the number of sends between their closed check and the end of their
   * insert. {@link #close()} sets CLOSED (its linearization point), waits for the count to reach
   * zero, then withdraws waiting sends and ends the receivers: so a send that saw the channel open
   * has inserted (or parked) its element before any receiver can see the channel closed, and a
   * receiver that finds CLOSED waits for that end before it reports the channel closed.
   */
  private final AtomicInteger guard = new AtomicInteger();

  private BufferChannel(QueueConfig config) {
    this.buffer = new ElasticBuffer<>(config);
    this.takes = new PendingTakes<>(buffer);
  }

  /**
   * A channel sized by {@code config}.
   *
   * @throws NullPointerException if {@code config} is null
   */
  public static <T> BufferChannel<T> create(QueueConfig config) {
    return new BufferChannel<>(Objects.requireNonNull(config, "config"));
  }

  /**
   * Sends {@code element}, waiting (without blocking a thread) while the channel is full. The
   * result completes once the element is in the channel, or fails with {@link
   * ChannelClosedException} if the channel is closed first (the element is then not inserted).
   *
   * @throws NullPointerException if {@code element} is null
   */
  public CompletionStage<Void> send(T element) {
    Objects.requireNonNull(element, "element");
    SendScope scope = SendScope.enter(); // before the guard: exit() must follow any enterSend()
    try {
      return sendInScope(element);
    } finally {
      scope.exit(); // a receive handed the element completes only now, outside the guard
    }
  }

  private CompletionStage<Void> sendInScope(T element) {
    if (!enterSend()) {
      return CompletableFuture.failedStage(closedOnSend());
    }
    try {
      CompletableFuture<Void> put = buffer.putAsync(element);
      if (put.isDone()) {
        return SENT;
      }
      CompletableFuture<Void> result = new CompletableFuture<>();
      pendingSends.add(put); // before exitSend: close() sees it once the count is zero
      put.whenComplete(
          (v, ex) -> {
            pendingSends.remove(put);
            if (ex == null) {
              result.complete(null);
            } else {
              result.completeExceptionally(closedOnSend());
            }
          });
      return result.minimalCompletionStage();
    } finally {
      exitSend();
    }
  }

  /**
   * Sends {@code element} if there is room now.
   *
   * @return false if the channel is full (at {@code maxCapacity}) or closed
   * @throws NullPointerException if {@code element} is null
   */
  public boolean trySend(T element) {
    Objects.requireNonNull(element, "element");
    SendScope scope = SendScope.enter(); // before the guard: exit() must follow any enterSend()
    try {
      if (!enterSend()) {
        return false;
      }
      try {
        return buffer.offer(element);
      } finally {
        exitSend();
      }
    } finally {
      scope.exit(); // a receive handed the element completes only now, outside the guard
    }
  }

  /**
   * The next element: at once if one is there, else when one is sent. Once the channel is closed
   * and drained, fails with {@link ChannelClosedException}. Never blocks a thread.
   */
  public CompletionStage<T> receive() {
    awaitEndIfClosed();
    return takes.take().thenApply(Optional::get).minimalCompletionStage();
  }

  /**
   * Waits up to {@code timeout} for the next element; empty if the time elapsed (a timed-out
   * receive takes nothing).
   *
   * @throws ChannelClosedException once the channel is closed and drained
   * @throws InterruptedException if interrupted while waiting (nothing is taken; if an element or
   *     the close was claimed for this receive as the interrupt came, the receive returns or throws
   *     as for it instead, with the interrupt status set)
   * @throws NullPointerException if {@code timeout} is null
   */
  public Optional<T> receive(Duration timeout) throws InterruptedException {
    awaitEndIfClosed();
    try {
      return takes.poll(timeout);
    } catch (CompletionException e) {
      if (e.getCause() instanceof ChannelClosedException) {
        throw (ChannelClosedException) e.getCause();
      }
      throw e;
    }
  }

  /**
   * Closes the channel: no new sends; waiting sends fail; receivers drain what is left, then see
   * {@link ChannelClosedException}. Idempotent.
   */
  public void close() {
    int g;
    do {
      g = guard.get();
    } while ((g & CLOSED) == 0 && !guard.compareAndSet(g, g | CLOSED));
    while (guard.get() != CLOSED) {
      Thread.onSpinWait(); // sends that saw the channel open finish their insert (no blocking)
    }
    // The receivers' end first: a failing send's callback may receive, and a receive on a closed
    // channel waits for this end. Safe before the sends fail: waiting sends exist only while the
    // channel is full, so no receiver can see it drained while one of them is still waiting.
    takes.end(new ChannelClosedException("BufferChannel is closed and drained"));
    for (CompletableFuture<Void> put : pendingSends) {
      put.cancel(false); // withdrawn unless a receiver made room and admitted it first
    }
    for (Runnable listener : closeListeners) {
      listener.run(); // a source stage without demand completes now if nothing is left
    }
  }

  /**
   * Runs {@code listener} once the channel is closed (at once if it is); {@link
   * #removeCloseListener} forgets it. For {@link ChannelSourceStage}: an async callback.
   */
  void addCloseListener(Runnable listener) {
    closeListeners.add(listener);
    if (isClosed()) {
      listener.run(); // close() may have run its listeners before we were added: one of us sees it
    }
  }

  void removeCloseListener(Runnable listener) {
    closeListeners.remove(listener);
  }

  /** Whether {@link #close()} was called. */
  public boolean isClosed() {
    return (guard.get() & CLOSED) != 0;
  }

  private boolean enterSend() {
    int g;
    do {
      g = guard.get();
      if ((g & CLOSED) != 0) {
        return false;
      }
    } while (!guard.compareAndSet(g, g + IN_FLIGHT));
    return true;
  }

  private void exitSend() {
    guard.addAndGet(-IN_FLIGHT);
  }

  /** A receiver that sees CLOSED waits until close() ended the takes (in-flight sends landed). */
  void awaitEndIfClosed() {
    if ((guard.get() & CLOSED) != 0) {
      while (!takes.isEnded()) {
        Thread.onSpinWait();
      }
    }
  }

  /** Elements in the channel now; any thread. */
  public int size() {
    return buffer.size();
  }

  /** The channel's current logical capacity; any thread. */
  public int capacity() {
    return buffer.capacity();
  }

  /** The buffer's counters (a consistent snapshot); any thread. */
  public QueueStats stats() {
    return buffer.stats();
  }

  /**
   * A source that receives from this channel and completes when the channel is closed and drained,
   * also while downstream is not pulling: at the close if nothing is left, else right after it
   * emits the last element (a materialization that emitted none of what was left completes at its
   * next pull). It can be materialized many times; the materializations compete for elements (each
   * element is emitted by one of them). When the stream is cancelled while a receive is in flight
   * and an element was already claimed for it, that element is sent back to the channel (at the
   * tail): nothing is lost. If the channel was closed and drained before that (the other receivers
   * already saw it closed), the element still goes back: {@link #size()} counts it and a later
   * receive returns it.
   */
  public Source<T, NotUsed> asSource() {
    return Source.fromGraph(new ChannelSourceStage<>(this, takes, buffer));
  }

  /**
   * A sink that sends every element to this channel, backpressuring while the channel is full; its
   * materialized value completes when the stream completes. The sink fails with {@link
   * ChannelClosedException} if the channel is closed. Completing the stream does not close the
   * channel (other senders may remain).
   */
  public Sink<T, CompletionStage<Done>> asSink() {
    return Sink.<T>foreachAsync(1, this::send);
  }

  private static ChannelClosedException closedOnSend() {
    return new ChannelClosedException("BufferChannel is closed: send refused");
  }

  @Override
  public String toString() {
    return "BufferChannel{size=" + size() + ", closed=" + isClosed() + "}";
  }
}
