/**
 * {@link io.github.elasticq.persistence.durable.DurableMailbox}: an actor inbox that survives
 * crashes, built on Pekko Persistence event sourcing (any journal plugin), with settings ({@link
 * io.github.elasticq.persistence.durable.DurableMailboxSettings}, configuration section {@code
 * elasticq.durable-mailbox}), figures ({@link
 * io.github.elasticq.persistence.durable.DurableMailboxRegistry}), a poison-message hook and a
 * deduplication helper for effectively-once processing. Types without Javadoc of their own, and
 * {@code DurableMailboxSerializer}, are internal.
 */
package io.github.elasticq.persistence.durable;
