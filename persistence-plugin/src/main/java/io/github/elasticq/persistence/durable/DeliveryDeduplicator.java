package io.github.elasticq.persistence.durable;

/**
 * Turns the at-least-once delivery of a {@link DurableMailbox} into effectively-once processing.
 * The mailbox delivers in sequence-number order and redelivers from the oldest unconfirmed message
 * on, so a message is a duplicate exactly when its number is not above the last one processed.
 *
 * <p>For effects that must not repeat, store {@link #lastProcessedSeqNr()} atomically with the
 * effect (in the same database transaction, in the same event of your own, ...), and build the
 * deduplicator from the stored value when the inner behavior starts:
 *
 * <pre>{@code
 * Behaviors.setup(ctx -> {
 *   DeliveryDeduplicator dedup = new DeliveryDeduplicator(db.lastProcessedSeqNr());
 *   return Behaviors.receive(Order.class)
 *       .onAnyMessage(order -> {
 *         long seqNr = DurableMailbox.deliverySeqNr();
 *         if (dedup.isNew(seqNr)) {
 *           db.inTransaction(tx -> { tx.apply(order); tx.setLastProcessedSeqNr(seqNr); });
 *           dedup.processed(seqNr);
 *         }
 *         return Behaviors.same();
 *       })
 *       .build();
 * })
 * }</pre>
 *
 * <p>Not thread-safe: use it from the inner behavior's actor only.
 */
public final class DeliveryDeduplicator {
  private long lastProcessedSeqNr;

  /** A deduplicator that has seen nothing (for a mailbox whose effects are all idempotent). */
  public DeliveryDeduplicator() {
    this(0);
  }

  /**
   * A deduplicator that resumes after {@code lastProcessedSeqNr}.
   *
   * @param lastProcessedSeqNr the highest sequence number whose effects are recorded (0: none)
   */
  public DeliveryDeduplicator(long lastProcessedSeqNr) {
    if (lastProcessedSeqNr < 0) {
      throw new IllegalArgumentException(
          "lastProcessedSeqNr must be >= 0, was " + lastProcessedSeqNr);
    }
    this.lastProcessedSeqNr = lastProcessedSeqNr;
  }

  /** True if {@code seqNr} was not processed yet. Does not record anything. */
  public boolean isNew(long seqNr) {
    return seqNr > lastProcessedSeqNr;
  }

  /** True if the message being processed ({@link DurableMailbox#deliverySeqNr()}) is new. */
  public boolean isNew() {
    return isNew(DurableMailbox.deliverySeqNr());
  }

  /** Records that {@code seqNr} (and so everything below it) was processed. */
  public void processed(long seqNr) {
    if (seqNr > lastProcessedSeqNr) {
      lastProcessedSeqNr = seqNr;
    }
  }

  /** The highest sequence number recorded as processed. */
  public long lastProcessedSeqNr() {
    return lastProcessedSeqNr;
  }
}
