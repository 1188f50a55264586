package io.github.elasticq.persistence.snapshot;

/**
 * An object as Pekko Serialization produced it: everything needed to turn the bytes back into the
 * object with {@code Serialization.deserialize(bytes, serializerId, manifest)}.
 *
 * <p>Immutable by convention: the array is never modified after construction. Safe to hand between
 * threads through any happens-before edge (a future completion, a message).
 *
 * @param serializerId id of the Pekko serializer that produced {@code bytes}
 * @param manifest the serializer's manifest for the object, empty if it uses none
 * @param bytes the serialized form
 */
record SerializedObject(int serializerId, String manifest, byte[] bytes) {}
