package io.github.elasticq.mailbox;

import com.typesafe.config.Config;
import io.github.elasticq.queue.AbstractElasticMpscQueue;
import io.github.elasticq.queue.CompactElasticMpscQueue;
import io.github.elasticq.queue.ElasticMpscQueue;
import io.github.elasticq.queue.QueueConfig;
import org.apache.pekko.actor.ActorRef;
import org.apache.pekko.actor.ActorSystem;
import org.apache.pekko.dispatch.Envelope;
import org.apache.pekko.dispatch.MessageQueue;
import org.apache.pekko.dispatch.ProducesMessageQueue;

/**
 * The default ElasticQ mailbox: one {@link ElasticMpscQueue} per actor (in its unpadded layout,
 * {@link io.github.elasticq.queue.CompactElasticMpscQueue}), lock-free for the senders, polled by
 * the actor alone. It starts small ({@code initial-capacity}), grows under bursts and shrinks back
 * when drained; beyond {@code max-capacity} a message is published as a {@code DeadLetter}
 * (original sender and recipient kept) and counted in the queue's {@code rejected} counter, and the
 * sender never blocks.
 *
 * <p>Configure a section whose {@code mailbox-type} is this class; keys it does not set fall back
 * to {@code elasticq.mailbox} in the module's {@code reference.conf}:
 *
 * <pre>
 * my-mailbox {
 *   mailbox-type = "io.github.elasticq.mailbox.ElasticMailbox"
 *   max-capacity = 10000
 * }
 * </pre>
 *
 * <p>{@code layout = padded} gives each actor the padded {@link ElasticMpscQueue} instead: the
 * senders' fields and the actor's fields on separate cache lines, about 200 bytes more per actor,
 * for the few hot actors of a system (see {@code reference.conf}).
 *
 * <p>{@code burst-memory = on} makes each queue keep the capacity its recurring bursts need
 * (instead of shrinking when drained and regrowing, allocating, on the next burst); an actor that
 * stays idle for {@code idle-shrink-after} gets its queue back to {@code min-capacity} through the
 * {@link MailboxRegistry} (see {@code reference.conf}).
 *
 * <p>The produced queue has {@link ElasticMessageQueueSemantics}: a single consumer, so it cannot
 * serve a {@code BalancingDispatcher} or {@code BalancingPool} (Pekko rejects it there because it
 * lacks {@code MultipleConsumerSemantics}); use {@link ElasticSharedMailbox} for those.
 *
 * <p>Pekko constructs one instance per configuration section and actor system, on first use, and
 * may call {@link #create} from any thread; an invalid section fails that construction (and so the
 * creation of the actor) with a {@code ConfigurationException} naming the path and key.
 */
public final class ElasticMailbox extends AbstractElasticMailboxType
    implements ProducesMessageQueue<ElasticMessageQueue> {

  /** {@code layout = padded}: the padded queue for each actor. */
  private final boolean padded;

  /** {@code idle-shrink-after} in nanoseconds with {@code burst-memory = on}; 0 when off. */
  private final long idleShrinkNanos;

  /**
   * Called by Pekko with the mailbox's configuration section.
   *
   * @throws org.apache.pekko.ConfigurationException if a key is invalid; the message names the
   *     config path of the key
   */
  public ElasticMailbox(ActorSystem.Settings settings, Config config) {
    this(MailboxSettings.of(settings, config, MailboxSettings.ELASTIC_DEFAULTS));
  }

  private ElasticMailbox(MailboxSettings s) {
    this(s, s.burstMemory());
  }

  private ElasticMailbox(MailboxSettings s, boolean burstMemory) {
    super(s, burstMemory ? s.queueConfig().toBuilder().burstMemory(true).build() : s.queueConfig());
    this.padded = s.paddedLayout();
    // Read with burst memory off too: an invalid value fails now, not when burst memory is on.
    long idleShrink = s.idleShrinkAfter().toNanos();
    this.idleShrinkNanos = burstMemory ? idleShrink : 0L;
  }

  /** Whether this type's queues use the padded layout ({@code layout = padded}). Any thread. */
  public boolean paddedLayout() {
    return padded;
  }

  /**
   * Whether this type's queues remember recurring bursts ({@code burst-memory = on}). Any thread.
   */
  public boolean burstMemory() {
    return idleShrinkNanos != 0L;
  }

  @Override
  MessageQueue newQueue(QueueFamily family, QueueConfig config, ActorRef owner) {
    AbstractElasticMpscQueue<Envelope> queue =
        padded ? new ElasticMpscQueue<>(config) : new CompactElasticMpscQueue<>(config);
    if (idleShrinkNanos != 0L) {
      return new BurstMemoryMessageQueue(family, queue, owner, idleShrinkNanos, System.nanoTime());
    }
    return new ElasticMessageQueue(family, queue, owner);
  }
}
