package io.github.elasticq.queue;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.AbstractQueue;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.Objects;
import java.util.Spliterator;
import java.util.Spliterators;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.IntFunction;
import java.util.function.Supplier;

/**
 * A lock-based, elastic, bounded {@link BlockingQueue} for many producers and many consumers, with
 * all-or-nothing batch insertion, batch removal and non-blocking asynchronous put and take.
 *
 * <h2>Implementation</h2>
 *
 * <p>One {@link ReentrantLock} guards a ring array whose length always equals the logical capacity,
 * two conditions ({@code notEmpty}, {@code notFull}) park blocked threads, in the manner of {@link
 * java.util.concurrent.ArrayBlockingQueue}. Two FIFO lists hold the asynchronous waiters: pending
 * {@link #putAsync} calls (present only while the queue is full at {@code maxCapacity}) and pending
 * {@link #takeAsync} calls (present only while the queue is empty).
 *
 * <p><b>Growth.</b> An insertion that finds the ring full below {@code maxCapacity} reallocates it
 * at {@link QueueConfig#grownCapacity(int)}; at {@code maxCapacity} it is refused ({@code offer}),
 * waits ({@code put}, timed {@code offer}) or is parked ({@code putAsync}). The new ring is
 * allocated with the lock released (the other threads go on meanwhile); the insertion then takes
 * the lock again and decides afresh from the state it finds: it installs the new ring only if the
 * growth policy still picks exactly that length, otherwise it drops it (the queue may have drained,
 * grown or filled to {@code maxCapacity} in the meantime). The elements are copied, and the
 * insertion linearizes, under the lock. A {@code maxCapacity} above {@link
 * QueueConfig#CAPACITY_LIMIT} (2<sup>30</sup>) counts as that limit, the largest ring an array
 * holds: the buffer grows to it and is full there, as the lock-free queues are.
 *
 * <p><b>Shrink policy.</b> Shrinking is driven by consumer operations (every {@code poll}, {@code
 * take}, {@code pollBatch}, {@code drainTo}, {@code remove(Object)}, {@code clear} and {@code
 * takeAsync}, including a {@code poll} or {@code takeAsync} that finds the queue empty), never by a
 * clock or a background thread. A consumer operation that leaves the size at or below {@code
 * shrinkThreshold × capacity} extends a low-occupancy streak; one that leaves it above, and every
 * growth, resets the streak. When the streak reaches 32 operations the ring is reallocated at
 * {@link QueueConfig#shrunkCapacity(int, int)} (capacity divided by the growth factor, rounded up,
 * never below {@code minCapacity} nor the current size) and the streak restarts. An operation after
 * which one step would land at the size (mostly with {@code shrinkThreshold × growthFactor >= 1};
 * see {@link QueueConfig#shrinkThreshold()}) counts as not low, also when it is checked again at
 * the step itself: the step would leave the queue full for the next offer to grow it again. A
 * drained queue therefore steps down once every 32 consumer operations until it is back at {@code
 * minCapacity} (a queue nobody polls keeps its capacity). The streak is the hysteresis: a load that
 * crosses the threshold back and forth keeps resetting it and does not resize on every cycle. With
 * {@link QueueConfig#burstMemory()} the streak must also reach the capacity (at most 32,767
 * operations), so a buffer that takes recurring bursts keeps the capacity they need. The operation
 * that completes the streak allocates the smaller ring after releasing the lock (it has already
 * taken its element), then takes the lock again and installs it if the step is still due: if
 * meanwhile an operation left the occupancy above the threshold, or the ring grew, the streak was
 * reset and the step is dropped. Low-occupancy operations that run during that allocation do not
 * count towards the next step.
 *
 * <p><b>Asynchronous waiters.</b> Each waiter is a {@link CompletableFuture} with a private state
 * word ({@code WAITING → CLAIMED} by the queue, or {@code WAITING → ABANDONED} by {@code cancel},
 * {@code complete} or {@code completeExceptionally} from outside). The queue claims a waiter under
 * the lock before it moves an element for it, and completes the future after releasing the lock so
 * that no user callback ever runs under the lock. An element is therefore moved only for a waiter
 * that can no longer be cancelled: a cancelled {@code putAsync} never inserted its element, and an
 * element is never handed to a cancelled {@code takeAsync} (it goes to the next live taker, or into
 * the queue). A {@code cancel} that loses the race to the claim returns {@code false}, and the
 * future completes normally a moment later.
 *
 * <p><b>Invariants</b> (under the lock): {@code 0 ≤ size ≤ capacity = items.length}; {@code
 * minCapacity ≤ capacity ≤ maxCapacity}; pending puts exist only when {@code size == maxCapacity};
 * pending takes exist only when {@code size == 0}.
 *
 * <p><b>Memory consistency.</b> As for every {@link BlockingQueue}: actions in a thread before it
 * inserts an element happen-before actions after that element is removed or received in another
 * thread. {@link #size()}, {@link #capacity()} and {@link #remainingCapacity()} read without the
 * lock and may be stale by the operations in flight; {@link #stats()} takes the lock and is a
 * consistent snapshot.
 *
 * @param <E> element type; {@code null} is rejected
 */
public final class ElasticBuffer<E> extends AbstractQueue<E>
    implements BlockingQueue<E>, ElasticQueue<E> {

  /** Consecutive low-occupancy consumer operations needed for one shrink step. */
  static final int DEFAULT_SHRINK_STREAK = 32;

  private static final VarHandle PUBLISHED_SIZE;
  private static final VarHandle CAPACITY;

  static {
    try {
      MethodHandles.Lookup lookup = MethodHandles.lookup();
      PUBLISHED_SIZE = lookup.findVarHandle(ElasticBuffer.class, "publishedSize", int.class);
      CAPACITY = lookup.findVarHandle(ElasticBuffer.class, "capacity", int.class);
    } catch (ReflectiveOperationException e) {
      throw new ExceptionInInitializerError(e);
    }
  }

  private final QueueConfig config;

  /**
   * {@code config.maxCapacity()}, or {@link QueueConfig#CAPACITY_LIMIT} if that is smaller: the
   * largest ring an array can hold (a max of {@code Integer.MAX_VALUE}, "no bound", is accepted).
   * What "at {@code maxCapacity}" means below.
   */
  private final int maxCapacity;

  private final int minCapacity;
  private final int shrinkStreak;

  /**
   * Allocates the rings that growth and shrink steps install, outside the lock; {@code
   * Object[]::new} except in tests, which use it to act in the window between allocating and
   * installing.
   */
  private final IntFunction<Object[]> ringAllocator;

  private final ReentrantLock lock = new ReentrantLock();
  private final Condition notEmpty = lock.newCondition();
  private final Condition notFull = lock.newCondition();

  // Everything below is guarded by lock. capacity is also read without the lock (capacity()): it
  // is written with release stores, read with acquire loads.
  private Object[] items;
  private int head;
  private int count;
  private int capacity;

  /**
   * {@code count} as of the end of the last operation, for lock-free {@link #size()}. Written once
   * per operation, so that a batch is never seen half done. Reached only through PUBLISHED_SIZE.
   */
  @SuppressWarnings("unused")
  private int publishedSize;

  private int shrinkLimit;
  private int lowStreak;
  private final ArrayDeque<PutWaiter<E>> waitingPuts = new ArrayDeque<>();
  private final ArrayDeque<TakeWaiter<E>> waitingTakes = new ArrayDeque<>();

  /**
   * The lengths of {@code waitingPuts} and {@code waitingTakes}, kept in this object so that an
   * operation with no asynchronous waiter pending does not touch the deques at all.
   */
  private int pendingPuts;

  private int pendingTakes;

  /** Elements removed or handed to a taker; {@code enqueued} is always {@code dequeued + count}. */
  private long dequeued;

  /**
   * Elements refused at {@code maxCapacity}, counted after the lock is released: a refused {@code
   * offer} then writes nothing under the lock, so while the queue stays full the producers'
   * refusals leave the lock holder's lines alone (bench/results/2026-12-03/round15: +2.5 % in the
   * 2P/2C offer-poll benchmark, where refusals outnumber insertions three to one).
   */
  private final LongAdder rejected = new LongAdder();

  private long grows;
  private long shrinks;
  private int peakSize;
  private int windowPeak;

  /**
   * Creates an empty buffer at {@code config.initialCapacity()}.
   *
   * @param config the sizing policy; must not be null
   */
  public ElasticBuffer(QueueConfig config) {
    this(config, DEFAULT_SHRINK_STREAK);
  }

  /** For tests: a buffer whose hysteresis streak is {@code shrinkStreak} consumer operations. */
  ElasticBuffer(QueueConfig config, int shrinkStreak) {
    this(config, shrinkStreak, Object[]::new);
  }

  /**
   * For tests: as {@link #ElasticBuffer(QueueConfig, int)}, allocating the rings of growth and
   * shrink steps with {@code ringAllocator}, which is called without the lock.
   */
  ElasticBuffer(QueueConfig config, int shrinkStreak, IntFunction<Object[]> ringAllocator) {
    this.ringAllocator = Objects.requireNonNull(ringAllocator, "ringAllocator");
    this.config = Objects.requireNonNull(config, "config");
    if (shrinkStreak < 1) {
      throw new IllegalArgumentException("shrinkStreak must be >= 1, was " + shrinkStreak);
    }
    this.maxCapacity = config.heldAtMost();
    this.minCapacity = config.minCapacity();
    this.shrinkStreak = shrinkStreak;
    this.items = new Object[config.initialCapacity()];
    setCapacityRelease(config.initialCapacity());
    this.shrinkLimit = shrinkLimitFor(config.initialCapacity());
  }

  // ---------------------------------------------------------------- producer side

  /**
   * Inserts {@code e} if the size is below {@code maxCapacity}, growing the ring when it is full
   * below max. Never blocks (beyond the lock). Any thread may call it.
   *
   * @return {@code true} if inserted (or handed to a pending {@link #takeAsync}); {@code false},
   *     counted as a rejection, if the queue holds {@code maxCapacity} elements
   * @throws NullPointerException if {@code e} is null
   */
  @Override
  public boolean offer(E e) {
    Objects.requireNonNull(e, "element");
    Object outcome;
    lock.lock();
    try {
      outcome = insertLocked(e);
    } finally {
      lock.unlock();
    }
    if (outcome == FULL) {
      rejected.increment();
      return false;
    }
    deliverIfHanded(outcome, e);
    return true;
  }

  /**
   * Inserts {@code e}, waiting while the queue holds {@code maxCapacity} elements. Any thread may
   * call it; pending {@link #putAsync} calls are served before blocked {@code put} calls.
   *
   * @throws InterruptedException if interrupted before or while waiting; then nothing is inserted
   * @throws NullPointerException if {@code e} is null
   */
  @Override
  public void put(E e) throws InterruptedException {
    Objects.requireNonNull(e, "element");
    Object outcome;
    lock.lockInterruptibly();
    try {
      while ((outcome = insertLocked(e)) == FULL) {
        notFull.await();
      }
      passOnSpaceLocked(outcome);
    } finally {
      lock.unlock();
    }
    deliverIfHanded(outcome, e);
  }

  /**
   * Inserts {@code e}, waiting up to {@code timeout} while the queue holds {@code maxCapacity}
   * elements. Any thread may call it.
   *
   * @return {@code true} if inserted, {@code false} if the time elapsed first (not counted as a
   *     rejection)
   * @throws InterruptedException if interrupted before or while waiting; then nothing is inserted
   * @throws NullPointerException if {@code e} or {@code unit} is null
   */
  @Override
  public boolean offer(E e, long timeout, TimeUnit unit) throws InterruptedException {
    Objects.requireNonNull(e, "element");
    long nanos = unit.toNanos(timeout);
    Object outcome;
    lock.lockInterruptibly();
    try {
      while ((outcome = insertLocked(e)) == FULL) {
        if (nanos <= 0L) {
          return false;
        }
        nanos = notFull.awaitNanos(nanos);
      }
      passOnSpaceLocked(outcome);
    } finally {
      lock.unlock();
    }
    deliverIfHanded(outcome, e);
    return true;
  }

  /**
   * Inserts every element of {@code batch}, in iteration order, or none of them: if {@code size() +
   * batch.size()} would exceed {@code maxCapacity} nothing is inserted, the batch's elements are
   * counted as rejections and {@code false} is returned. The ring grows as many steps as the batch
   * needs, with one reallocation. Never blocks (beyond the lock); any thread may call it. The batch
   * is inserted atomically: no other operation observes part of it. Pending {@link #takeAsync}
   * calls receive the first elements; room for the whole batch is made before, so an error while
   * allocating the grown ring ({@link OutOfMemoryError}) inserts nothing and leaves every pending
   * call pending.
   *
   * @return {@code true} if the whole batch was inserted (an empty batch always is)
   * @throws NullPointerException if {@code batch} or any of its elements is null; then nothing is
   *     inserted
   * @throws IllegalArgumentException if {@code batch} is this queue
   */
  public boolean offerAll(Collection<? extends E> batch) {
    Objects.requireNonNull(batch, "batch");
    if (batch == this) {
      throw new IllegalArgumentException("offerAll: a queue cannot be offered to itself");
    }
    Object[] elements = batch.toArray();
    for (int i = 0; i < elements.length; i++) {
      if (elements[i] == null) {
        throw new NullPointerException("offerAll: element " + i + " of the batch is null");
      }
    }
    if (elements.length == 0) {
      return true;
    }
    List<TakeWaiter<E>> takers = null;
    int handed = 0;
    Object[] ring = null;
    lock.lock();
    try {
      while (true) {
        if ((long) count + elements.length > maxCapacity) { // no int overflow near the limit
          rejected.add(elements.length);
          return false;
        }
        // Room for the whole batch before any element is handed to a pending takeAsync: a taker,
        // once claimed, can no longer be cancelled, so nothing that can fail (an allocation) may
        // come between claiming it and completing it. With takers pending (the queue is empty) the
        // ring may so grow by up to their number more than the elements it keeps; the shrink
        // policy returns that.
        int grow = makeRoomLocked(elements.length, ring);
        if (grow == ROOM) {
          break;
        }
        ring = allocateUnlocked(grow);
      }
      while (handed < elements.length) {
        TakeWaiter<E> taker = handToTakerLocked(elementOf(elements, handed));
        if (taker == null) {
          break;
        }
        if (takers == null) {
          takers = new ArrayList<>();
        }
        takers.add(taker);
        handed++;
      }
      int rest = elements.length - handed;
      if (rest > 0) {
        for (int i = handed; i < elements.length; i++) {
          enqueueLocked(elementOf(elements, i));
        }
        publishSizeLocked();
        notEmpty.signalAll();
      }
    } finally {
      lock.unlock();
    }
    if (takers != null) {
      for (int i = 0; i < takers.size(); i++) {
        takers.get(i).deliver(elementOf(elements, i));
      }
    }
    return true;
  }

  /**
   * Inserts {@code e} without blocking any thread: the returned future completes once the element
   * is in the queue (or handed to a pending {@link #takeAsync}). If the queue holds {@code
   * maxCapacity} elements the call is parked in a FIFO of pending puts, served as consumers free
   * space, before threads blocked in {@link #put}. Any thread may call it.
   *
   * <p>Cancelling (or completing from outside) a pending future withdraws the put: its element is
   * never inserted. If the queue accepted the element first, {@code cancel} returns {@code false}
   * and the future completes normally. Inserting the element happens-before the future completes;
   * the future completes on the consumer thread that made room (or on the calling thread), so keep
   * its dependent actions short or make them asynchronous.
   *
   * @throws NullPointerException if {@code e} is null
   */
  public CompletableFuture<Void> putAsync(E e) {
    Objects.requireNonNull(e, "element");
    Object outcome;
    lock.lock();
    try {
      outcome = insertLocked(e);
      if (outcome == FULL) {
        PutWaiter<E> waiter = new PutWaiter<>(this, e);
        waitingPuts.addLast(waiter);
        pendingPuts++;
        return waiter;
      }
    } finally {
      lock.unlock();
    }
    deliverIfHanded(outcome, e);
    return CompletableFuture.completedFuture(null);
  }

  // ---------------------------------------------------------------- consumer side

  /**
   * Removes and returns the head, or returns {@code null} if the queue is empty. Any thread may
   * call it; it counts as one consumer operation for the shrink policy.
   */
  @Override
  public E poll() {
    E e;
    AfterUnlock<E> after;
    lock.lock();
    try {
      e = count == 0 ? null : dequeueLocked();
      after = afterConsumerOpLocked(e == null ? 0 : 1);
    } finally {
      lock.unlock();
    }
    finish(after);
    return e;
  }

  /**
   * Removes and returns the head, waiting while the queue is empty. Any thread may call it; pending
   * {@link #takeAsync} calls are served before threads blocked here.
   *
   * @throws InterruptedException if interrupted before or while waiting; then nothing is removed
   */
  @Override
  public E take() throws InterruptedException {
    E e;
    AfterUnlock<E> after;
    lock.lockInterruptibly();
    try {
      while (count == 0) {
        notEmpty.await();
      }
      e = dequeueLocked();
      after = afterConsumerOpLocked(1);
    } finally {
      lock.unlock();
    }
    finish(after);
    return e;
  }

  /**
   * Removes and returns the head, waiting up to {@code timeout} while the queue is empty. Any
   * thread may call it.
   *
   * @return the head, or {@code null} if the time elapsed first
   * @throws InterruptedException if interrupted before or while waiting; then nothing is removed
   */
  @Override
  public E poll(long timeout, TimeUnit unit) throws InterruptedException {
    long nanos = unit.toNanos(timeout);
    E e = null;
    AfterUnlock<E> after;
    lock.lockInterruptibly();
    try {
      while (count == 0 && nanos > 0L) {
        nanos = notEmpty.awaitNanos(nanos);
      }
      if (count > 0) {
        e = dequeueLocked();
      }
      after = afterConsumerOpLocked(e == null ? 0 : 1);
    } finally {
      lock.unlock();
    }
    finish(after);
    return e;
  }

  /**
   * Removes and returns up to {@code max} elements from the head, in FIFO order, atomically; the
   * list is empty if the queue is. Any thread may call it; it counts as one consumer operation.
   *
   * @throws IllegalArgumentException if {@code max} is negative
   */
  public List<E> pollBatch(int max) {
    if (max < 0) {
      throw new IllegalArgumentException("pollBatch: max must be >= 0, was " + max);
    }
    List<E> out;
    AfterUnlock<E> after;
    lock.lock();
    try {
      int n = Math.min(max, count);
      out = new ArrayList<>(n);
      for (int i = 0; i < n; i++) {
        out.add(dequeueLocked());
      }
      after = afterConsumerOpLocked(n);
    } finally {
      lock.unlock();
    }
    finish(after);
    return out;
  }

  /**
   * Returns a future completed with the head element: at once if the queue is not empty, otherwise
   * when a producer supplies one. Pending takes are served in FIFO order, before threads blocked in
   * {@link #take}. Never blocks a thread; any thread may call it.
   *
   * <p>Cancelling (or completing from outside) a pending future withdraws the take: no element is
   * ever handed to it. A future that already received an element cannot be cancelled ({@code
   * cancel} returns {@code false}). Inserting the element happens-before the future completes; the
   * future completes on the producer's thread, so keep its dependent actions short or make them
   * asynchronous.
   */
  public CompletableFuture<E> takeAsync() {
    E e;
    CompletableFuture<E> parked = null;
    AfterUnlock<E> after;
    lock.lock();
    try {
      if (count == 0) {
        TakeWaiter<E> waiter = new TakeWaiter<>(this);
        waitingTakes.addLast(waiter);
        pendingTakes++;
        parked = waiter;
        e = null;
        after = afterConsumerOpLocked(0);
      } else {
        e = dequeueLocked();
        after = afterConsumerOpLocked(1);
      }
    } finally {
      lock.unlock();
    }
    finish(after);
    return parked != null ? parked : CompletableFuture.completedFuture(e);
  }

  /**
   * Removes every element into {@code sink}; see {@link #drainTo(Collection, int)}.
   *
   * @return the number of elements transferred
   */
  @Override
  public int drainTo(Collection<? super E> sink) {
    return drainTo(sink, Integer.MAX_VALUE);
  }

  /**
   * Removes up to {@code maxElements} elements from the head and adds them to {@code sink}, in FIFO
   * order, under the lock. If {@code sink.add} throws, the element it refused and those after it
   * stay in this queue. Any thread may call it; it counts as one consumer operation, also when
   * {@code maxElements} is zero or negative (then nothing moves).
   *
   * @return the number of elements transferred
   * @throws IllegalArgumentException if {@code sink} is this queue
   * @throws NullPointerException if {@code sink} is null
   */
  @Override
  public int drainTo(Collection<? super E> sink, int maxElements) {
    Objects.requireNonNull(sink, "sink");
    if (sink == this) {
      throw new IllegalArgumentException("drainTo: cannot drain a queue into itself");
    }
    int moved = 0; // maxElements <= 0 moves nothing but still counts, as pollBatch(0) does
    lock.lock();
    try {
      int n = Math.min(maxElements, count);
      while (moved < n) {
        sink.add(elementAt(head));
        dequeueLocked();
        moved++;
      }
    } finally {
      // also when sink.add threw: the freed slots still go to pending puts, which must complete
      AfterUnlock<E> after;
      try {
        after = afterConsumerOpLocked(moved);
      } finally {
        lock.unlock();
      }
      finish(after);
    }
    return moved;
  }

  /**
   * Removes the first element equal to {@code o}. Any thread may call it; it counts as one consumer
   * operation. O(size).
   */
  @Override
  public boolean remove(Object o) {
    if (o == null) {
      return false;
    }
    AfterUnlock<E> after;
    int found = -1;
    lock.lock();
    try {
      for (int i = 0; i < count; i++) {
        if (o.equals(items[slot(i)])) {
          found = i;
          break;
        }
      }
      if (found >= 0) {
        removeAtLocked(found);
      }
      after = afterConsumerOpLocked(found >= 0 ? 1 : 0);
    } finally {
      lock.unlock();
    }
    finish(after);
    return found >= 0;
  }

  /**
   * Removes every element (pending {@link #putAsync} calls then fill the freed space). Any thread
   * may call it; it counts as one consumer operation.
   */
  @Override
  public void clear() {
    AfterUnlock<E> after;
    lock.lock();
    try {
      int n = count;
      for (int i = 0; i < n; i++) {
        dequeueLocked();
      }
      after = afterConsumerOpLocked(n);
    } finally {
      lock.unlock();
    }
    finish(after);
  }

  // ---------------------------------------------------------------- inspection

  /** Returns the head without removing it, or {@code null} if empty. Any thread may call it. */
  @Override
  public E peek() {
    lock.lock();
    try {
      return count == 0 ? null : elementAt(head);
    } finally {
      lock.unlock();
    }
  }

  /**
   * The number of elements held, excluding pending {@link #putAsync} elements. O(1) and lock-free
   * from any thread; exact when no operation is in flight.
   */
  @Override
  public int size() {
    return publishedSizeAcquire();
  }

  /**
   * {@code maxCapacity - size()}: how many more elements fit before insertions wait or fail.
   * Lock-free from any thread.
   */
  @Override
  public int remainingCapacity() {
    return maxCapacity - publishedSizeAcquire();
  }

  /**
   * The current logical capacity, in {@code [minCapacity, maxCapacity]}; equal to the number of
   * allocated slots. Lock-free from any thread.
   */
  public int capacity() {
    return capacityAcquire();
  }

  /** The sizing policy this buffer was created with. */
  public QueueConfig config() {
    return config;
  }

  /**
   * A consistent snapshot of sizing and traffic counters, taken under the lock. Any thread may call
   * it; {@code enqueued} and {@code dequeued} count elements handed directly to pending takers once
   * each, and {@code rejected} counts elements refused by {@code offer} and {@code offerAll}: every
   * refusal that has returned {@code false} (a refusal still returning may or may not be counted;
   * {@code rejected} is not part of the lock's snapshot).
   */
  public QueueStats stats() {
    lock.lock();
    try {
      return new QueueStats(
          capacity,
          count,
          dequeued + count,
          dequeued,
          rejected.sum(),
          grows,
          shrinks,
          peakSize,
          items.length);
    } finally {
      lock.unlock();
    }
  }

  /** Whether {@code o} is held. Takes the lock; any thread may call it. */
  @Override
  public boolean contains(Object o) {
    if (o == null) {
      return false;
    }
    lock.lock();
    try {
      for (int i = 0; i < count; i++) {
        if (o.equals(items[slot(i)])) {
          return true;
        }
      }
      return false;
    } finally {
      lock.unlock();
    }
  }

  /** The elements in FIFO order, copied atomically under the lock. */
  @Override
  public Object[] toArray() {
    lock.lock();
    try {
      return snapshotLocked();
    } finally {
      lock.unlock();
    }
  }

  /** The elements in FIFO order, copied atomically under the lock, in the given array type. */
  @Override
  @SuppressWarnings("unchecked")
  public <T> T[] toArray(T[] a) {
    Objects.requireNonNull(a, "array");
    Object[] snapshot = toArray();
    T[] out =
        a.length >= snapshot.length
            ? a
            : Arrays.copyOf(a, snapshot.length, (Class<? extends T[]>) a.getClass());
    System.arraycopy(snapshot, 0, out, 0, snapshot.length);
    if (out.length > snapshot.length) {
      out[snapshot.length] = null;
    }
    return out;
  }

  /**
   * An iterator over a snapshot of the elements taken atomically when it is created: it never
   * throws {@link java.util.ConcurrentModificationException} and does not see later changes. Its
   * {@code remove()} removes the first element of the queue identical ({@code ==}) to the one last
   * returned, if it is still held.
   */
  @Override
  public Iterator<E> iterator() {
    return new SnapshotIterator(toArray());
  }

  /**
   * A spliterator over the {@link #iterator() snapshot}: {@code ORDERED}, {@code NONNULL} and
   * {@code CONCURRENT}, not {@code SIZED}. The inherited one is sized from {@link #size()}, read at
   * another moment than the snapshot, so a {@code stream().toArray()} while other threads offer or
   * poll failed with "End size ... is less than fixed size ...".
   */
  @Override
  public Spliterator<E> spliterator() {
    return Spliterators.spliterator(
        this, Spliterator.ORDERED | Spliterator.NONNULL | Spliterator.CONCURRENT);
  }

  // ---------------------------------------------------------------- internals (lock held)

  /**
   * Hands {@code e} to the oldest live pending take, if any; returns it (to deliver after unlock).
   */
  private TakeWaiter<E> handToTakerLocked(E e) {
    while (pendingTakes != 0) {
      TakeWaiter<E> w = waitingTakes.pollFirst();
      pendingTakes--;
      if (w.claim()) {
        dequeued++; // and enqueued, which is dequeued + count
        return w;
      }
    }
    return null;
  }

  /** {@link #insertLocked} outcome: the element is in the ring. */
  private static final Object STORED = new Object();

  /**
   * {@link #insertLocked} outcome: the queue holds {@code maxCapacity} elements and nothing was
   * inserted; the caller refuses, waits or parks, each as its contract says.
   */
  private static final Object FULL = new Object();

  /**
   * The single-element insertion shared by {@link #offer(Object)}, {@link #put}, the timed {@code
   * offer} and {@link #putAsync}: hands {@code e} to the oldest live pending take, else stores it,
   * growing the ring when it is full below {@code maxCapacity} (the new ring is allocated with the
   * lock released, then everything is decided again). Returns the claimed {@link TakeWaiter} (the
   * caller delivers {@code e} to it after unlocking), {@link #STORED} or {@link #FULL}. The caller
   * holds the lock exactly once; so does it on return.
   */
  private Object insertLocked(E e) {
    Object[] ring = null;
    while (true) {
      TakeWaiter<E> taker = handToTakerLocked(e);
      if (taker != null) {
        return taker;
      }
      int grow = makeRoomLocked(1, ring);
      if (grow == ROOM) {
        insertAndSignalLocked(e);
        return STORED;
      }
      if (grow == AT_MAX) {
        return FULL;
      }
      ring = allocateUnlocked(grow);
    }
  }

  /**
   * After a blocking or timed insertion, lock held: if it handed its element to a pending take, the
   * space it may have been woken for is still free (pending takes exist only while the queue is
   * empty), so the next blocked producer is woken for it. Without this, a consumer's one {@code
   * notFull} signal could be spent on a producer that then left the space unused, and another
   * producer stayed blocked with the queue below {@code maxCapacity}.
   */
  private void passOnSpaceLocked(Object outcome) {
    if (outcome != STORED && count < maxCapacity) {
      notFull.signal();
    }
  }

  /**
   * After unlocking: completes the pending take that {@link #insertLocked} handed {@code e} to, if
   * its {@code outcome} is one.
   */
  @SuppressWarnings("unchecked")
  private static <E> void deliverIfHanded(Object outcome, E e) {
    if (outcome != STORED) {
      ((TakeWaiter<E>) outcome).deliver(e);
    }
  }

  /** {@link #makeRoomLocked} result: {@code n} more elements fit in the ring now. */
  private static final int ROOM = 0;

  /** {@link #makeRoomLocked} result: {@code n} more elements would exceed {@code maxCapacity}. */
  private static final int AT_MAX = -1;

  /**
   * Makes room for {@code n} more elements if that needs no allocation: returns {@link #ROOM} if
   * they fit (growing into {@code ring} when it has exactly the length the growth policy picks
   * now), {@link #AT_MAX} if they can never fit, else the capacity to grow to (one reallocation, as
   * many growth steps as needed), for which the caller allocates a ring outside the lock ({@link
   * #allocateUnlocked}) and calls again. Everything is decided again on every call, under the lock,
   * so a ring allocated for a state that changed meanwhile is dropped, never installed.
   */
  private int makeRoomLocked(int n, Object[] ring) {
    int needed = count + n;
    int cap = capacity;
    if (needed <= cap) {
      return ROOM;
    }
    if (needed > maxCapacity) {
      return AT_MAX;
    }
    int next = cap;
    int steps = 0;
    while (next < needed) {
      next = config.grownCapacity(next);
      steps++;
    }
    if (ring == null || ring.length != next) {
      return next;
    }
    grows += steps;
    transferLocked(ring);
    lowStreak = 0;
    return ROOM;
  }

  /** {@link #makeRoomLocked} that allocates under the lock: for the rare paths. False at max. */
  private boolean ensureRoomLocked(int n) {
    int grow = makeRoomLocked(n, null);
    if (grow > 0) {
      grow = makeRoomLocked(n, ringAllocator.apply(grow));
    }
    return grow == ROOM;
  }

  /**
   * Allocates a ring of {@code length} slots with the lock released, so that zeroing it does not
   * lengthen the critical section every other thread queues on; returns with the lock held again
   * (also if the allocation threw). The caller must hold the lock exactly once.
   */
  private Object[] allocateUnlocked(int length) {
    lock.unlock();
    try {
      return ringAllocator.apply(length);
    } finally {
      lock.lock();
    }
  }

  /** One element in: stored, size published, one blocked taker woken. Lock held. */
  private void insertAndSignalLocked(E e) {
    enqueueLocked(e);
    publishSizeLocked();
    notEmpty.signal();
  }

  private void enqueueLocked(E e) {
    int tail = slot(count);
    items[tail] = e;
    count++;
    if (count > windowPeak) {
      windowPeak = count;
      if (count > peakSize) {
        peakSize = count;
      }
    }
  }

  /**
   * The largest size seen since the previous call (or since creation), then starts a new window at
   * the current size. Any thread (takes the lock); meant for one metrics poller, since every call
   * ends the window of every other caller.
   */
  public int takePeakWindow() {
    lock.lock();
    try {
      int peak = Math.max(windowPeak, count);
      windowPeak = count;
      return peak;
    } finally {
      lock.unlock();
    }
  }

  private E dequeueLocked() {
    E e = elementAt(head);
    items[head] = null;
    head = head + 1 == items.length ? 0 : head + 1;
    count--;
    dequeued++;
    return e;
  }

  private void removeAtLocked(int index) {
    int last = count - 1;
    for (int i = index; i < last; i++) {
      items[slot(i)] = items[slot(i + 1)];
    }
    items[slot(last)] = null;
    count = last;
    dequeued++;
  }

  /**
   * After a consumer operation that removed {@code removed} elements: refill from pending puts,
   * wake blocked producers, then apply the shrink policy. Returns the puts to complete after
   * unlock, or null.
   */
  private AfterUnlock<E> afterConsumerOpLocked(int removed) {
    List<PutWaiter<E>> served = null;
    if (removed > 0) {
      if (pendingPuts != 0) {
        served = refillFromPutsLocked(removed);
      }
      if (count < maxCapacity) {
        if (removed == 1) {
          notFull.signal();
        } else {
          notFull.signalAll();
        }
      }
    }
    int shrinkTo = 0;
    if (count <= shrinkLimit
        && capacity > minCapacity
        && !config.shrinkStepBoundedBySize(capacity, count)) {
      shrinkTo = lowOccupancyLocked();
    } else if (lowStreak != 0) {
      lowStreak = 0;
    }
    publishSizeLocked();
    return served == null && shrinkTo == 0 ? null : new AfterUnlock<>(served, shrinkTo);
  }

  /**
   * Moves pending puts into the freed space; returns those claimed, to complete after unlock. Each
   * element moved in wakes one blocked taker: the consumer operation that freed the space may
   * itself have been woken by the signal of the element it took, so without its own signal a
   * refilled element could sit in the queue while a {@code take} stayed blocked.
   */
  private List<PutWaiter<E>> refillFromPutsLocked(int removed) {
    List<PutWaiter<E>> served = null;
    // Room before the claim: a claimed put can no longer be cancelled, so if making room failed
    // (an allocation error) after it, its element would be neither queued nor pending. Pending
    // puts mean the ring was full at max, so this should never allocate; if it ever does and
    // fails, every put stays pending.
    while (pendingPuts != 0 && count < maxCapacity && ensureRoomLocked(1)) {
      PutWaiter<E> w = waitingPuts.pollFirst();
      pendingPuts--;
      if (w.claim()) {
        enqueueLocked(w.element);
        notEmpty.signal(); // one blocked taker per element refilled (see above)
        if (served == null) {
          served = new ArrayList<>(Math.min(removed, 16));
        }
        served.add(w);
      }
    }
    return served;
  }

  /**
   * One more low-occupancy consumer operation: extends the streak. The operation that completes it
   * returns the capacity of the smaller ring, which the caller allocates after unlocking and hands
   * to {@link #completeShrinkLocked}; until then the streak stays at its limit (a shrink is due)
   * and the low-occupancy operations in between do not count towards the next step. Returns 0 when
   * there is nothing to allocate.
   */
  private int lowOccupancyLocked() {
    int limit = config.shrinkStreak(capacity, shrinkStreak, 1);
    int streak = lowStreak + 1;
    if (streak < limit) {
      lowStreak = streak;
      return 0;
    }
    if (streak > limit) {
      return 0; // lowStreak == limit: a shrink is due, another consumer allocates its ring
    }
    int next = config.shrunkCapacity(capacity, count);
    if (next >= capacity) {
      lowStreak = 0;
      return 0;
    }
    lowStreak = limit;
    return next;
  }

  /**
   * Performs the due shrink step, if it is still due: the streak was not reset meanwhile (by an
   * operation that left the occupancy high, or by a growth, or by another thread completing the
   * step) and the occupancy is still low. Uses {@code ring} if it has the length the policy picks
   * now. {@code ring} is null if its allocation failed: then the streak restarts.
   */
  private void completeShrinkLocked(Object[] ring) {
    if (lowStreak != config.shrinkStreak(capacity, shrinkStreak, 1)) {
      return;
    }
    lowStreak = 0;
    if (ring == null
        || count > shrinkLimit
        || capacity <= minCapacity
        || config.shrinkStepBoundedBySize(capacity, count)) {
      return; // producers may have raised the count while the ring was allocated
    }
    int next = config.shrunkCapacity(capacity, count);
    if (next < capacity) {
      transferLocked(ring.length == next ? ring : new Object[next]);
      shrinks++;
    }
  }

  /** Runs what a consumer operation left for after its unlock: puts to complete, a shrink step. */
  private void finish(AfterUnlock<E> after) {
    if (after == null) {
      return;
    }
    try {
      completePuts(after.served);
    } finally {
      if (after.shrinkTo != 0) {
        shrinkUnlocked(after.shrinkTo);
      }
    }
  }

  /**
   * Allocates the smaller ring without the lock, then takes the lock to install it: the consumer
   * operation that completed the streak already took its result under the lock. An {@link
   * OutOfMemoryError} of that allocation skips the step (the streak starts again).
   */
  private void shrinkUnlocked(int length) {
    Object[] ring = null;
    Throwable failed = null;
    try {
      ring = ringAllocator.apply(length);
    } catch (OutOfMemoryError e) {
      // skip the step, see below
    } catch (RuntimeException | Error e) {
      failed = e; // the streak is still reset below, then it propagates
    }
    lock.lock();
    try {
      completeShrinkLocked(ring); // a null ring resets the streak: the policy starts again
    } catch (OutOfMemoryError e) {
      // A shrink step only returns memory: when its ring cannot be allocated (here or under the
      // lock, before anything moved) the step is skipped, and the consumer operation that completed
      // the streak still returns the element it took instead of losing it to the error.
    } finally {
      lock.unlock();
    }
    if (failed instanceof RuntimeException) {
      throw (RuntimeException) failed;
    }
    if (failed != null) {
      throw (Error) failed;
    }
  }

  /**
   * Moves the elements, in FIFO order, to the start of the empty {@code next}; it becomes the ring.
   */
  private void transferLocked(Object[] next) {
    Object[] old = items;
    int n = count;
    int first = Math.min(n, old.length - head);
    System.arraycopy(old, head, next, 0, first);
    System.arraycopy(old, 0, next, first, n - first);
    items = next;
    head = 0;
    setCapacityRelease(next.length);
    shrinkLimit = shrinkLimitFor(next.length);
  }

  private int shrinkLimitFor(int cap) {
    return (int) Math.floor(config.shrinkThreshold() * cap);
  }

  private Object[] snapshotLocked() {
    Object[] out = new Object[count];
    for (int i = 0; i < count; i++) {
      out[i] = items[slot(i)];
    }
    return out;
  }

  /** Ring slot of the element {@code offset} places after the head. */
  private int slot(int offset) {
    int s = head + offset;
    return s >= items.length ? s - items.length : s;
  }

  @SuppressWarnings("unchecked")
  private E elementAt(int slot) {
    return (E) items[slot];
  }

  @SuppressWarnings("unchecked")
  private E elementOf(Object[] array, int i) {
    return (E) array[i];
  }

  private static <E> void completePuts(List<PutWaiter<E>> served) {
    if (served != null) {
      for (PutWaiter<E> w : served) {
        w.deliver(null);
      }
    }
  }

  /** Called when a pending waiter is abandoned from outside: drop it from its FIFO. */
  private void forget(Waiter<?> w) {
    lock.lock();
    try {
      if (w instanceof PutWaiter) {
        if (waitingPuts.remove(w)) {
          pendingPuts--;
        }
      } else if (waitingTakes.remove(w)) {
        pendingTakes--;
      }
    } finally {
      lock.unlock();
    }
  }

  private void removeFirstIdentical(Object o) {
    AfterUnlock<E> after = null;
    lock.lock();
    try {
      for (int i = 0; i < count; i++) {
        if (items[slot(i)] == o) {
          removeAtLocked(i);
          after = afterConsumerOpLocked(1);
          break;
        }
      }
    } finally {
      lock.unlock();
    }
    finish(after);
  }

  private void publishSizeLocked() {
    int size = count;
    if ((int) PUBLISHED_SIZE.get(this) != size) { // an unchanged size leaves the line clean
      PUBLISHED_SIZE.setRelease(this, size); // the operation's final size, for size() readers
    }
  }

  private int publishedSizeAcquire() {
    return (int) PUBLISHED_SIZE.getAcquire(this);
  }

  private void setCapacityRelease(int value) {
    CAPACITY.setRelease(this, value); // the new capacity is visible to lock-free capacity()
  }

  private int capacityAcquire() {
    return (int) CAPACITY.getAcquire(this);
  }

  /** What a consumer operation leaves for after its unlock; null (the common case) if nothing. */
  private static final class AfterUnlock<E> {
    /** Pending puts claimed under the lock, to complete; or null. */
    final List<PutWaiter<E>> served;

    /** The length of the ring a due shrink step needs, or 0. */
    final int shrinkTo;

    AfterUnlock(List<PutWaiter<E>> served, int shrinkTo) {
      this.served = served;
      this.shrinkTo = shrinkTo;
    }
  }

  private final class SnapshotIterator implements Iterator<E> {
    private final Object[] snapshot;
    private int next;
    private int last = -1;

    SnapshotIterator(Object[] snapshot) {
      this.snapshot = snapshot;
    }

    @Override
    public boolean hasNext() {
      return next < snapshot.length;
    }

    @Override
    public E next() {
      if (next >= snapshot.length) {
        throw new NoSuchElementException();
      }
      last = next++;
      return elementOf(snapshot, last);
    }

    @Override
    public void remove() {
      if (last < 0) {
        throw new IllegalStateException("next() has not been called since the last remove()");
      }
      removeFirstIdentical(snapshot[last]);
      last = -1;
    }
  }

  /**
   * A pending asynchronous call. The queue moves an element for it only after {@link #claim()}
   * succeeded under the lock; anything that completes it from outside first wins {@link
   * #abandon()}, after which the queue skips it.
   */
  private abstract static class Waiter<T> extends CompletableFuture<T> {
    private static final int WAITING = 0;
    private static final int CLAIMED = 1;
    private static final int ABANDONED = 2;
    private static final VarHandle STATE;

    static {
      try {
        STATE = MethodHandles.lookup().findVarHandle(Waiter.class, "state", int.class);
      } catch (ReflectiveOperationException e) {
        throw new ExceptionInInitializerError(e);
      }
    }

    private final ElasticBuffer<?> owner;

    @SuppressWarnings("unused") // reached only through STATE
    private volatile int state;

    Waiter(ElasticBuffer<?> owner) {
      this.owner = owner;
    }

    /** The queue takes this waiter; afterwards it can no longer be cancelled. */
    final boolean claim() {
      return STATE.compareAndSet(this, WAITING, CLAIMED);
    }

    /**
     * True if the queue will never move an element for this waiter: this call abandoned it (and
     * unlinked it), or another thread's {@code cancel} or {@code complete} did. Then the caller
     * completes the future itself, as racing completions of any {@link CompletableFuture} do:
     * whichever completion comes first wins. Waiting for the other thread's completion instead made
     * a second {@code cancel} return false for a future that was being cancelled.
     */
    private boolean abandon() {
      if (STATE.compareAndSet(this, WAITING, ABANDONED)) {
        owner.forget(this);
        return true;
      }
      return (int) STATE.getVolatile(this) == ABANDONED;
    }

    /** Completes a claimed waiter; called after the queue's lock is released. */
    final void deliver(T value) {
      super.complete(value);
    }

    @Override
    public boolean cancel(boolean mayInterruptIfRunning) {
      if (abandon()) {
        return super.cancel(mayInterruptIfRunning);
      }
      return isCancelled();
    }

    @Override
    public boolean complete(T value) {
      return abandon() && super.complete(value);
    }

    @Override
    public boolean completeExceptionally(Throwable ex) {
      return abandon() && super.completeExceptionally(ex);
    }

    @Override
    public CompletableFuture<T> completeAsync(Supplier<? extends T> supplier, Executor executor) {
      throw new UnsupportedOperationException("completeAsync on a queue waiter; use cancel()");
    }

    @Override
    public CompletableFuture<T> completeAsync(Supplier<? extends T> supplier) {
      throw new UnsupportedOperationException("completeAsync on a queue waiter; use cancel()");
    }

    @Override
    public void obtrudeValue(T value) {
      throw new UnsupportedOperationException("obtrudeValue on a queue waiter; use cancel()");
    }

    @Override
    public void obtrudeException(Throwable ex) {
      throw new UnsupportedOperationException("obtrudeException on a queue waiter; use cancel()");
    }

    @Override
    public <U> CompletableFuture<U> newIncompleteFuture() {
      return new CompletableFuture<>();
    }
  }

  private static final class PutWaiter<E> extends Waiter<Void> {
    final E element;

    PutWaiter(ElasticBuffer<E> owner, E element) {
      super(owner);
      this.element = element;
    }
  }

  private static final class TakeWaiter<E> extends Waiter<E> {
    TakeWaiter(ElasticBuffer<E> owner) {
      super(owner);
    }
  }
}
