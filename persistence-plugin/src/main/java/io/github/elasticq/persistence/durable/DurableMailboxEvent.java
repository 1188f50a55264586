package io.github.elasticq.persistence.durable;

/**
 * The events a {@link DurableMailbox} persists. Delivery sequence numbers are the mailbox's own (1,
 * 2, 3, ... per persistence id), not the journal's sequence numbers, which also count the other
 * events.
 */
sealed interface DurableMailboxEvent extends DurableMailboxSerializable {

  /**
   * A message was accepted. {@code message} is the original object when the event was created by
   * this incarnation (it spares a deserialization), null after recovery; it is not serialized.
   */
  record MessageStored(long seqNr, SerializedMessage serialized, Object message)
      implements DurableMailboxEvent {}

  /** Every message up to and including {@code upToSeqNr} was processed by the inner behavior. */
  record Confirmed(long upToSeqNr) implements DurableMailboxEvent {}

  /** The inner behavior failed on message {@code seqNr}; it will be redelivered. */
  record DeliveryFailed(long seqNr) implements DurableMailboxEvent {}

  /**
   * Message {@code seqNr} was given to the poison-message handler after too many failures; every
   * message below it was processed. Confirms up to and including {@code seqNr}.
   */
  record Poisoned(long seqNr) implements DurableMailboxEvent {}
}
