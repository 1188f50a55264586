package io.github.elasticq.persistence.durable;

import org.apache.pekko.actor.DeadLetter;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Adapter;

/**
 * Receives the messages that a {@link DurableMailbox} gave up on: the inner behavior failed on them
 * more than {@code max-redeliveries} times. By the time the handler runs the mailbox has persisted
 * that it dropped the message, so a crash never brings it back.
 *
 * <p>Called on the mailbox actor's thread, once per poisoned message: it must not block. To hand
 * the message to an actor, tell it (see {@link #to(org.apache.pekko.actor.typed.ActorRef)}). If it
 * throws, the mailbox logs the exception and goes on: the message stays dropped, the messages after
 * it are delivered (a throwing handler used to stop the mailbox, leaving them undelivered).
 */
@FunctionalInterface
public interface PoisonMessageHandler {
  /** The default: the message is published as a Pekko {@link DeadLetter} from the mailbox. */
  PoisonMessageHandler DEAD_LETTERS =
      (context, poisoned) ->
          Adapter.toClassic(context.getSystem())
              .deadLetters()
              .tell(
                  new DeadLetter(
                      poisoned.message(),
                      Adapter.toClassic(context.getSelf()),
                      Adapter.toClassic(context.getSelf())),
                  Adapter.toClassic(context.getSelf()));

  /**
   * Handles one poisoned message.
   *
   * @param context the mailbox actor's context
   * @param poisoned the message and why it was given up
   */
  void handle(ActorContext<?> context, PoisonedMessage poisoned);

  /** A handler that tells every poisoned message's {@link PoisonedMessage} to {@code target}. */
  static PoisonMessageHandler to(org.apache.pekko.actor.typed.ActorRef<PoisonedMessage> target) {
    return (context, poisoned) -> target.tell(poisoned);
  }
}
