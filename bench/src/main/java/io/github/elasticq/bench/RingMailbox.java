package io.github.elasticq.bench;

import com.typesafe.config.Config;
import java.util.List;
import java.util.Queue;
import org.agrona.concurrent.ManyToOneConcurrentArrayQueue;
import org.apache.pekko.actor.ActorRef;
import org.apache.pekko.actor.ActorSystem;
import org.apache.pekko.dispatch.Envelope;
import org.apache.pekko.dispatch.MailboxType;
import org.apache.pekko.dispatch.MessageQueue;
import org.apache.pekko.dispatch.UnboundedMessageQueueSemantics;
import org.jctools.queues.MessagePassingQueue;
import org.jctools.queues.MpscArrayQueue;
import org.jctools.queues.MpscUnboundedArrayQueue;
import scala.Option;

/**
 * A ceiling, not a product: a Pekko mailbox over one array-based MPSC queue (named by the section's
 * {@code ring} key: JCTools' MpscUnboundedArrayQueue with 1024-slot chunks, or a ring fixed at 131
 * 072 slots, JCTools' MpscArrayQueue or Agrona's ManyToOneConcurrentArrayQueue), with nothing else
 * in it (no statistics, no registry, no resize policy). It answers one question about a mailbox
 * benchmark: how fast is a mailbox whose queue is simply one of the fastest array rings there are?
 * Where such a mailbox does not beat Pekko's node-queue mailbox either, the miss of an array-based
 * mailbox is the workload's (the dispatcher's cycle, the node queue's layout) more than its
 * queue's. JCTools queues dequeue with {@code relaxedPoll} (null while a claimed slot is not yet
 * stored, as ElasticMailbox's dequeue), the others with {@code poll}; {@code hasMessages} is the
 * queue's exact {@code isEmpty}, as in every Pekko mailbox.
 */
public final class RingMailbox implements MailboxType {
  /** The prefix of a ring's name in {@link Mailboxes#section}: {@code Ring+MpscArrayQueue}. */
  static final String PREFIX = "Ring+";

  /** The rings {@link #queue} builds, by the names the {@code ring} key takes. */
  static final List<String> RINGS =
      List.of("MpscUnboundedArrayQueue", "MpscArrayQueue", "ManyToOneConcurrentArrayQueue");

  private final String ring;

  /**
   * Called by Pekko when the mailbox type is configured.
   *
   * @param settings the actor system settings
   * @param config the mailbox section; {@code ring} names the queue
   */
  public RingMailbox(ActorSystem.Settings settings, Config config) {
    ring = config.getString("ring");
    if (!RINGS.contains(ring)) { // fail at configuration, naming the unknown queue
      throw new IllegalArgumentException(
          "unknown ring for RingMailbox: " + ring + "; one of " + RINGS);
    }
  }

  /** The ring named {@code ring}: rings hold the bounded peers' capacity, above any burst. */
  private static Queue<Object> queue(String ring) {
    int capacity = Mailboxes.BOUNDED_CAPACITY;
    return switch (ring) {
      case "MpscUnboundedArrayQueue" -> new MpscUnboundedArrayQueue<>(1024);
      case "MpscArrayQueue" -> new MpscArrayQueue<>(capacity);
      case "ManyToOneConcurrentArrayQueue" -> new ManyToOneConcurrentArrayQueue<>(capacity);
      default -> throw new IllegalArgumentException("unknown ring for RingMailbox: " + ring);
    };
  }

  @Override
  public MessageQueue create(Option<ActorRef> owner, Option<ActorSystem> system) {
    Queue<Object> queue = queue(ring);
    return queue instanceof MessagePassingQueue<?> ? new Relaxed(queue) : new Exact(queue);
  }

  /** The message queue: every method is the held queue's. */
  private abstract static class Ring implements MessageQueue, UnboundedMessageQueueSemantics {
    final Queue<Object> queue;

    Ring(Queue<Object> queue) {
      this.queue = queue;
    }

    @Override
    public final void enqueue(ActorRef receiver, Envelope handle) {
      if (!queue.offer(handle)) {
        throw new IllegalStateException("the ring refused a message: it is full");
      }
    }

    @Override
    public final int numberOfMessages() {
      return queue.size();
    }

    @Override
    public final boolean hasMessages() {
      return !queue.isEmpty();
    }

    @Override
    public final void cleanUp(ActorRef owner, MessageQueue deadLetters) {
      Envelope e;
      while ((e = dequeue()) != null || hasMessages()) {
        if (e != null) {
          deadLetters.enqueue(owner, e);
        }
      }
    }
  }

  private static final class Relaxed extends Ring {
    private final MessagePassingQueue<Object> relaxed;

    @SuppressWarnings("unchecked")
    Relaxed(Queue<Object> queue) {
      super(queue);
      relaxed = (MessagePassingQueue<Object>) queue;
    }

    @Override
    public Envelope dequeue() {
      return (Envelope) relaxed.relaxedPoll();
    }
  }

  private static final class Exact extends Ring {
    Exact(Queue<Object> queue) {
      super(queue);
    }

    @Override
    public Envelope dequeue() {
      return (Envelope) queue.poll();
    }
  }
}
