package io.github.elasticq.bench;

import com.typesafe.config.Config;
import io.github.elasticq.mailbox.QosMessage;
import io.github.elasticq.queue.AbstractElasticMpscQueue;
import io.github.elasticq.queue.CompactElasticMpscQueue;
import io.github.elasticq.queue.ElasticMpscQueue;
import io.github.elasticq.queue.QueueConfig;
import java.util.ArrayDeque;
import org.apache.pekko.actor.ActorRef;
import org.apache.pekko.actor.ActorSystem;
import org.apache.pekko.dispatch.Envelope;
import org.apache.pekko.dispatch.MailboxType;
import org.apache.pekko.dispatch.MessageQueue;
import org.apache.pekko.dispatch.UnboundedMessageQueueSemantics;
import scala.Option;

/**
 * A design experiment, not a product: a three-level priority mailbox whose senders all offer into
 * one elastic MPSC queue (the FIFO mailbox's path) and whose consumer sorts. Each {@code dequeue}
 * first moves everything the shared queue holds into three consumer-private deques, one per level
 * ({@link QosMessage#qosLevel()}, 0 for other messages), then serves them by the weighted round
 * robin of {@code QosQueue} (weights 1, 2, 4, lowest level first): among the messages in the
 * mailbox when the call began, the same choice as QosMailbox's weighted poll makes. The drain does
 * not wait for a claimed message's store; only when it found nothing does one poll wait (as
 * QosMailbox's dequeue). It answers one question: does moving the levels from the senders' side to
 * the consumer's side close the gap between QosMailbox and a FIFO mailbox on the QoS workload?
 * Missing from it, as from {@link RingMailbox}: statistics, the registry, per-level capacity,
 * control messages first, shedding. The section's {@code layout} ({@code compact} or {@code
 * padded}) picks the shared queue's layout; {@code one-level = on} puts every message at level 0
 * (the same work per message in FIFO order: what the priority order itself costs a workload, apart
 * from the mailbox's work).
 */
public final class SortingQosMailbox implements MailboxType {
  private static final int[] WEIGHTS = {1, 2, 4};

  private final boolean padded;
  private final boolean oneLevel;
  private final QueueConfig config;
  private final int batch;

  /**
   * Called by Pekko when the mailbox type is configured.
   *
   * @param settings the actor system settings
   * @param config the mailbox section; {@code layout} is {@code compact} (the default) or {@code
   *     padded}
   */
  public SortingQosMailbox(ActorSystem.Settings settings, Config config) {
    String layout = config.hasPath("layout") ? config.getString("layout") : "compact";
    if (!layout.equals("compact") && !layout.equals("padded")) {
      throw new IllegalArgumentException(
          "SortingQosMailbox layout must be compact or padded, was " + layout);
    }
    padded = layout.equals("padded");
    oneLevel = config.hasPath("one-level") && config.getBoolean("one-level");
    batch = config.hasPath("batch") ? config.getInt("batch") : 0;
    if (batch < 0) {
      throw new IllegalArgumentException("SortingQosMailbox batch must be >= 0, was " + batch);
    }
    int min = config.hasPath("min-capacity") ? config.getInt("min-capacity") : 16;
    this.config =
        QueueConfig.builder().initialCapacity(min).minCapacity(min).maxCapacity(1 << 20).build();
  }

  @Override
  public MessageQueue create(Option<ActorRef> owner, Option<ActorSystem> system) {
    return new Queue(
        padded ? new ElasticMpscQueue<>(config) : new CompactElasticMpscQueue<>(config),
        oneLevel,
        batch);
  }

  private static final class Queue implements MessageQueue, UnboundedMessageQueueSemantics {
    private final AbstractElasticMpscQueue<Envelope> shared;

    private final ArrayDeque<Envelope>[] levels = newLevels();

    /** Messages in the deques; consumer thread only (other threads' reads are estimates). */
    private int sorted;

    private int roundLevel = WEIGHTS.length - 1;
    private int roundCredit = WEIGHTS[roundLevel];

    /** Every message at level 0: the same work, FIFO order (the isolating variant). */
    private final boolean oneLevel;

    /** The drain's batch ({@code takeUnreleased}), or null: one relaxed poll per message. */
    private final Object[] taken;

    Queue(AbstractElasticMpscQueue<Envelope> shared, boolean oneLevel, int batch) {
      this.shared = shared;
      this.oneLevel = oneLevel;
      this.taken = batch > 0 ? new Object[batch] : null;
    }

    @SuppressWarnings("unchecked")
    private static ArrayDeque<Envelope>[] newLevels() {
      ArrayDeque<Envelope>[] levels = (ArrayDeque<Envelope>[]) new ArrayDeque<?>[WEIGHTS.length];
      for (int i = 0; i < levels.length; i++) {
        levels[i] = new ArrayDeque<>();
      }
      return levels;
    }

    /** Moves what the shared queue holds (stored, visible) into the deques. */
    private void drain() {
      if (taken != null) {
        int n;
        while ((n = shared.takeUnreleased(taken, taken.length)) > 0) {
          for (int i = 0; i < n; i++) {
            Envelope e = (Envelope) taken[i];
            taken[i] = null;
            levels[level(e)].addLast(e);
          }
          sorted += n; // counted before the release: hasMessages never misses them
          shared.releaseTaken(n);
        }
        return;
      }
      Envelope e;
      while ((e = shared.relaxedPoll()) != null) {
        levels[level(e)].addLast(e);
        sorted++;
      }
    }

    @Override
    public void enqueue(ActorRef receiver, Envelope handle) {
      if (!shared.offer(handle)) {
        throw new IllegalStateException("the shared queue refused a message: it is full");
      }
    }

    @Override
    public Envelope dequeue() {
      drain();
      if (sorted == 0) {
        // as QosMailbox: wait for a claimed message's store only when nothing else is there
        Envelope e = shared.relaxedPoll(64);
        if (e == null) {
          return null;
        }
        levels[level(e)].addLast(e);
        sorted++;
      }
      for (int step = 0; step <= WEIGHTS.length; step++) {
        if (roundCredit > 0) {
          Envelope next = levels[roundLevel].pollFirst();
          if (next != null) {
            roundCredit--;
            sorted--;
            return next;
          }
        }
        roundLevel = roundLevel == 0 ? WEIGHTS.length - 1 : roundLevel - 1;
        roundCredit = WEIGHTS[roundLevel];
      }
      throw new IllegalStateException("sorted = " + sorted + " but every level is empty");
    }

    private int level(Envelope e) {
      if (oneLevel) {
        return 0;
      }
      return e.message() instanceof QosMessage m
          ? Math.max(0, Math.min(WEIGHTS.length - 1, m.qosLevel()))
          : 0;
    }

    @Override
    public int numberOfMessages() {
      return sorted + shared.size();
    }

    @Override
    public boolean hasMessages() {
      return sorted > 0 || !shared.isEmpty();
    }

    @Override
    public void cleanUp(ActorRef owner, MessageQueue deadLetters) {
      Envelope e;
      while ((e = dequeue()) != null || hasMessages()) {
        if (e != null) {
          deadLetters.enqueue(owner, e);
        }
      }
    }
  }
}
