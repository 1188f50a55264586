package io.github.elasticq.persistence.durable;

/**
 * Marker of the types that {@link DurableMailboxSerializer} writes: the mailbox's events and
 * snapshot, and the public {@code Enqueue}, {@code Stored} and {@code Rejected} messages (which
 * cross the network under Cluster Sharding). Bound in this module's {@code reference.conf}.
 */
interface DurableMailboxSerializable {}
