package io.github.elasticq.bench;

import com.typesafe.config.Config;
import io.github.elasticq.mailbox.QosMessage;
import java.util.Comparator;
import org.apache.pekko.actor.ActorSystem;
import org.apache.pekko.dispatch.Envelope;
import org.apache.pekko.dispatch.UnboundedStablePriorityMailbox;

/**
 * Pekko's {@link UnboundedStablePriorityMailbox} with a three-level comparator: the peer of
 * QosMailbox. A message's level is {@link QosMessage#qosLevel()} (0 for other messages); higher
 * levels are delivered first, FIFO within a level (the "stable" part).
 */
public final class ThreeLevelPriorityMailbox extends UnboundedStablePriorityMailbox {
  private static final Comparator<Envelope> HIGHEST_LEVEL_FIRST =
      Comparator.comparingInt(ThreeLevelPriorityMailbox::level).reversed();

  /**
   * Called by Pekko when the mailbox type is configured.
   *
   * @param settings the actor system settings
   * @param config the mailbox section
   */
  public ThreeLevelPriorityMailbox(ActorSystem.Settings settings, Config config) {
    super(HIGHEST_LEVEL_FIRST, 11);
  }

  private static int level(Envelope envelope) {
    return envelope.message() instanceof QosMessage m ? m.qosLevel() : 0;
  }
}
