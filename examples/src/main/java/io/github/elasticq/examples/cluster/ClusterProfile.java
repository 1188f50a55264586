package io.github.elasticq.examples.cluster;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigValueFactory;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * Builds a node's configuration from one of the two cluster profiles on the class path: {@code
 * cluster-embedded.conf} (one node, {@code elasticq.journal}) or {@code cluster-postgres.conf} (N
 * nodes, pekko-persistence-jdbc on PostgreSQL). Stateless; any thread.
 */
public final class ClusterProfile {
  /** The actor system name every node uses (seed node addresses contain it). */
  public static final String SYSTEM_NAME = "elasticq-cluster";

  /** Where a node's events go. */
  public enum Journal {
    /** {@code elasticq.journal} in a directory of the node: one node only. */
    EMBEDDED,
    /** pekko-persistence-jdbc on PostgreSQL, shared by every node. */
    POSTGRES
  }

  private ClusterProfile() {}

  /**
   * A node's configuration.
   *
   * @param journal the profile
   * @param port this node's Artery port
   * @param seedPorts the Artery ports of the seed nodes on 127.0.0.1
   * @param roles this node's roles ({@link DeviceSharding#ROLE} to host entities)
   * @param overrides more settings (e.g. the PostgreSQL schema, the embedded journal's directory),
   *     by path; they win over the profile
   * @return the resolved configuration: {@code overrides} and the node's port, seeds and roles,
   *     then system properties ({@code -D}), the profile, the class path's {@code application.conf}
   *     and {@code reference.conf}
   */
  public static Config config(
      Journal journal,
      int port,
      List<Integer> seedPorts,
      List<String> roles,
      Map<String, Object> overrides) {
    String profile =
        journal == Journal.POSTGRES ? "cluster-postgres.conf" : "cluster-embedded.conf";
    Config node =
        ConfigFactory.parseMap(overrides)
            .withValue("pekko.remote.artery.canonical.port", ConfigValueFactory.fromAnyRef(port))
            .withValue(
                "pekko.cluster.seed-nodes",
                ConfigValueFactory.fromIterable(
                    seedPorts.stream()
                        .map(p -> "pekko://" + SYSTEM_NAME + "@127.0.0.1:" + p)
                        .collect(Collectors.toList())))
            .withValue("pekko.cluster.roles", ConfigValueFactory.fromIterable(roles));
    // -D settings (system properties) win over the profile and application.conf, as in any Pekko
    // application loaded with ConfigFactory.load; the node's options win over them
    return node.withFallback(ConfigFactory.defaultOverrides())
        .withFallback(ConfigFactory.parseResourcesAnySyntax(profile))
        .withFallback(ConfigFactory.defaultApplication())
        .withFallback(ConfigFactory.defaultReference())
        .resolve();
  }

  /** The overrides that put the embedded journal and snapshots under {@code dir}. */
  public static Map<String, Object> embeddedDirectory(Path dir) {
    return Map.of(
        "elasticq.journal.dir", dir.resolve("journal").toString(),
        "elasticq.snapshot-store.dir", dir.resolve("snapshots").toString());
  }

  /** The override that puts the PostgreSQL tables in {@code schema}. */
  public static Map<String, Object> postgresSchema(String schema) {
    return Map.of("elasticq.cluster-example.postgres.schema", schema);
  }
}
