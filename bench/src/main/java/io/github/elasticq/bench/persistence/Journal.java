package io.github.elasticq.bench.persistence;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigValueFactory;
import java.nio.file.Path;
import org.apache.pekko.persistence.testkit.PersistenceTestKitPlugin;

/**
 * The journals a persistence benchmark runs against, each with the ActorSystem configuration that
 * selects it. Every run gets its own directory, so no state leaks between runs.
 */
enum Journal {
  /** Ours, every write forced before it is acknowledged (the default). */
  ELASTICQ_EVERY_WRITE("elasticq every-write", true),
  /** Ours, forced every sync-interval (100 ms) by a background task. */
  ELASTICQ_PERIODIC("elasticq periodic", true),
  /** Ours, never forced. */
  ELASTICQ_NO_SYNC("elasticq no-sync", true),
  /** pekko-persistence-jdbc on an H2 database in file mode (H2's default durability). */
  JDBC_H2("jdbc h2-file", false),
  /**
   * pekko-persistence-jdbc on the machine's PostgreSQL (127.0.0.1:5432, database test), in a fresh
   * schema per run, with PostgreSQL's default synchronous commit: the like-for-like durable peer.
   */
  JDBC_POSTGRES("jdbc postgresql", false),
  /** Pekko's in-memory journal from pekko-persistence-testkit: the ceiling. */
  IN_MEMORY("in-memory (testkit)", false),
  /**
   * {@link NoOpJournal}: stores nothing, acknowledges at once. Pekko's round trip alone, with the
   * same plugin settings (dispatcher, replay filter, write-response order) as {@code
   * elasticq.journal}: the ceiling of our journal on the machine.
   */
  NO_OP("no-op journal (Pekko round trip only)", false),
  /**
   * {@link NoOpProtocolJournal}: a bare actor answering the journal protocol at once (no
   * AsyncWriteJournal), on the same dispatcher as {@code elasticq.journal}: the ceiling of a
   * journal that implemented the protocol itself.
   */
  NO_OP_PROTOCOL("no-op protocol actor (no AsyncWriteJournal)", false),
  /**
   * {@link ReplayCeilingJournal} handing over pre-built {@code PersistentRepr}s: the ceiling of a
   * replay through Pekko recovery, with the same plugin settings as {@code elasticq.journal}.
   */
  REPLAY_CEILING("replay ceiling: pre-built PersistentRepr", false),
  /**
   * {@link ReplayCeilingJournal} deserializing each payload with Pekko Serialization and building
   * its {@code PersistentRepr}: the ceiling of a journal that must deserialize what it stored.
   */
  REPLAY_CEILING_DESERIALIZE("replay ceiling: deserialize + build PersistentRepr", false);

  /** The configuration key of the replay ceilings' event count. */
  static final String REPLAY_CEILING_EVENTS = "bench-replay-ceiling.events";

  final String label;
  final boolean ours;

  Journal(String label, boolean ours) {
    this.label = label;
    this.ours = ours;
  }

  /** Whether this is one of the {@link ReplayCeilingJournal}s (replays without stored events). */
  boolean replayCeiling() {
    return this == REPLAY_CEILING || this == REPLAY_CEILING_DESERIALIZE;
  }

  /** The PostgreSQL URL of the peers. */
  static final String POSTGRES_URL = "jdbc:postgresql://127.0.0.1:5432/test";

  /**
   * pekko-persistence-jdbc (journal and snapshot store) on PostgreSQL in {@code schema}, which must
   * exist (create it with {@code PostgresSchema}).
   */
  static Config postgres(String schema) {
    return ConfigFactory.parseString(
        String.join(
            "\n",
            "pekko.persistence.journal.plugin = \"jdbc-journal\"",
            "pekko.persistence.snapshot-store.plugin = \"jdbc-snapshot-store\"",
            "jdbc-journal.use-shared-db = \"slick\"",
            "jdbc-snapshot-store.use-shared-db = \"slick\"",
            "jdbc-read-journal.use-shared-db = \"slick\"",
            "pekko-persistence-jdbc.shared-databases.slick {",
            "  profile = \"slick.jdbc.PostgresProfile$\"",
            "  db {",
            "    url = \"" + POSTGRES_URL + "?currentSchema=" + schema + "&connectTimeout=3\"",
            "    user = \"postgres\"",
            "    password = \"\"",
            "    driver = \"org.postgresql.Driver\"",
            "    numThreads = 8",
            "    maxConnections = 8",
            "    minConnections = 1",
            "    connectionTimeout = 3000",
            "  }",
            "}"));
  }

  /** The PostgreSQL schema of the run in {@code dir}. */
  static String postgresSchema(Path dir) {
    return "elasticq_bench_"
        + dir.getFileName()
            .toString()
            .toLowerCase(java.util.Locale.ROOT)
            .replaceAll("[^a-z0-9_]", "_");
  }

  /** The ActorSystem configuration for a run whose files go under {@code dir}. */
  Config config(Path dir) {
    Config base =
        ConfigFactory.parseString(
            String.join(
                "\n",
                "pekko.loglevel = WARNING",
                "pekko.stdout-loglevel = WARNING",
                "pekko.log-dead-letters = off",
                "pekko.persistence.max-concurrent-recoveries = 200"));
    Config journal =
        switch (this) {
          case ELASTICQ_EVERY_WRITE, ELASTICQ_PERIODIC, ELASTICQ_NO_SYNC ->
              ConfigFactory.parseString(
                      "pekko.persistence.journal.plugin = \"elasticq.journal\"\n"
                          + "elasticq.journal.sync-mode = "
                          + label.substring("elasticq ".length()))
                  .withValue(
                      "elasticq.journal.dir",
                      ConfigValueFactory.fromAnyRef(dir.resolve("journal").toString()));
          case JDBC_H2 ->
              ConfigFactory.parseString(
                      String.join(
                          "\n",
                          "pekko.persistence.journal.plugin = \"jdbc-journal\"",
                          "jdbc-journal.slick = ${slick}",
                          "jdbc-snapshot-store.slick = ${slick}",
                          "jdbc-read-journal.slick = ${slick}",
                          "jdbc-durable-state-store.slick = ${slick}",
                          "slick.profile = \"slick.jdbc.H2Profile$\"",
                          "slick.db.user = \"root\"",
                          "slick.db.password = \"root\"",
                          "slick.db.driver = \"org.h2.Driver\"",
                          "slick.db.numThreads = 5",
                          "slick.db.maxConnections = 5",
                          "slick.db.minConnections = 1"))
                  .withValue(
                      "slick.db.url",
                      ConfigValueFactory.fromAnyRef(
                          "jdbc:h2:file:"
                              + dir.resolve("h2").toAbsolutePath()
                              + ";DB_CLOSE_DELAY=-1"));
          case JDBC_POSTGRES -> postgres(postgresSchema(dir));
          case IN_MEMORY -> PersistenceTestKitPlugin.config();
          case NO_OP ->
              ConfigFactory.parseString(
                  String.join(
                      "\n",
                      "pekko.persistence.journal.plugin = \"bench-no-op-journal\"",
                      "bench-no-op-journal = ${elasticq.journal}",
                      "bench-no-op-journal.class = \"" + NoOpJournal.class.getName() + "\""));
          case NO_OP_PROTOCOL ->
              ConfigFactory.parseString(
                  String.join(
                      "\n",
                      "pekko.persistence.journal.plugin = \"bench-no-op-protocol-journal\"",
                      "bench-no-op-protocol-journal = ${elasticq.journal}",
                      "bench-no-op-protocol-journal.class = \""
                          + NoOpProtocolJournal.class.getName()
                          + "\""));
          case REPLAY_CEILING, REPLAY_CEILING_DESERIALIZE ->
              ConfigFactory.parseString(
                  String.join(
                      "\n",
                      "pekko.persistence.journal.plugin = \"bench-replay-ceiling\"",
                      "bench-replay-ceiling = ${elasticq.journal}",
                      "bench-replay-ceiling.class = \""
                          + ReplayCeilingJournal.class.getName()
                          + "\"",
                      "bench-replay-ceiling.events = 0",
                      "bench-replay-ceiling.payload-bytes = 100",
                      "bench-replay-ceiling.deserialize = "
                          + (this == REPLAY_CEILING_DESERIALIZE ? "on" : "off")));
        };
    return journal.withFallback(base).withFallback(ConfigFactory.load()).resolve();
  }
}
