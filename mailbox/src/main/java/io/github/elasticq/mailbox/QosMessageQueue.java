package io.github.elasticq.mailbox;

import io.github.elasticq.queue.AbstractElasticMpscQueue;
import io.github.elasticq.queue.CompactElasticMpscQueue;
import io.github.elasticq.queue.QosQueue;
import io.github.elasticq.queue.QueueStats;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.AtomicLongFieldUpdater;
import org.apache.pekko.actor.ActorRef;
import org.apache.pekko.dispatch.ControlMessage;
import org.apache.pekko.dispatch.Envelope;

/**
 * The message queue of {@link QosMailbox}: a queue for Pekko {@link ControlMessage}s, always
 * drained first, in front of a {@link QosQueue} of user messages. Enqueue (which classifies) from
 * any thread; dequeue from the owning actor only. Happens-before as in {@link QosQueue}.
 *
 * <p>Idle footprint: the control queue is created by the first control message (one CAS; the
 * consumer reads the field with a volatile read, so it sees the queue fully built), and the
 * QosQueue creates each level's queue on the first offer to it, so an actor that never received a
 * message holds no element queue at all.
 */
class QosMessageQueue extends AbstractElasticMessageQueue implements QosMessageQueueSemantics {

  private static final AtomicLongFieldUpdater<QosMessageQueue> CLAMPED =
      AtomicLongFieldUpdater.newUpdater(QosMessageQueue.class, "clampedCount");

  private static final VarHandle CONTROL;

  static {
    try {
      CONTROL =
          MethodHandles.lookup()
              .findVarHandle(QosMessageQueue.class, "control", AbstractElasticMpscQueue.class);
    } catch (ReflectiveOperationException e) {
      throw new ExceptionInInitializerError(e);
    }
  }

  /** Pekko control messages; null until the first one. Set once, through {@link #CONTROL}. */
  private volatile AbstractElasticMpscQueue<Envelope> control;

  /**
   * The mailbox type: its validated settings (config, classifier, levels, shedding) are read from
   * there, shared by every queue of the type, instead of being copied into each queue (idle
   * footprint).
   */
  final QosMailbox type;

  /** The user messages' levels. */
  final QosQueue<Envelope> queue;

  /** Messages refused by overload shedding, per level; null when shedding is off. */
  private final AtomicLongArray shed;

  /**
   * Weighted fairness, compact layout: while a level the actor takes from is above {@code
   * min-capacity} (a burst), the messages taken from it together ({@link QosQueue#takeUnreleased})
   * and not yet handed out; null otherwise (an idle actor holds none). Consumer only.
   */
  private ConsumerBatch<QosQueue<Envelope>> batch;

  /** Written only through {@link #CLAMPED}, on the rare out-of-range path. */
  @SuppressWarnings("unused")
  private volatile long clampedCount;

  QosMessageQueue(QueueFamily family, QosMailbox type, ActorRef owner) {
    this(family, type);
    register(owner);
  }

  /** For a subclass, which registers as the last statement of its own constructor. */
  QosMessageQueue(QueueFamily family, QosMailbox type) {
    super(family);
    this.type = type;
    this.queue =
        new QosQueue<>(
            type.levels(),
            type.fairness(),
            type.weightsOrNull(),
            type.queueConfig(),
            type.paddedLayout());
    this.shed = type.shedAt() == Integer.MAX_VALUE ? null : new AtomicLongArray(type.levels());
  }

  /** The time-in-mailbox {@code level} tags, by level. */
  private static final String[] LEVEL_TAGS = new String[QosQueue.MAX_LEVELS];

  static {
    for (int i = 0; i < LEVEL_TAGS.length; i++) {
      LEVEL_TAGS[i] = Integer.toString(i);
    }
  }

  /** The time-in-mailbox {@code level} tag of Pekko's control messages. */
  static final String CONTROL_LEVEL_TAG = "control";

  @Override
  boolean offer(Envelope handle) {
    Object sent = handle.message();
    SampledMessage sampled = sent instanceof SampledMessage s ? s : null;
    Object message = sampled == null ? sent : sampled.message;
    if (message instanceof ControlMessage) {
      if (sampled != null) {
        sampled.level = CONTROL_LEVEL_TAG;
      }
      AbstractElasticMpscQueue<Envelope> c = control;
      return (c != null ? c : createControl()).offer(handle);
    }
    int level = levelOf(message);
    if (sampled != null) {
      sampled.level = LEVEL_TAGS[level];
    }
    if (level < type.shedBelowLevel() && shed != null && queue.size() >= type.shedAt()) {
      shed.incrementAndGet(level); // QosShedding: a shed level never grows past the threshold
      return false;
    }
    return queue.offer(handle, level);
  }

  /** The queue of user messages, all levels (for tests in this package). */
  QosQueue<Envelope> userQueue() {
    return queue;
  }

  @Override
  long[] levelShed() {
    if (shed == null) {
      return null;
    }
    long[] out = new long[shed.length()];
    for (int i = 0; i < out.length; i++) {
      out[i] = shed.get(i);
    }
    return out;
  }

  /** The control queue, installed by the first control message; the loser of a race uses it. */
  @SuppressWarnings("unchecked")
  private AbstractElasticMpscQueue<Envelope> createControl() {
    AbstractElasticMpscQueue<Envelope> created =
        new CompactElasticMpscQueue<>(type.controlQueueConfig());
    Object witness = CONTROL.compareAndExchange(this, null, created); // queue built before seen
    return witness == null ? created : (AbstractElasticMpscQueue<Envelope>) witness;
  }

  /**
   * The level of {@code message}: the classifier's, else its {@link QosMessage#qosLevel()}, else
   * {@code default-level}; clamped into range. A classifier or {@code qosLevel()} that throws puts
   * the message at {@code default-level} ({@link QosMailbox#classificationFailed}): Pekko's {@code
   * tell} does not hand an exception of the enqueue to the sender, it logs it and drops the
   * message, which was then neither delivered, nor dead-lettered, nor counted.
   */
  private int levelOf(Object message) {
    int level;
    QosClassifier classifier = type.classifier();
    try {
      if (classifier != null) {
        level = classifier.levelOf(message);
      } else if (message instanceof QosMessage) {
        level = ((QosMessage) message).qosLevel();
      } else {
        return type.defaultLevel();
      }
    } catch (Exception e) {
      type.classificationFailed(registry(), message, e);
      return type.defaultLevel();
    }
    int topLevel = type.levels() - 1;
    if (level < 0) {
      CLAMPED.incrementAndGet(this);
      return 0;
    }
    if (level > topLevel) {
      CLAMPED.incrementAndGet(this);
      return topLevel;
    }
    return level;
  }

  /**
   * The relaxed polls of the control queue and the levels ({@link
   * AbstractElasticMpscQueue#relaxedPoll}, {@link QosQueue#relaxedPoll(int)}): a message whose
   * sender has claimed its index but not stored it within a short wait ({@link #CLAIMED_SPINS}) is
   * not taken by this call. It is not stranded: {@link #hasMessages} counts it by index, and
   * Pekko's mailbox run re-checks {@code hasMessages} after it sets itself idle (the argument is
   * written out at {@code ElasticMessageQueue.dequeue}). While it waits, nothing behind it goes
   * first: a later message of the same queue may already be stored and its sender may have sent a
   * user message (or a lower level's) since, so a control queue whose head is claimed, and with
   * strict fairness a level whose head is claimed, end the call with null rather than let a lower
   * one be served.
   *
   * <p>With weighted fairness in the compact layout ({@link QosMailbox#batches()}), once a message
   * comes from a level above {@code min-capacity} (a burst), the user messages are taken up to
   * {@link ElasticMessageQueue#BATCH} at a time with {@link QosQueue#takeUnreleased}, never more
   * than the round's remaining credit at that level, and handed out one per call: the same order as
   * one relaxed poll per call, with the level's queue fields touched once per batch. The control
   * queue is still read first on every call, so a control message waits for no batch. The batch is
   * dropped once every level is empty and back at {@code min-capacity}; see {@link
   * #numberOfMessages} for what a batch in progress changes.
   */
  @Override
  public Envelope dequeue() {
    AbstractElasticMpscQueue<Envelope> c = control;
    if (c != null) {
      // reads the producers' word only on an empty slot; null at once if nothing is claimed
      Envelope e = c.relaxedPoll(CLAIMED_SPINS);
      if (e != null) {
        return delivered(e);
      }
      if (!c.isEmpty()) {
        return null; // claimed, not stored within the wait: no user message before it
      }
    }
    ConsumerBatch<QosQueue<Envelope>> b = batch;
    if (b != null) {
      return fromBatch(b);
    }
    Envelope e = queue.relaxedPoll(CLAIMED_SPINS);
    if (e != null && type.batches() && queue.servingGrownLevel()) {
      batch = new ConsumerBatch<>(queue, ElasticMessageQueue.BATCH); // a burst: take in batches
    }
    return delivered(e);
  }

  /**
   * The next held message; when none is held, takes the next batch, and when no level has a visible
   * message, falls back to the relaxed poll (which samples the empty levels and waits for a claimed
   * message) and drops the batch once every level is empty at {@code min-capacity}. The batch is
   * released with its last message, so {@code hasMessages} (by index) stays exact.
   */
  private Envelope fromBatch(ConsumerBatch<QosQueue<Envelope>> b) {
    int taken = b.taken;
    if (taken == 0) {
      taken = queue.takeUnreleased(b.items, b.items.length);
      if (taken == 0) {
        Envelope e = queue.relaxedPoll(CLAIMED_SPINS);
        if (e == null && queue.allLevelsAtMinCapacity()) {
          batch = null; // the burst is over: an idle actor keeps no batch
        }
        return delivered(e);
      }
      b.taken = taken;
    }
    Object e = b.handOut();
    if (b.taken == 0) {
      queue.releaseTaken(); // the batch's last message
    }
    return delivered((Envelope) e);
  }

  /** Whether the actor takes its user messages in batches now (a level in a burst); for tests. */
  final boolean batching() {
    return batch != null;
  }

  /** Whether a batch holds taken messages not released yet (no other level method may run). */
  final boolean holdsBatch() {
    ConsumerBatch<QosQueue<Envelope>> b = batch;
    return b != null && b.taken != 0;
  }

  @Override
  boolean holdsHeldBatch() {
    return holdsBatch();
  }

  @Override
  int handedOutOfHeldBatch() {
    ConsumerBatch<QosQueue<Envelope>> b = batch;
    return b != null && b.taken != 0 ? b.delivered : 0;
  }

  /**
   * The control queue, then the held messages of a batch (a run ended inside it), then the exact
   * poll. {@code cleanUp} calls this on the actor's thread once the actor has stopped.
   */
  @Override
  Envelope exactDequeue() {
    AbstractElasticMpscQueue<Envelope> c = control;
    if (c != null) {
      Envelope e = c.poll();
      if (e != null) {
        return delivered(e);
      }
    }
    if (holdsBatch()) {
      return fromBatch(batch);
    }
    return delivered(queue.poll());
  }

  /**
   * The control queue's size and the levels', less the messages of the current batch already handed
   * to the actor (they stay in their level's count until the batch is released, so they also count
   * against that level's {@code max-capacity}: a send can be refused while up to {@link
   * ElasticMessageQueue#BATCH} − 1 messages already handed out are counted). Exact on the actor's
   * thread; on another thread off by up to that many while the actor is inside a batch.
   */
  @Override
  public int numberOfMessages() {
    AbstractElasticMpscQueue<Envelope> c = control;
    ConsumerBatch<QosQueue<Envelope>> b = batch;
    // each part is at most Integer.MAX_VALUE (the levels' sum saturates): so does their sum
    long n = (long) (c == null ? 0 : c.size()) + queue.size() - (b == null ? 0 : b.delivered);
    return (int) Math.min(Math.max(n, 0), Integer.MAX_VALUE);
  }

  @Override
  public boolean hasMessages() {
    AbstractElasticMpscQueue<Envelope> c = control;
    return (c != null && !c.isEmpty()) || !queue.isEmpty();
  }

  @Override
  int maxCapacity() {
    return type.queueConfig().heldAtMost();
  }

  /** One element per level, then the control queue's. */
  @Override
  int[] takePeakWindows() {
    int levels = type.levels();
    int[] peaks = new int[levels + 1];
    for (int level = 0; level < levels; level++) {
      peaks[level] = queue.takePeakWindow(level);
    }
    AbstractElasticMpscQueue<Envelope> c = control;
    peaks[levels] = c == null ? 0 : c.takePeakWindow();
    return peaks;
  }

  @Override
  long clampedLevels() {
    return clampedCount;
  }

  /** All levels plus the control queue. */
  @Override
  QueueStats stats() {
    List<QueueStats> all = new ArrayList<>(queue.levelStats());
    AbstractElasticMpscQueue<Envelope> c = control;
    all.add(
        c != null
            ? c.stats()
            : new QueueStats(type.queueConfig().initialCapacity(), 0, 0, 0, 0, 0, 0, 0, 0));
    return QosQueue.aggregate(all);
  }

  /** The levels' counters given, plus the control queue's, read now. */
  @Override
  QueueStats stats(List<QueueStats> levels) {
    List<QueueStats> all = new ArrayList<>(levels);
    AbstractElasticMpscQueue<Envelope> c = control;
    all.add(
        c != null
            ? c.stats()
            : new QueueStats(type.queueConfig().initialCapacity(), 0, 0, 0, 0, 0, 0, 0, 0));
    return QosQueue.aggregate(all);
  }

  /** One entry per level, lowest first; the control queue is counted only in {@link #stats()}. */
  @Override
  List<QueueStats> levelStats() {
    return queue.levelStats();
  }
}
