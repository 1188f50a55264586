package io.github.elasticq.examples.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * {@link PostgresSchema#create()} from several nodes at once (the README's three {@code ClusterDemo
 * --journal=postgres} nodes started together): every node gets the tables, none fails; and after a
 * create that was interrupted. Needs the machine's PostgreSQL on 127.0.0.1:5432; each round uses a
 * schema of its own and drops it.
 */
class PostgresSchemaConcurrencyTest {
  private static final String URL = "jdbc:postgresql://127.0.0.1:5432/test";
  private static final int NODES = 3;

  @Test
  void create_fromThreeNodesAtOnce_succeedsOnEach() throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(NODES);
    try {
      for (int round = 0; round < 10; round++) {
        String name = PostgresSchema.freshName("elasticq_race");
        CyclicBarrier start = new CyclicBarrier(NODES);
        List<Future<?>> nodes = new ArrayList<>();
        try {
          for (int i = 0; i < NODES; i++) {
            nodes.add(
                pool.submit(
                    () -> {
                      start.await();
                      new PostgresSchema(URL, "postgres", name).create();
                      return null;
                    }));
          }
          for (Future<?> f : nodes) {
            f.get(1, TimeUnit.MINUTES); // throws the node's failure
          }
          try (Connection c = DriverManager.getConnection(URL, "postgres", "")) {
            assertThat(tablesOf(c, name))
                .containsExactlyInAnyOrder(
                    "event_journal", "event_tag", "snapshot", "durable_state");
          }
        } finally {
          new PostgresSchema(URL, "postgres", name).drop();
        }
      }
    } finally {
      pool.shutdownNow();
    }
  }

  /**
   * A create interrupted half-way (a node killed while it ran the DDL) left the schema without some
   * tables and indexes; the next create returned at once because the journal table existed.
   */
  @Test
  void create_afterAnInterruptedCreate_addsTheMissingTablesAndIndexes() throws Exception {
    String name = PostgresSchema.freshName("elasticq_partial");
    PostgresSchema schema = new PostgresSchema(URL, "postgres", name);
    try {
      schema.create();
      try (Connection c = DriverManager.getConnection(URL, "postgres", "");
          Statement s = c.createStatement()) {
        s.execute("DROP TABLE " + name + ".snapshot");
        s.execute("DROP INDEX " + name + ".state_tag_idx");
      }
      schema.create();
      schema.create(); // and again: nothing left to add, no failure
      try (Connection c = DriverManager.getConnection(URL, "postgres", "")) {
        assertThat(tablesOf(c, name)).contains("snapshot");
        List<String> indexes = new ArrayList<>();
        try (ResultSet rs =
            c.createStatement()
                .executeQuery(
                    "SELECT indexname FROM pg_indexes WHERE schemaname = '" + name + "'")) {
          while (rs.next()) {
            indexes.add(rs.getString(1));
          }
        }
        assertThat(indexes)
            .contains("state_tag_idx", "state_global_offset_idx", "event_journal_ordering_idx");
      }
    } finally {
      schema.drop();
    }
  }

  private static List<String> tablesOf(Connection c, String schema) throws Exception {
    List<String> tables = new ArrayList<>();
    try (ResultSet rs = c.getMetaData().getTables(null, schema, "%", new String[] {"TABLE"})) {
      while (rs.next()) {
        tables.add(rs.getString("TABLE_NAME"));
      }
    }
    return tables;
  }
}
