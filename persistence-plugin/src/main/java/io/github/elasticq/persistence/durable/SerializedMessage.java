package io.github.elasticq.persistence.durable;

/**
 * A user message in its Pekko-serialized form, as a {@link DurableMailbox} stores it: the mailbox
 * serializes each message once, when it accepts it (which is also the serializability check), and
 * its events carry these bytes, so the journal never serializes a user message itself.
 *
 * @param serializerId the Pekko serializer's identifier
 * @param manifest the serializer's manifest (empty if it has none)
 * @param bytes the payload; never modified after construction
 */
record SerializedMessage(int serializerId, String manifest, byte[] bytes) {}
