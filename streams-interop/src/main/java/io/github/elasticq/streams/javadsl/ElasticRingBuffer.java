package io.github.elasticq.streams.javadsl;

import io.github.elasticq.queue.QueueConfig;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/*
 * Implementation notes
 *
 * One stage owns this buffer and is its only writer: GraphStageLogic callbacks of one stage never
 * run concurrently, and the interpreter's hand-over between threads establishes happens-before
 * (as a dispatcher does for a mailbox). So the element path is plain Java: a ring over one
 * Object[] whose length is the logical capacity exactly (any length, not a power of two: the index
 * wraps with a compare, so a max of 1,000,000 costs 1,000,000 slots, like Pekko's buffer), no
 * atomics, no chain of buffers. The ElasticMpscQueue this replaces paid a CAS per offer and
 * allocated a new buffer per grow and per shrink step for producers that a stage never has.
 *
 * Growing: add() into a full ring below max copies the elements, in order, into an array of
 * config.grownCapacity(capacity): each element is copied 1 / (growthFactor - 1) times on average
 * (once with the default 2.0), as in any growing array. The stage never adds at max (it stops
 * pulling), which add() checks. A max above QueueConfig.CAPACITY_LIMIT (2^30, "no bound" is
 * accepted) counts as that limit, the largest array this may allocate: grownCapacity stops there
 * and hasRoom() is false there, so the stage backpressures at 2^30 elements.
 *
 * Shrinking, on the owner's own polls (no clock, no other thread):
 * - DrainedReleasesArray: the poll that empties a ring whose capacity is above min drops the
 *   array and sets the capacity to min; the next add() that needs room allocates min slots. A
 *   drained buffer so keeps no slots at all, and a ring that never exceeds min keeps its array
 *   (a stream that passes elements one at a time must not allocate per element).
 * - StandingBacklog: a ring that does not empty but whose occupancy, sampled at every poll,
 *   stayed at or below shrinkThreshold x capacity for a whole window of `capacity` polls is
 *   copied into a smaller array: capacity / growthFactor, repeated while the window's peak (and
 *   the current size) would still sit at or below the threshold, never below min, and only while
 *   a step would not land at the peak or below (QueueConfig.shrinkStepBoundedBySize, skipped as
 *   by the mailbox queues: mostly with shrinkThreshold x growthFactor >= 1, such a step left a
 *   steady size filling the ring, the next add() grew it and the next window shrank it again).
 *   The copy moves at most threshold x capacity elements after `capacity` polls (amortized
 *   O(1)); afterwards the occupancy is at most growthFactor x shrinkThreshold (0.5 by default) of
 *   the new capacity, away from both the next grow and the next shrink (the hysteresis of the
 *   MPSC queue).
 *
 * Observers: size, capacity, allocated slots, grows and shrinks are written by the owner with
 * opaque stores and read by any thread with opaque loads (the package's tests): each read returns
 * a value the owner wrote, soon after it wrote it, with no ordering between fields. That is all an
 * observer needs, and it costs the element path nothing: on x86 an opaque store is a plain move
 * that the JIT must emit (it may not merge it away or keep the value in a register), with no fence
 * and no constraint on the stores around it (a release store is a plain move too, but it pins the
 * stores before it). The owner reads its own fields plainly. The array and the indexes are never
 * read by another thread.
 */

/**
 * INTERNAL API: the single-threaded elastic ring behind {@link ElasticFlow#buffer}. It holds no
 * array until the first element that has to wait, grows by {@link QueueConfig#grownCapacity} up to
 * {@link QueueConfig#maxCapacity}, gives its array back as soon as it is drained, and shrinks a
 * standing low backlog towards {@link QueueConfig#minCapacity}.
 *
 * <p>Threads: {@link #add}, {@link #poll}, {@link #remove}, {@link #isEmpty} and {@link #hasRoom}
 * belong to the owning stage (one thread at a time, hand-overs ordered by the stream interpreter).
 * {@link #size}, {@link #capacity}, {@link #allocatedSlots}, {@link #grows} and {@link #shrinks}
 * may be called from any thread and return a value the owner published at some recent moment; they
 * are read independently and establish no happens-before (an observer waits for the value it
 * expects).
 *
 * @param <E> element type; the owner never adds null
 */
final class ElasticRingBuffer<E> {

  private static final Object[] NO_SLOTS = new Object[0];

  private static final VarHandle SIZE;
  private static final VarHandle CAPACITY;
  private static final VarHandle ALLOCATED;
  private static final VarHandle GROWS;
  private static final VarHandle SHRINKS;

  static {
    try {
      MethodHandles.Lookup lookup = MethodHandles.lookup();
      SIZE = lookup.findVarHandle(ElasticRingBuffer.class, "size", int.class);
      CAPACITY = lookup.findVarHandle(ElasticRingBuffer.class, "capacity", int.class);
      ALLOCATED = lookup.findVarHandle(ElasticRingBuffer.class, "allocated", int.class);
      GROWS = lookup.findVarHandle(ElasticRingBuffer.class, "grows", long.class);
      SHRINKS = lookup.findVarHandle(ElasticRingBuffer.class, "shrinks", long.class);
    } catch (ReflectiveOperationException e) {
      throw new ExceptionInInitializerError(e);
    }
  }

  private final QueueConfig config;
  private final int min;
  private final int max;

  /** Elements; {@code NO_SLOTS} until the first add() that needs room and after a drain. */
  private Object[] slots = NO_SLOTS;

  /** Index of the oldest element in {@code slots}. */
  private int head;

  /** Elements held; owner reads plainly, writes with {@link #setSizeOpaque}. */
  private int size;

  /** Logical capacity: the array length once allocated; owner writes with opaque stores. */
  private int capacity;

  /** {@code slots.length}, published for observers. */
  private int allocated;

  /** Polls left in the current StandingBacklog window. */
  private int windowPolls;

  /** Largest size seen at a poll in the current window (the size before the poll). */
  private int windowPeak;

  private long grows;
  private long shrinks;

  ElasticRingBuffer(QueueConfig config) {
    this.config = config;
    this.min = config.minCapacity();
    this.max = config.heldAtMost();
    this.capacity = config.initialCapacity();
    this.windowPolls = capacity;
  }

  /** Owner only. */
  boolean isEmpty() {
    return size == 0;
  }

  /**
   * Whether another element may be added: fewer than {@code maxCapacity} (at most {@link
   * QueueConfig#CAPACITY_LIMIT}) held. Owner only.
   */
  boolean hasRoom() {
    return size < max;
  }

  /**
   * Appends {@code element}, growing the array if it is full. Owner only.
   *
   * @throws IllegalStateException if the ring already holds {@code maxCapacity} elements (the
   *     owner's backpressure failed)
   */
  void add(E element) {
    Object[] a = slots;
    int n = size;
    if (n == a.length) {
      a = makeRoom(n);
    }
    int tail = head + n;
    if (tail >= a.length) {
      tail -= a.length;
    }
    a[tail] = element;
    setSizeOpaque(n + 1);
  }

  /** Removes and returns the oldest element, or null if empty. Owner only. */
  E poll() {
    return size == 0 ? null : remove();
  }

  /** Removes and returns the oldest element; the ring must not be empty. Owner only. */
  @SuppressWarnings("unchecked")
  E remove() {
    int n = size;
    Object[] a = slots;
    int h = head;
    E element = (E) a[h];
    a[h] = null; // the ring must not keep a delivered element reachable
    head = ++h == a.length ? 0 : h;
    int left = n - 1;
    if (left == 0) {
      if (capacity > min) {
        releaseDrained(); // DrainedReleasesArray
      }
    } else {
      if (n > windowPeak) {
        windowPeak = n;
      }
      if (--windowPolls == 0) {
        endWindow(left); // StandingBacklog
      }
    }
    setSizeOpaque(left);
    return element;
  }

  /** Elements held, as the owner last published; any thread. */
  int size() {
    return (int) SIZE.getOpaque(this);
  }

  /** Logical capacity, in {@code [minCapacity, maxCapacity]}; any thread. */
  int capacity() {
    return (int) CAPACITY.getOpaque(this);
  }

  /** Slots held in the array right now (0 before the first wait and after a drain); any thread. */
  int allocatedSlots() {
    return (int) ALLOCATED.getOpaque(this);
  }

  /** Growth steps so far; any thread. */
  long grows() {
    return (long) GROWS.getOpaque(this);
  }

  /** Shrink operations so far (a drain release or a StandingBacklog copy); any thread. */
  long shrinks() {
    return (long) SHRINKS.getOpaque(this);
  }

  /** A full ring: the first array, or a larger one holding the same elements in order. */
  private Object[] makeRoom(int n) {
    if (n == 0) {
      setSlots(new Object[capacity]);
      head = 0;
      return slots;
    }
    if (n >= max) {
      throw new IllegalStateException("buffer already holds maxCapacity elements: " + n);
    }
    copyInto(config.grownCapacity(capacity), n);
    GROWS.setOpaque(this, grows + 1);
    return slots;
  }

  private void releaseDrained() {
    setSlots(NO_SLOTS);
    head = 0;
    startWindow(min);
    SHRINKS.setOpaque(this, shrinks + 1);
  }

  private void endWindow(int n) {
    int peak = Math.max(windowPeak, n);
    double threshold = config.shrinkThreshold();
    int target = capacity;
    while (peak <= threshold * target && !config.shrinkStepBoundedBySize(target, peak)) {
      int next = config.shrunkCapacity(target, peak); // never below min nor below peak
      if (next >= target) {
        break;
      }
      target = next;
    }
    if (target < capacity) {
      copyInto(target, n);
      SHRINKS.setOpaque(this, shrinks + 1);
    } else {
      startWindow(capacity);
    }
  }

  /** Moves the {@code n} elements, oldest first, into a new array of {@code length >= n}. */
  private void copyInto(int length, int n) {
    Object[] a = slots;
    Object[] b = new Object[length];
    int first = Math.min(n, a.length - head);
    System.arraycopy(a, head, b, 0, first);
    System.arraycopy(a, 0, b, first, n - first);
    setSlots(b);
    head = 0;
    startWindow(length);
  }

  private void startWindow(int newCapacity) {
    setCapacityOpaque(newCapacity);
    windowPolls = newCapacity;
    windowPeak = 0;
  }

  private void setSlots(Object[] a) {
    slots = a;
    ALLOCATED.setOpaque(this, a.length);
  }

  private void setSizeOpaque(int value) {
    SIZE.setOpaque(this, value); // per element; observers need no ordering with it
  }

  private void setCapacityOpaque(int value) {
    CAPACITY.setOpaque(this, value);
  }
}
