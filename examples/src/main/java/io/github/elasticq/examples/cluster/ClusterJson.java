package io.github.elasticq.examples.cluster;

/**
 * Marker of the cluster example's messages: bound to Pekko's {@code jackson-json} serializer in
 * {@code cluster.conf}, so they cross nodes and are stored by the {@code DurableMailbox}.
 */
public interface ClusterJson {}
