package io.github.elasticq.persistence.durable;

/**
 * The figures of one running {@link DurableMailbox}, read through {@link DurableMailboxRegistry}.
 * Counters start at zero when the mailbox actor starts (also after a restart on the same journal);
 * each is read on its own, so a snapshot taken while messages flow is not atomic across fields.
 *
 * @param persistenceId the mailbox
 * @param stored messages accepted (persisted)
 * @param confirmed messages whose confirmation (or poisoning) was persisted
 * @param processed deliveries the inner behavior finished without throwing (a message processed
 *     again after a failure or restart counts again)
 * @param redelivered deliveries of a message delivered before: after a failure of the inner
 *     behavior, and every message recovered unconfirmed after a restart
 * @param rejected messages refused: at {@code max-unconfirmed} or not serializable
 * @param poisoned messages given to the poison-message handler
 * @param unconfirmed messages stored and not yet confirmed right now
 */
public record DurableMailboxStats(
    String persistenceId,
    long stored,
    long confirmed,
    long processed,
    long redelivered,
    long rejected,
    long poisoned,
    long unconfirmed) {}
