package io.github.elasticq.examples.cluster;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.Locale;
import java.util.Properties;
import java.util.regex.Pattern;

/**
 * Creates and drops a PostgreSQL schema holding pekko-persistence-jdbc's tables, from the DDL the
 * plugin ships ({@value #DDL} in its jar, with {@code public.} replaced by the schema). Connects
 * with a short timeout: when nothing listens, it fails at once with a message naming the start
 * command. Not thread-safe; one instance per schema.
 */
public final class PostgresSchema {
  /** The plugin's PostgreSQL DDL, a class path resource of pekko-persistence-jdbc. */
  public static final String DDL = "schema/postgres/postgres-create-schema.sql";

  /** How to start this project's PostgreSQL (PLATFORM.md: machine services). */
  public static final String START_COMMAND =
      "pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start";

  /** {@code CREATE [UNIQUE] INDEX [CONCURRENTLY]} not followed by {@code IF NOT EXISTS}. */
  private static final Pattern INDEX_WITHOUT_IF_NOT_EXISTS =
      Pattern.compile(
          "(?i)(CREATE\\s++(?:UNIQUE\\s++)?+INDEX\\s++(?:CONCURRENTLY\\s++)?+)(?!IF\\s)");

  private static final Pattern NAME = Pattern.compile("[a-z_][a-z0-9_]{0,62}");

  /** First key of the advisory lock taken while a schema is created (second: its name's hash). */
  private static final int LOCK_CLASS = 0x45514353;

  private static final Duration LOCK_TIMEOUT = Duration.ofMinutes(1);

  private final String url;
  private final String user;
  private final String password;
  private final String schema;

  /**
   * A schema on the database at {@code url}.
   *
   * @param url e.g. {@code jdbc:postgresql://127.0.0.1:5432/test}, without parameters
   * @param user the user (trust authentication: no password)
   * @param schema a lower-case SQL identifier
   * @throws IllegalArgumentException if {@code schema} is not a plain lower-case identifier
   */
  public PostgresSchema(String url, String user, String schema) {
    this(url, user, "", schema);
  }

  /**
   * A schema on the database at {@code url}, for a user with a password.
   *
   * @param url e.g. {@code jdbc:postgresql://db:5432/app}, without parameters
   * @param user the user
   * @param password the user's password; empty for none (trust authentication)
   * @param schema a lower-case SQL identifier
   * @throws IllegalArgumentException if {@code schema} is not a plain lower-case identifier
   */
  public PostgresSchema(String url, String user, String password, String schema) {
    if (!NAME.matcher(schema).matches()) {
      throw new IllegalArgumentException(
          "schema '" + schema + "' is not a lower-case SQL identifier ([a-z_][a-z0-9_]*)");
    }
    this.url = url;
    this.user = user;
    this.password = password;
    this.schema = schema;
  }

  /** A fresh schema name for one test or benchmark run: {@code <prefix>_<millis>_<random>}. */
  public static String freshName(String prefix) {
    return (prefix
            + "_"
            + Long.toString(System.currentTimeMillis(), 36)
            + "_"
            + Integer.toString(Math.floorMod(System.nanoTime(), 46656), 36))
        .toLowerCase(Locale.ROOT);
  }

  /** The schema's name. */
  public String name() {
    return schema;
  }

  /**
   * Creates the schema and those of the plugin's tables and indexes that it lacks.
   *
   * @throws IllegalStateException naming the URL and {@link #START_COMMAND} if PostgreSQL is not
   *     reachable within 3 seconds, or naming the statement that failed
   */
  public void create() {
    String ddl = readDdl();
    try (Connection c = connect();
        Statement s = c.createStatement()) {
      // Nodes started together create the same schema: PostgreSQL's IF NOT EXISTS does not hold
      // against a concurrent create (a duplicate key on pg_namespace, an index that exists), so
      // one connection at a time; closing the connection releases the lock.
      lock(s);
      s.execute("CREATE SCHEMA IF NOT EXISTS " + schema);
      // every statement, every time (each is IF NOT EXISTS): a create interrupted half-way (a node
      // killed) left some tables and indexes; the next create adds the missing ones
      for (String statement : ddl.split(";")) {
        String sql = statement.strip();
        if (!sql.isEmpty()) {
          try {
            s.execute(sql);
          } catch (SQLException e) {
            throw new IllegalStateException("DDL statement failed in " + schema + ": " + sql, e);
          }
        }
      }
    } catch (SQLException e) {
      throw unreachable(e);
    }
  }

  /**
   * Takes the session's advisory lock of this schema. It is tried, not waited for: a statement
   * waiting for it would hold a snapshot, which the holder's {@code CREATE INDEX CONCURRENTLY}
   * waits for in turn.
   */
  private void lock(Statement s) throws SQLException {
    long deadline = System.nanoTime() + LOCK_TIMEOUT.toNanos();
    while (true) {
      try (ResultSet rs =
          s.executeQuery(
              "SELECT pg_try_advisory_lock(" + LOCK_CLASS + ", " + schema.hashCode() + ")")) {
        rs.next();
        if (rs.getBoolean(1)) {
          return;
        }
      }
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException(
            "another connection has been creating schema " + schema + " for " + LOCK_TIMEOUT);
      }
      try {
        Thread.sleep(50);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("interrupted while waiting to create " + schema, e);
      }
    }
  }

  /** Drops the schema and everything in it; a missing schema is fine. */
  public void drop() {
    try (Connection c = connect();
        Statement s = c.createStatement()) {
      s.execute("DROP SCHEMA IF EXISTS " + schema + " CASCADE");
    } catch (SQLException e) {
      throw unreachable(e);
    }
  }

  /**
   * Fails fast when PostgreSQL is not reachable.
   *
   * @throws IllegalStateException naming the URL and {@link #START_COMMAND}
   */
  public static void checkReachable(String url, String user) {
    try (Connection c = connect(url, user, "")) {
      c.isValid(3);
    } catch (SQLException e) {
      throw unreachable(url, e);
    }
  }

  private Connection connect() throws SQLException {
    Connection c = connect(url, user, password);
    // the DDL names event_journal unqualified in a foreign key
    c.setSchema(schema);
    return c;
  }

  private static Connection connect(String url, String user, String password) throws SQLException {
    Properties p = new Properties();
    p.setProperty("user", user);
    if (!password.isEmpty()) {
      p.setProperty("password", password);
    }
    p.setProperty("connectTimeout", "3");
    p.setProperty("loginTimeout", "3");
    p.setProperty("socketTimeout", "30");
    return DriverManager.getConnection(url, p);
  }

  private IllegalStateException unreachable(SQLException e) {
    return unreachable(url, e);
  }

  private static IllegalStateException unreachable(String url, SQLException e) {
    return new IllegalStateException(
        "PostgreSQL at "
            + url
            + " is not usable ("
            + e.getMessage()
            + "). The cluster profile needs it running with trust authentication for user"
            + " postgres; start it with: "
            + START_COMMAND,
        e);
  }

  private String readDdl() {
    try (InputStream in = PostgresSchema.class.getClassLoader().getResourceAsStream(DDL)) {
      if (in == null) {
        throw new IllegalStateException(
            DDL + " is not on the class path: add pekko-persistence-jdbc to the dependencies");
      }
      String ddl =
          new String(in.readAllBytes(), StandardCharsets.UTF_8).replace("public.", schema + ".");
      // the plugin's indexes lack IF NOT EXISTS (its tables have it)
      return INDEX_WITHOUT_IF_NOT_EXISTS.matcher(ddl).replaceAll("$1IF NOT EXISTS ");
    } catch (IOException e) {
      throw new IllegalStateException("cannot read " + DDL, e);
    }
  }
}
