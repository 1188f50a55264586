package io.github.elasticq.persistence.durable;

/**
 * A message that a {@link DurableMailbox} gave up on, as handed to its {@link
 * PoisonMessageHandler}.
 *
 * @param persistenceId the mailbox
 * @param seqNr the message's delivery sequence number
 * @param message the message (an {@link UndeliverableMessage} if it could not be deserialized)
 * @param failures how many times the inner behavior failed on it (deliveries in this run of the
 *     mailbox and failures persisted by earlier runs)
 * @param lastFailure the last exception the inner behavior threw on it
 */
public record PoisonedMessage(
    String persistenceId, long seqNr, Object message, int failures, Throwable lastFailure) {}
