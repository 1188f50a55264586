package io.github.elasticq.examples.cluster;

import io.github.elasticq.persistence.durable.DurableMailbox;
import io.github.elasticq.persistence.durable.DurableMailboxSettings;
import java.util.function.Function;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.MailboxSelector;
import org.apache.pekko.cluster.sharding.typed.ShardingEnvelope;
import org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding;
import org.apache.pekko.cluster.sharding.typed.javadsl.Entity;
import org.apache.pekko.cluster.sharding.typed.javadsl.EntityRef;
import org.apache.pekko.cluster.sharding.typed.javadsl.EntityTypeKey;
import org.apache.pekko.persistence.typed.PersistenceId;

/**
 * The sharded device entities of the cluster example: each entity is a {@code DurableMailbox}
 * (persistence id {@code device|<entity id>}, settings from {@code elasticq.durable-mailbox}) in
 * front of the device's own behavior, and runs on the {@code QosMailbox} configured at {@value
 * #ENTITY_MAILBOX}. Entities live on nodes with the role {@value #ROLE}; other nodes get a proxy.
 */
public final class DeviceSharding {
  /** The entity type; its name is the first part of every persistence id. */
  public static final EntityTypeKey<Object> TYPE_KEY = EntityTypeKey.create(Object.class, "device");

  /** The role of the nodes that host device entities. */
  public static final String ROLE = "devices";

  /** The config path of the entity's mailbox. */
  public static final String ENTITY_MAILBOX = "elasticq.cluster-example.entity-mailbox";

  private DeviceSharding() {}

  /**
   * Starts sharding of the device entities on {@code system} (a proxy on a node without the role).
   * Call once per node, from any thread.
   *
   * @param system the node's actor system
   * @param device the inner behavior of a device, by entity id: it processes the stored readings
   * @return the shard region
   */
  public static ActorRef<ShardingEnvelope<Object>> init(
      ActorSystem<?> system, Function<String, Behavior<Reading>> device) {
    DurableMailboxSettings settings = DurableMailboxSettings.create(system);
    return ClusterSharding.get(system)
        .init(
            Entity.of(
                    TYPE_KEY,
                    ctx ->
                        DurableMailbox.create(
                            PersistenceId.of(TYPE_KEY.name(), ctx.getEntityId()),
                            device.apply(ctx.getEntityId()),
                            settings))
                .withRole(ROLE)
                .withEntityProps(MailboxSelector.fromConfig(ENTITY_MAILBOX)));
  }

  /** The entity of {@code deviceId}: tell it a {@link Reading} or an {@code Enqueue}. */
  public static EntityRef<Object> device(ActorSystem<?> system, String deviceId) {
    return ClusterSharding.get(system).entityRefFor(TYPE_KEY, deviceId);
  }
}
