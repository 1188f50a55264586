package io.github.elasticq.mailbox;

import com.typesafe.config.Config;
import io.github.elasticq.queue.QosQueue;
import io.github.elasticq.queue.QueueConfig;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.pekko.actor.ActorRef;
import org.apache.pekko.actor.ActorSystem;
import org.apache.pekko.dispatch.MailboxType;
import org.apache.pekko.dispatch.MessageQueue;
import org.apache.pekko.dispatch.ProducesMessageQueue;
import scala.Option;

/**
 * A priority mailbox over a {@link QosQueue}: each message is put on a quality-of-service level (0
 * = lowest, {@code levels-1} = highest) and the actor takes messages by the configured fairness
 * policy, FIFO within a level. Pekko {@code ControlMessage}s bypass the levels and are delivered
 * before any of them.
 *
 * <p>Classification, on the sending thread: the {@code classifier} (FQCN of a {@link
 * QosClassifier}, instantiated once when this mailbox type is constructed) if set; otherwise {@link
 * QosMessage#qosLevel()} for messages implementing it; otherwise {@code default-level}. Results
 * outside {@code [0, levels-1]} are clamped to the nearest level and counted.
 *
 * <p>Fairness: {@code strict} always serves the highest non-empty level; {@code weighted} runs
 * rounds from the highest level to the lowest in which level {@code i} delivers up to {@code
 * weights[i]} messages (weights lowest level first) and empty levels are skipped, so no level
 * starves. With {@code weights = [1, 2, 4]} and all levels backlogged the actor sees levels {@code
 * 2 2 2 2 1 1 0, 2 2 2 2 1 1 0, ...}. See {@link QosQueue} for the exact rules.
 *
 * <pre>
 * my-qos-mailbox {
 *   mailbox-type = "io.github.elasticq.mailbox.QosMailbox"
 *   fairness = strict
 * }
 * </pre>
 *
 * <p><b>Overload shedding</b> ({@code shedding.threshold}, off by default): once the user messages
 * queued in all levels together reach {@code threshold x max-capacity}, messages of the levels
 * below {@code shedding.below-level} are refused at once (dead letters, counted per level as {@code
 * shed} in {@link MailboxInfo#levelShed()}), so the higher levels keep their headroom and the lower
 * ones cannot fill the actor's backlog. The check reads the size without a lock: concurrent senders
 * may each pass it, so the lower levels can exceed the threshold by at most the number of
 * concurrent senders (never their own {@code max-capacity}).
 *
 * <p><b>Burst memory</b> ({@code burst-memory = on}, off by default): each level keeps the capacity
 * its recurring bursts need, and a level that stays empty and idle for {@code idle-shrink-after} is
 * returned to {@code min-capacity} by the actor's own run, as in {@link ElasticMailbox} (see {@link
 * BurstMemoryQosMessageQueue}).
 *
 * <p>Keys a section does not set fall back to {@code elasticq.qos-mailbox}. Overflow of a level at
 * {@code max-capacity} goes to dead letters as with {@link ElasticMailbox}. Pekko constructs one
 * instance per section and actor system; an invalid section (levels, default-level, fairness,
 * weights, classifier or sizing) fails the creation of the actor with a {@code
 * ConfigurationException} naming the config path and key. {@link #create} may be called from any
 * thread.
 */
public final class QosMailbox implements MailboxType, ProducesMessageQueue<QosMessageQueue> {

  private final String id;
  private final QueueConfig queueConfig;
  private final int levels;
  private final int defaultLevel;
  private final QosQueue.Fairness fairness;
  private final int[] weights;
  private final QosClassifier classifier;
  private final int shedAt;
  private final int shedBelowLevel;
  private final QueueFamily.Cache families;
  private final boolean padded;

  /** See {@link #classificationFailures()}. */
  private final AtomicLong classificationFailures = new AtomicLong();

  /** Sizing of the control-message queue: {@link #queueConfig} without burst memory. */
  private final QueueConfig controlQueueConfig;

  /** {@code idle-shrink-after} in nanoseconds with {@code burst-memory = on}; 0 when off. */
  private final long idleShrinkNanos;

  /**
   * Called by Pekko with the mailbox's configuration section.
   *
   * @throws org.apache.pekko.ConfigurationException if a key is invalid or the classifier cannot be
   *     loaded or instantiated; the message names the config path of the key
   */
  public QosMailbox(ActorSystem.Settings settings, Config config) {
    MailboxSettings s = MailboxSettings.of(settings, config, MailboxSettings.QOS_DEFAULTS);
    this.id = s.id();
    this.families = new QueueFamily.Cache(id, QosMailbox.class.getName(), s.unknownKeys());
    boolean burstMemory = s.burstMemory();
    this.controlQueueConfig = s.queueConfig();
    this.queueConfig =
        burstMemory ? controlQueueConfig.toBuilder().burstMemory(true).build() : controlQueueConfig;
    // Read with burst memory off too: an invalid value fails now, not when burst memory is on.
    long idleShrink = s.idleShrinkAfter().toNanos();
    this.idleShrinkNanos = burstMemory ? idleShrink : 0L;
    this.levels = s.levels();
    this.defaultLevel = s.defaultLevel(levels);
    this.fairness = s.fairness();
    this.weights = s.weights(fairness, levels);
    this.classifier = s.classifier();
    this.padded = s.paddedLayout();
    double threshold = s.sheddingThreshold();
    this.shedBelowLevel = s.sheddingBelowLevel(levels, threshold);
    this.shedAt =
        threshold == 0.0
            ? Integer.MAX_VALUE
            : (int) Math.max(1, Math.ceil(threshold * queueConfig.heldAtMost()));
  }

  /**
   * Total queued user messages (all levels) from which levels below {@link #shedBelowLevel()} are
   * refused; {@link Integer#MAX_VALUE} when shedding is off. Any thread.
   */
  public int shedAt() {
    return shedAt;
  }

  /** Levels below this one are shed under overload. Any thread. */
  public int shedBelowLevel() {
    return shedBelowLevel;
  }

  /** The configuration path this mailbox type was created from. Any thread. */
  public String id() {
    return id;
  }

  /**
   * The validated sizing of each level's queue (with {@link QueueConfig#burstMemory()} when {@code
   * burst-memory = on}). Any thread.
   */
  public QueueConfig queueConfig() {
    return queueConfig;
  }

  /** The control-message queue's sizing: {@link #queueConfig()} without burst memory. */
  QueueConfig controlQueueConfig() {
    return controlQueueConfig;
  }

  /**
   * Whether this type's levels remember recurring bursts ({@code burst-memory = on}), each returned
   * to {@code min-capacity} by the registry's idle check once it stays empty and idle for {@code
   * idle-shrink-after}, as {@link ElasticMailbox#burstMemory()}. Any thread.
   */
  public boolean burstMemory() {
    return idleShrinkNanos != 0;
  }

  /**
   * Counts a classification that threw ({@code classifier} or {@link QosMessage#qosLevel()}): the
   * message goes to {@code default-level}; the first failure of this mailbox type is logged as a
   * warning through {@code registry}'s actor system (if known), later ones are only counted.
   * Sending thread.
   */
  void classificationFailed(MailboxRegistry registry, Object message, Exception e) {
    if (classificationFailures.getAndIncrement() == 0 && registry != null) {
      registry.warning(
          "ElasticQ QoS mailbox [{}]: classifying a message of {} threw {}; it is queued at"
              + " default-level {}, later failures of this mailbox type are counted, not logged",
          id,
          message == null ? "null" : message.getClass().getName(),
          e,
          defaultLevel);
    }
  }

  /**
   * How many classifications of this mailbox type threw (each message queued at {@code
   * default-level} instead). Any thread.
   */
  public long classificationFailures() {
    return classificationFailures.get();
  }

  /** Number of levels. Any thread. */
  public int levels() {
    return levels;
  }

  /** Level of messages that neither the classifier nor {@link QosMessage} place. Any thread. */
  public int defaultLevel() {
    return defaultLevel;
  }

  /** The poll policy. Any thread. */
  public QosQueue.Fairness fairness() {
    return fairness;
  }

  /**
   * Whether each level's queue uses the padded layout ({@code layout = padded}: sender and consumer
   * fields on separate cache lines, for a hot actor under fan-in), as {@link
   * ElasticMailbox#paddedLayout()}. The control-message queue stays compact. Any thread.
   */
  public boolean paddedLayout() {
    return padded;
  }

  /**
   * Whether this type's actors take a level in a burst in batches ({@link
   * QosMessageQueue#dequeue()}): weighted fairness in the compact layout. Strict fairness serves
   * the highest level message by message; the padded layout gives the consumer a line of its own
   * already, as {@link ElasticMailbox}'s padded layout, which does not batch either.
   */
  boolean batches() {
    return fairness == QosQueue.Fairness.WEIGHTED && !padded;
  }

  /** The shared classifier instance, or null when none is configured. Any thread. */
  public QosClassifier classifier() {
    return classifier;
  }

  int[] weightsOrNull() {
    return weights;
  }

  /** Creates the queue of one actor and registers it. Either option may be empty. Any thread. */
  @Override
  public MessageQueue create(Option<ActorRef> owner, Option<ActorSystem> system) {
    ActorSystem sys = system.isDefined() ? system.get() : null;
    ActorRef ownerRef = owner.isDefined() ? owner.get() : null;
    if (idleShrinkNanos != 0) {
      return new BurstMemoryQosMessageQueue(
          families.of(sys), this, ownerRef, idleShrinkNanos, System.nanoTime());
    }
    return new QosMessageQueue(families.of(sys), this, ownerRef);
  }

  @Override
  public String toString() {
    return "QosMailbox{id=" + id + ", levels=" + levels + ", fairness=" + fairness + '}';
  }
}
