package io.github.elasticq.streams.javadsl;

import io.github.elasticq.queue.QueueStats;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Consumer;
import org.apache.pekko.Done;
import org.apache.pekko.stream.QueueOfferResult;

/*
 * Implementation notes
 *
 * What it is. The thread-safe half of a source queue, with no Pekko stage in it, so that Lincheck
 * can drive producers against the stage's pull-and-park step directly (SourceQueueCoreLincheckTest).
 * SourceQueueStage owns one and calls the stage-side methods (pollOrPark, afterEmit, attach,
 * terminate) from the stage's own thread only; producers call offer, offerAsync, complete and fail
 * from any thread.
 *
 * Waking the stage (the BoundedSourceQueueStage idea, Pekko stream/impl/BoundedSourceQueue.scala).
 * One int, `state`, holds PARKED (the stage found the queue empty with demand pending and waits for
 * a wake-up), CLOSED (no new offers: complete, fail or the stage stopped) and TERMINATED (the stage
 * stopped: nothing is emitted any more, leftovers go to the undelivered handler). A producer pays,
 * per element, the queue's own claim CAS plus two volatile reads of `state` (one before the insert,
 * for CLOSED; one after, for PARKED / TERMINATED). Only the producer that clears PARKED with a CAS
 * invokes the stage's async callback, so the stage receives one callback per empty -> non-empty
 * transition it waited for, never one per element.
 *
 * No lost wake-up (a Dekker pair on two locations). The stage parks as: poll -> null; CAS PARKED
 * into state; full fence; poll again. A producer inserts (its claim is a volatile CAS on the
 * queue's producer index) and then reads state with a volatile read. Either the producer's read of
 * state comes after the stage's PARKED CAS in the synchronization order -- it sees PARKED, clears it
 * and wakes the stage -- or it comes before; then the producer's claim preceded the stage's CAS, and
 * the stage's second poll, ordered after its CAS by the fence, sees the claimed index (and waits out
 * a producer between its claim and its store, as ElasticMpscQueue.poll does). Both may happen: the
 * stage then clears PARKED itself, or finds it already cleared and gets a spurious wake-up, which it
 * ignores. There is no third case, so an element never sits in the queue while the stage is parked
 * without a wake-up on its way (checked by SourceQueueCoreLincheckTest.noLostWakeUp and by
 * ElasticSourceTest.offer_wakesParkedStage_repeated).
 *
 * Completion. complete() sets CLOSED; the stage completes only when a poll made after its read of
 * CLOSED returns null. An offer that returned before complete() was called inserted before the
 * CLOSED CAS, so that poll sees it: such an element is always emitted, never handed to the
 * undelivered handler (SourceQueueCoreTest). The stage ends on drained(), which only that poll
 * sets, never on isClosed() after a null: a null that parked can be followed by an offer and a
 * close whose wake-up is still on its way. (Both mistakes were made once, and lost such an element
 * to the handler.)
 *
 * Offers racing termination. An offer that read state before CLOSED was set may insert after the
 * stage emitted its last element. The stage sets TERMINATED (CAS, then a full fence) and drains the
 * queue into the undelivered handler; the producer, after its insert, reads state and, if it sees
 * TERMINATED, drains too. The same Dekker argument shows that at least one of them sees the element;
 * the drain is serialized by a work-in-progress counter (drainWip: whoever raises it from 0 drains,
 * the others only make it loop again), so the queue keeps exactly one consumer at a time and every
 * accepted element is either emitted or handed to the handler and counted, exactly once. The
 * completion future waits for the drain and serve passes in progress (completeIfSettled), so when
 * it completes the leftovers were handed over even if a producer's pass did it. An offer that read
 * state before CLOSED and inserts after that can still drain its own element after the completion
 * (counted, before that offer returns): closing that gap would cost every offer a counter.
 *
 * Waiting offers (offerAsync). At max, an offerAsync becomes a Waiter in its level's FIFO (one FIFO
 * per level of a QoS buffer, one in all for an elastic buffer: the levels' capacities are
 * independent, so a waiting offer must not wait behind another level's, a priority inversion the
 * single FIFO once had); at most maxConcurrentOffers of them exist in all (waiterCount), beyond
 * which the call fails at once. Waiters are
 * moved into the queue by serveWaiters, serialized by serveWip the same way, and run by whichever
 * thread may have made progress possible: the stage after each emitted element and before it parks,
 * the registering producer right after it enqueued its waiter (room may have appeared meanwhile, or
 * the queue may have been closed), and every closing path. When state has CLOSED, serveWaiters
 * completes every waiter with QueueClosed (or Failure(cause) after fail), so a waiter can never be
 * stranded: the closer runs serveWaiters after its CAS, the registrant runs it after its enqueue,
 * and one of the two sees the other (Dekker again, the waiter FIFO's CAS against the state CAS).
 * While a level has waiters, a new offerAsync at that level queues behind them and a plain offer
 * there is dropped (the space the stage frees is theirs), so one producer's elements to a level
 * keep their order even when it falls back to offerAsync. The futures complete on the thread that
 * served them (a producer, or the stream's dispatcher): dependent actions should be short or
 * asynchronous.
 */

/**
 * INTERNAL API: the lock-free part of {@link ElasticSourceQueue} and {@link QosSourceQueue}: the
 * elastic queue, the park / wake-up protocol with the stage, waiting offers, termination and the
 * undelivered-element accounting. See the implementation notes in the source.
 */
final class SourceQueueCore<T> {

  static final int PARKED = 1;
  static final int CLOSED = 2;
  static final int TERMINATED = 4;

  private static final VarHandle STATE;
  private static final VarHandle WAKE_UP;
  private static final VarHandle FAILURE;
  private static final VarHandle WAITER_COUNT;
  private static final VarHandle SERVE_WIP;
  private static final VarHandle DRAIN_WIP;
  private static final VarHandle UNDELIVERED;

  static {
    try {
      MethodHandles.Lookup l = MethodHandles.lookup();
      STATE = l.findVarHandle(SourceQueueCore.class, "stateDoNotTouch", int.class);
      WAKE_UP = l.findVarHandle(SourceQueueCore.class, "wakeUpDoNotTouch", Runnable.class);
      FAILURE = l.findVarHandle(SourceQueueCore.class, "failureDoNotTouch", Throwable.class);
      WAITER_COUNT = l.findVarHandle(SourceQueueCore.class, "waiterCountDoNotTouch", int.class);
      SERVE_WIP = l.findVarHandle(SourceQueueCore.class, "serveWipDoNotTouch", int.class);
      DRAIN_WIP = l.findVarHandle(SourceQueueCore.class, "drainWipDoNotTouch", int.class);
      UNDELIVERED = l.findVarHandle(SourceQueueCore.class, "undeliveredDoNotTouch", long.class);
    } catch (ReflectiveOperationException e) {
      throw new ExceptionInInitializerError(e);
    }
  }

  private static final CompletionStage<QueueOfferResult> ENQUEUED_STAGE =
      CompletableFuture.completedStage(QueueOfferResult.enqueued());
  private static final CompletionStage<QueueOfferResult> CLOSED_STAGE =
      CompletableFuture.completedStage(QueueOfferResult.closed());

  private final SourceBuffer<T> buffer;
  private final int maxConcurrentOffers;
  private final Consumer<? super T> undeliveredHandler;

  /** One FIFO of waiting offers per level (index 0 for an elastic buffer, which has no levels). */
  private final ConcurrentLinkedQueue<Waiter<T>>[] waiters;

  /** Plain offers dropped because offers waited at their level (the buffer counts the others). */
  private final LongAdder refusedForWaiters = new LongAdder();

  /**
   * Inserts of waiting offers (offerAsync's first try, a serve pass) that failed because the level
   * filled between the room check and the insert: the buffer counted each as a rejection, but the
   * offer was not dropped (it waits, or waits on), so stats() takes them off again.
   */
  private final LongAdder failedWaitingInserts = new LongAdder();

  private final CompletableFuture<Done> completion = new CompletableFuture<>();
  private final CompletionStage<Done> completionView = completion.minimalCompletionStage();

  /** Test seam: false skips the re-poll after parking (the negative control's lost wake-up). */
  private final boolean recheckAfterPark;

  /**
   * Stage thread only, set once: a {@link #pollOrPark} returned null because the queue is closed
   * and holds nothing offered before the close; the stage completes (see {@link #drained()}).
   */
  private boolean drained;

  /** PARKED | CLOSED | TERMINATED; VarHandle only. */
  @SuppressWarnings("unused")
  private volatile int stateDoNotTouch;

  /** The stage's async callback, set in preStart; VarHandle only. */
  @SuppressWarnings("unused")
  private volatile Runnable wakeUpDoNotTouch;

  /** The cause given to fail, set once before CLOSED; VarHandle only. */
  @SuppressWarnings("unused")
  private volatile Throwable failureDoNotTouch;

  @SuppressWarnings("unused")
  private volatile int waiterCountDoNotTouch;

  @SuppressWarnings("unused")
  private volatile int serveWipDoNotTouch;

  @SuppressWarnings("unused")
  private volatile int drainWipDoNotTouch;

  @SuppressWarnings("unused")
  private volatile long undeliveredDoNotTouch;

  /**
   * @param undeliveredHandler receives each element still queued when the stream stops; may be null
   */
  SourceQueueCore(
      SourceBuffer<T> buffer, int maxConcurrentOffers, Consumer<? super T> undeliveredHandler) {
    this(buffer, maxConcurrentOffers, undeliveredHandler, true);
  }

  /** Test seam: {@code recheckAfterPark} false breaks the wake-up protocol on purpose. */
  SourceQueueCore(
      SourceBuffer<T> buffer,
      int maxConcurrentOffers,
      Consumer<? super T> undeliveredHandler,
      boolean recheckAfterPark) {
    this.recheckAfterPark = recheckAfterPark;
    this.buffer = buffer;
    this.maxConcurrentOffers = checkMaxConcurrentOffers(maxConcurrentOffers);
    this.undeliveredHandler = undeliveredHandler;
    @SuppressWarnings({"unchecked", "rawtypes"}) // no generic array creation in Java
    ConcurrentLinkedQueue<Waiter<T>>[] fifos = new ConcurrentLinkedQueue[buffer.levels()];
    for (int i = 0; i < fifos.length; i++) {
      fifos[i] = new ConcurrentLinkedQueue<>();
    }
    this.waiters = fifos;
  }

  static int checkMaxConcurrentOffers(int maxConcurrentOffers) {
    if (maxConcurrentOffers < 1) {
      throw new IllegalArgumentException(
          "maxConcurrentOffers must be >= 1, was " + maxConcurrentOffers);
    }
    return maxConcurrentOffers;
  }

  // ------------------------------------------------------------------ producers (any thread)

  QueueOfferResult offer(T element, int level) {
    Objects.requireNonNull(element, "element");
    if ((stateVolatile() & CLOSED) != 0) {
      return closedResult();
    }
    // Refused while offers wait at this level: the slot the stage frees is theirs, and this
    // thread's own waiting offer must not be overtaken by its later element (the waiter's insert
    // comes before its removal from the FIFO, so an empty FIFO means it is in the queue already).
    if (waiterCountVolatile() != 0 && !fifoOf(level).isEmpty()) {
      refusedForWaiters.increment();
      return QueueOfferResult.dropped();
    }
    if (!buffer.offer(element, level)) {
      return QueueOfferResult.dropped(); // counted by the buffer
    }
    afterInsert();
    return QueueOfferResult.enqueued();
  }

  /** After a successful insert: wake a parked stage, or drain if the stage has stopped. */
  private void afterInsert() {
    int s = stateVolatile(); // after the insert's claim CAS: the producer half of the Dekker pair
    if ((s & (PARKED | TERMINATED)) != 0) {
      if ((s & PARKED) != 0) {
        unpark();
      }
      if ((s & TERMINATED) != 0) {
        drainUndelivered();
      }
    }
  }

  /** Clears PARKED; the one thread whose CAS clears it invokes the stage's callback. */
  private void unpark() {
    int s;
    while (((s = stateVolatile()) & PARKED) != 0) {
      if (casState(s, s & ~PARKED)) {
        wake();
        return;
      }
    }
  }

  private void wake() {
    Runnable w = (Runnable) WAKE_UP.getVolatile(this);
    if (w != null) {
      w.run();
    }
  }

  CompletionStage<QueueOfferResult> offerAsync(T element, int level) {
    Objects.requireNonNull(element, "element");
    if ((stateVolatile() & CLOSED) != 0) {
      return closedStage();
    }
    // Queue behind the level's waiters (keeps one producer's waiting offers in order); the size
    // check keeps a full queue's rejected counter for real drops.
    ConcurrentLinkedQueue<Waiter<T>> fifo = fifoOf(level);
    if ((waiterCountVolatile() == 0 || fifo.isEmpty()) && buffer.hasRoom(level)) {
      if (buffer.offer(element, level)) {
        afterInsert();
        return ENQUEUED_STAGE;
      }
      failedWaitingInserts.increment(); // not dropped: it waits (the buffer counted a rejection)
    }
    if ((int) WAITER_COUNT.getAndAdd(this, 1) >= maxConcurrentOffers) {
      WAITER_COUNT.getAndAdd(this, -1);
      return CompletableFuture.failedStage(
          new IllegalStateException(
              "offerAsync: more than maxConcurrentOffers ("
                  + maxConcurrentOffers
                  + ") offers are already waiting for space"));
    }
    Waiter<T> waiter = new Waiter<>(element, level);
    fifo.add(waiter);
    serveWaiters(); // room may have appeared, or the queue closed, since the check above
    return waiter.result.minimalCompletionStage();
  }

  /** The FIFO of waiting offers at {@code level} (the only one of an elastic buffer). */
  private ConcurrentLinkedQueue<Waiter<T>> fifoOf(int level) {
    return waiters[waiters.length == 1 ? 0 : level];
  }

  /**
   * Moves waiting offers into the queue while their level has room, or completes them all once
   * CLOSED. Any thread; serialized by serveWip (one server at a time, the others make it loop
   * again).
   */
  void serveWaiters() {
    if ((int) SERVE_WIP.getAndAdd(this, 1) != 0) {
      return;
    }
    int missed = 1;
    while (true) {
      for (int i = waiters.length - 1; i >= 0; i--) { // the highest level first
        serveLevel(waiters[i]);
      }
      missed = (int) SERVE_WIP.getAndAdd(this, -missed) - missed;
      if (missed == 0) {
        completeIfSettled();
        return;
      }
    }
  }

  /** One level's FIFO, in order, while its level has room; serveWaiters' pass only. */
  private void serveLevel(ConcurrentLinkedQueue<Waiter<T>> fifo) {
    Waiter<T> w;
    while ((w = fifo.peek()) != null) {
      if ((stateVolatile() & CLOSED) == 0) {
        if (!buffer.hasRoom(w.level)) {
          return; // full: the stage's next emitted element serves it
        }
        if (!buffer.offer(w.element, w.level)) {
          failedWaitingInserts.increment(); // filled meanwhile: it waits on, not dropped
          return;
        }
        fifo.poll();
        WAITER_COUNT.getAndAdd(this, -1);
        afterInsert();
        w.result.complete(QueueOfferResult.enqueued());
      } else {
        fifo.poll();
        WAITER_COUNT.getAndAdd(this, -1);
        w.result.complete(closedResult());
      }
    }
  }

  /** Stops accepting offers; the stage emits what is queued, then completes. Any thread. */
  void complete() {
    int s;
    while (((s = stateVolatile()) & CLOSED) == 0) {
      if (casState(s, (s | CLOSED) & ~PARKED)) {
        // Always, as fail does: a parked stage polls and completes; a stage without demand checks
        // closedAndEmpty and completes if nothing is left, rather than wait for its next pull.
        wake();
        break;
      }
    }
    serveWaiters();
  }

  /** Fails the stream at once (queued elements go to the undelivered handler). Any thread. */
  void fail(Throwable cause) {
    Objects.requireNonNull(cause, "cause");
    int s;
    while (((s = stateVolatile()) & TERMINATED) == 0) {
      FAILURE.compareAndSet(this, null, cause); // first cause wins; written before CLOSED
      if (casState(s, (s | CLOSED) & ~PARKED)) {
        wake(); // always: a busy stage must fail now, not after draining the queue
        break;
      }
    }
    serveWaiters();
  }

  // ------------------------------------------------------------------ the stage's thread

  /**
   * Stage preStart: installs the wake-up action. Returns after making it visible; the stage then
   * checks {@link #failure()} (a fail that ran before this call found no callback to invoke).
   */
  void attach(Runnable wakeUp) {
    WAKE_UP.setVolatile(this, wakeUp); // before the stage reads the failure: Dekker with fail
  }

  /**
   * Stage thread, with demand pending: the next element, or null. After null the stage is either
   * parked (a producer will invoke the wake-up once it inserts) or the queue is CLOSED and empty of
   * every element whose offer returned before {@link #complete} was called (an offer racing
   * complete may still insert later: terminate hands it to the undelivered handler).
   */
  T pollOrPark() {
    T e = buffer.poll();
    if (e != null) {
      return e;
    }
    int s;
    do {
      s = stateVolatile();
      if ((s & CLOSED) != 0) {
        // The poll above ran before this read: an offer that returned before complete() may have
        // inserted in between. CLOSED, read now, makes it visible: poll again, or it would be
        // handed to the undelivered handler instead of emitted (ElasticSourceTest, CI).
        e = buffer.poll();
        if (e == null) {
          drained = true; // for good: nothing offered before the close is left
        }
        return e;
      }
    } while (!casState(s, s | PARKED));
    VarHandle.fullFence(); // PARKED visible before the re-check reads the producer index
    if (!recheckAfterPark) {
      return null;
    }
    if (waiterCountVolatile() != 0) {
      serveWaiters(); // a waiter that registered while we freed the last slots
    }
    e = buffer.poll();
    if (e != null) {
      clearParked(); // if a producer cleared it first, its wake-up arrives and is ignored
    }
    return e;
  }

  /**
   * Stage thread: whether a {@link #pollOrPark} has returned null because the queue is CLOSED and
   * empty, so the stage completes (or fails, after {@link #fail}). A null that parked is not
   * drained even if CLOSED is set by now: a producer may have inserted and then closed after the
   * park, and its wake-up is on its way; the stage polls again when it arrives.
   */
  boolean drained() {
    return drained;
  }

  /**
   * Stage thread, while it has no demand (woken by {@link #complete}, or after pushing an element):
   * whether the queue is CLOSED and holds nothing offered before the close, as {@link #pollOrPark}
   * finds it when it returns null; then {@link #drained()} is true and the stage completes without
   * waiting for a pull that may never come (a downstream that stopped pulling, a slow branch of a
   * broadcast). CLOSED is read before the emptiness check, which counts claimed indexes: an element
   * whose offer returned before {@code complete()} was called counts as held.
   */
  boolean closedAndEmpty() {
    if (!drained && (stateVolatile() & CLOSED) != 0 && buffer.isEmpty()) {
      drained = true;
    }
    return drained;
  }

  private void clearParked() {
    int s;
    while (((s = stateVolatile()) & PARKED) != 0 && !casState(s, s & ~PARKED)) {
      Thread.onSpinWait();
    }
  }

  /** Stage thread, after each emitted element: a slot is free, let a waiting offer in. */
  void afterEmit() {
    if (waiterCountVolatile() != 0) {
      serveWaiters();
    }
  }

  /**
   * Stage postStop: no more emission. Drains what is left into the undelivered handler, completes
   * every waiting offer, and completes the completion future ({@code cause} null: completed or
   * cancelled) here or, if a producer's drain or serve pass is still running, at the end of that
   * pass (on the producer's thread).
   */
  void terminate(Throwable cause) {
    if (cause != null) {
      // before CLOSED, as in fail: an offer that sees CLOSED then reads the cause, not "closed"
      FAILURE.compareAndSet(this, null, cause);
    }
    int s;
    do {
      s = stateVolatile();
    } while (!casState(s, (s | CLOSED | TERMINATED) & ~PARKED));
    VarHandle.fullFence(); // TERMINATED visible before the drain reads the producer index
    Error fatal = null;
    try {
      drainUndelivered();
    } catch (Error handlerError) { // the drain finished; the waiters and the future come first
      fatal = handlerError;
    }
    serveWaiters();
    outcome = cause == null ? NORMAL : cause;
    completeIfSettled();
    if (fatal != null) {
      throw fatal;
    }
  }

  /** {@link #outcome} of a normal end. */
  private static final Object NORMAL = new Object();

  /**
   * Null until {@link #terminate} has run its own drain and serve passes, then {@link #NORMAL} or
   * the cause the completion future fails with.
   */
  private volatile Object outcome;

  /**
   * Completes the completion future once {@link #terminate} ran its passes and no drain or serve
   * pass is running: terminate's own passes return at once when a producer's pass holds drainWip or
   * serveWip, and that producer hands the leftovers to the handler (or completes the waiting
   * offers) after terminate returned, so the future must wait for it. Called by terminate after it
   * set {@code outcome}, and by every drain or serve pass as it ends; one of the two sees the other
   * (a volatile write then reads, against a getAndAdd then a read), and completing twice is
   * harmless.
   */
  private void completeIfSettled() {
    Object o = outcome;
    if (o == null
        || (int) DRAIN_WIP.getVolatile(this) != 0
        || (int) SERVE_WIP.getVolatile(this) != 0) {
      return;
    }
    if (o == NORMAL) {
      completion.complete(Done.getInstance());
    } else {
      completion.completeExceptionally((Throwable) o);
    }
  }

  /** Serialized drain after termination: the queue keeps one consumer at a time. */
  private void drainUndelivered() {
    if ((int) DRAIN_WIP.getAndAdd(this, 1) != 0) {
      return;
    }
    int missed = 1;
    Error fatal = null; // an Error of the handler: rethrown once the pass is over
    while (true) {
      T e;
      while ((e = buffer.poll()) != null) {
        UNDELIVERED.getAndAdd(this, 1L); // counted even if the handler throws
        if (undeliveredHandler != null) {
          try {
            undeliveredHandler.accept(e);
          } catch (RuntimeException ignored) {
            // the handler's own failure must not stop the drain; the element is counted
          } catch (Error err) {
            fatal = fatal == null ? err : fatal; // neither: the pass ends and completes first
          }
        }
      }
      missed = (int) DRAIN_WIP.getAndAdd(this, -missed) - missed;
      if (missed == 0) {
        completeIfSettled();
        if (fatal != null) {
          throw fatal;
        }
        return;
      }
    }
  }

  // ------------------------------------------------------------------ any thread

  boolean isClosed() {
    return (stateVolatile() & CLOSED) != 0;
  }

  boolean isParked() {
    return (stateVolatile() & PARKED) != 0;
  }

  Throwable failure() {
    return (Throwable) FAILURE.getVolatile(this);
  }

  long undeliveredCount() {
    return (long) UNDELIVERED.getVolatile(this);
  }

  int waitingOffers() {
    return waiterCountVolatile();
  }

  CompletionStage<Done> watchCompletion() {
    return completionView;
  }

  SourceBuffer<T> buffer() {
    return buffer;
  }

  /**
   * The buffer's counters, with the plain offers dropped because offers waited at their level added
   * to {@code rejected} and the failed inserts of waiting offers (not dropped) taken off: {@code
   * rejected} counts the {@code dropped} results. Any thread.
   */
  QueueStats stats() {
    // read before the buffer's counters: each failed insert counted here was counted there first
    long notDropped = failedWaitingInserts.sum();
    QueueStats q = buffer.stats();
    long refused = refusedForWaiters.sum() - notDropped;
    if (refused == 0) {
      return q;
    }
    return new QueueStats(
        q.capacity(),
        q.size(),
        q.enqueued(),
        q.dequeued(),
        q.rejected() + refused,
        q.grows(),
        q.shrinks(),
        q.peakSize(),
        q.allocatedSlots());
  }

  private QueueOfferResult closedResult() {
    Throwable f = failure();
    return f == null ? QueueOfferResult.closed() : new QueueOfferResult.Failure(f);
  }

  private CompletionStage<QueueOfferResult> closedStage() {
    Throwable f = failure();
    return f == null
        ? CLOSED_STAGE
        : CompletableFuture.completedStage(new QueueOfferResult.Failure(f));
  }

  private int stateVolatile() {
    return (int) STATE.getVolatile(this);
  }

  private boolean casState(int expect, int update) {
    return STATE.compareAndSet(this, expect, update);
  }

  private int waiterCountVolatile() {
    return (int) WAITER_COUNT.getVolatile(this);
  }

  /** A waiting offerAsync: its element, level and result. */
  private static final class Waiter<T> {
    final T element;
    final int level;
    final CompletableFuture<QueueOfferResult> result = new CompletableFuture<>();

    Waiter(T element, int level) {
      this.element = element;
      this.level = level;
    }
  }
}
