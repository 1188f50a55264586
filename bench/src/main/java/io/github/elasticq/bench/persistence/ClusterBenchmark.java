package io.github.elasticq.bench.persistence;

import io.github.elasticq.bench.report.CommandLine;
import io.github.elasticq.bench.report.Machine;
import io.github.elasticq.examples.cluster.PostgresSchema;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.HdrHistogram.Histogram;

/**
 * Stored-and-processed messages per second across three local cluster nodes ({@link
 * ClusterBenchNode} JVMs, Artery TCP on 127.0.0.1, free ports, Cluster Sharding): ElasticQ's {@code
 * DurableMailbox} per sharded entity on pekko-persistence-jdbc/PostgreSQL, Pekko reliable delivery
 * across sharding ({@code ShardingProducerController} with {@code EventSourcedProducerQueue} to
 * {@code ShardingConsumerController}) on the same PostgreSQL, and {@code DurableMailbox} on the
 * embedded {@code elasticq.journal} (every-write) of each node. Every run starts three fresh JVMs
 * and, on PostgreSQL, a fresh schema from the plugin's own DDL, dropped afterwards.
 *
 * <p>The figure is the messages the consumers processed (each one persisted before delivery)
 * between two marks after a warmup, summed over the nodes, divided by the coordinator's clock
 * between the marks. Alongside: the journal's write requests, atomic writes and events per message
 * (a counting subclass of the JDBC journal in every node), PostgreSQL's committed transactions and
 * WAL flushes per message ({@code pg_stat_database}, {@code pg_stat_wal}: machine-wide, so other
 * users of the database count too), the write requests' latency, and the commit latency of a probe
 * connection inserting one row per 100 ms during the window (and on the idle database before the
 * nodes start).
 *
 * <p>Run (after {@code ./mvnw -pl bench -am package -DskipTests}, on a quiet machine): {@code java
 * -cp bench/target/benchmarks.jar io.github.elasticq.bench.persistence.ClusterBenchmark
 * [runs=dm-postgres-w1,dm-postgres-w50,rd-postgres,dm-embedded-w1,dm-embedded-w50] [entities=30]
 * [in-flight=50] [warmup=20] [seconds=20] [dir=target/cluster-bench]
 * [out=bench/results/cluster-3node.md]}. A main program; not thread-safe.
 */
public final class ClusterBenchmark {
  private static final String PG_USER = "postgres";

  private final CommandLine options;
  private final Path work;
  private final int entities;
  private final int inFlight;
  private final long warmupMillis;
  private final long measureMillis;
  private final List<Result> results = new ArrayList<>();

  private ClusterBenchmark(CommandLine options) {
    this.options = options;
    this.work = Path.of(options.get("dir", "target/cluster-bench")).toAbsolutePath();
    this.entities = options.intCount("entities", 30);
    this.inFlight = options.intCount("in-flight", 50);
    this.warmupMillis = (long) (options.nonNegative("warmup", 20) * 1000);
    this.measureMillis = (long) (options.positive("seconds", 20) * 1000);
  }

  /** One run: {@code dm-postgres-w1}, {@code rd-postgres}, {@code dm-embedded-w50}, ... */
  record Run(String name, boolean durableMailbox, boolean postgres, int window) {
    static Run parse(String name) {
      String[] p = name.split("-", -1);
      boolean dm = p[0].equals("dm");
      if ((!dm && !p[0].equals("rd")) || p.length < 2 || p.length > (dm ? 3 : 2)) {
        throw new IllegalArgumentException(
            "run '" + name + "': expected dm-{postgres|embedded}[-wN] or rd-{postgres|embedded}");
      }
      boolean postgres = p[1].equals("postgres");
      if (!postgres && !p[1].equals("embedded")) {
        throw new IllegalArgumentException("run '" + name + "': expected postgres or embedded");
      }
      int window = dm ? 1 : 0;
      if (p.length == 3) {
        window = p[2].matches("w[0-9]{1,9}") ? Integer.parseInt(p[2].substring(1)) : 0;
        if (window < 1) {
          throw new IllegalArgumentException(
              "run '"
                  + name
                  + "': expected a window wN with N from 1 to 999999999, got '"
                  + p[2]
                  + "'");
        }
      }
      return new Run(name, dm, postgres, window);
    }

    String label() {
      if (!durableMailbox) {
        return "Pekko reliable delivery (sharding, EventSourcedProducerQueue), "
            + (postgres ? "PostgreSQL" : "elasticq.journal");
      }
      return "ElasticQ DurableMailbox window "
          + window
          + ", "
          + (postgres ? "PostgreSQL" : "elasticq.journal every-write per node");
    }
  }

  record Result(
      Run run,
      double seconds,
      double messagesPerSecond,
      long[] perNode,
      long backlog,
      long rejected,
      Map<String, Double> perMessage,
      String writeLatency,
      String commitLatency) {}

  /** The options this harness reads (see the class comment). */
  static final List<String> OPTIONS =
      List.of("runs", "seconds", "warmup", "entities", "in-flight", "dir", "out");

  /** The command line, checked before anything starts. */
  static CommandLine options(String[] args) {
    CommandLine line =
        PersistenceBenchmark.options(args, OPTIONS, List.of("entities", "in-flight"));
    runs(line);
    return line;
  }

  /** The runs option: the configurations to measure, in order. */
  private static List<Run> runs(CommandLine options) {
    return Arrays.stream(
            options
                .get(
                    "runs",
                    "dm-postgres-w1,dm-postgres-w50,rd-postgres,dm-embedded-w1,dm-embedded-w50")
                .split(","))
        .map(String::trim)
        .map(Run::parse)
        .toList();
  }

  /**
   * Runs every configuration and writes the report.
   *
   * @param args {@code key=value} options, see the class comment
   * @throws Exception if a run fails
   */
  public static void main(String[] args) throws Exception {
    new ClusterBenchmark(options(args)).run();
    System.exit(0);
  }

  private void run() throws Exception {
    List<Run> runs = runs(options);
    PersistenceBenchmark.deleteRecursively(work);
    String started = LocalDateTime.now().format(DateTimeFormatter.ISO_LOCAL_DATE_TIME);
    String loadBefore = Machine.loadAverage();
    int n = 0;
    for (Run run : runs) {
      Result r = measure(run, work.resolve("run-" + n++));
      results.add(r);
      System.out.println(r);
    }
    String report = report(started.substring(0, 16), loadBefore, Machine.loadAverage());
    System.out.println(report);
    Path out = Path.of(options.get("out", "bench/results/cluster-3node.md"));
    if (out.getParent() != null) {
      Files.createDirectories(out.getParent());
    }
    Files.writeString(out, report);
    System.out.println("written to " + out.toAbsolutePath());
  }

  private Result measure(Run run, Path dir) throws Exception {
    Files.createDirectories(dir);
    PostgresSchema schema =
        new PostgresSchema(
            Journal.POSTGRES_URL, PG_USER, PostgresSchema.freshName("elasticq_3node"));
    List<Node> nodes = new ArrayList<>();
    CommitProbe probe = null;
    try {
      String idleCommit = "";
      if (run.postgres) {
        schema.create();
        probe = new CommitProbe(schema.name());
        idleCommit = probe.idle(50);
      }
      List<Integer> ports = freePorts(3);
      String portList = String.join(",", ports.stream().map(String::valueOf).toList());
      for (int i = 0; i < ports.size(); i++) {
        List<String> args = new ArrayList<>();
        args.add("mode=" + (run.durableMailbox ? "dm" : "rd"));
        args.add("journal=" + (run.postgres ? "postgres" : "embedded"));
        args.add("ports=" + portList);
        args.add("index=" + i);
        args.add("entities=" + entities);
        args.add("in-flight=" + inFlight);
        args.add("schema=" + schema.name());
        args.add("dir=" + dir.resolve("node-" + i));
        if (run.durableMailbox) {
          args.add("elasticq.durable-mailbox.window=" + run.window);
        }
        nodes.add(Node.start(args, dir.resolve("node-" + i + ".log")));
      }
      for (Node node : nodes) {
        node.await("UP", 180);
      }
      for (Node node : nodes) {
        node.send("START");
      }
      for (Node node : nodes) {
        node.await("STARTED", 60);
      }
      Thread.sleep(warmupMillis);
      Mark m0 = mark(nodes, run, schema);
      if (probe != null) {
        probe.startLoaded();
      }
      Thread.sleep(measureMillis);
      Mark m1 = mark(nodes, run, schema);
      String loadedCommit = probe == null ? "" : probe.stopLoaded();
      return result(run, m0, m1, idleCommit, loadedCommit);
    } finally {
      for (Node node : nodes) {
        node.stop();
      }
      if (probe != null) {
        probe.close();
      }
      if (run.postgres) {
        schema.drop();
      }
    }
  }

  /** Every node's counters and PostgreSQL's at one moment. */
  private record Mark(long nanos, List<Map<String, String>> nodes, Map<String, Long> postgres) {}

  private Mark mark(List<Node> nodes, Run run, PostgresSchema schema) throws Exception {
    long before = System.nanoTime();
    for (Node node : nodes) {
      node.send("MARK");
    }
    List<Map<String, String>> marks = new ArrayList<>();
    for (Node node : nodes) {
      Map<String, String> words = new HashMap<>();
      for (String w : node.await("MARK", 30).substring(5).split(" ")) {
        String[] kv = w.split("=", 2);
        words.put(kv[0], kv[1]);
      }
      marks.add(words);
    }
    long after = System.nanoTime();
    Map<String, Long> pg = run.postgres ? postgresCounters(schema.name()) : Map.of();
    return new Mark((before + after) / 2, marks, pg);
  }

  private static Map<String, Long> postgresCounters(String schema) throws SQLException {
    Map<String, Long> out = new LinkedHashMap<>();
    try (Connection c = connect();
        Statement s = c.createStatement()) {
      try (ResultSet rs =
          s.executeQuery(
              "select xact_commit from pg_stat_database where datname = current_database()")) {
        rs.next();
        out.put("pgCommits", rs.getLong(1));
      }
      try (ResultSet rs =
          s.executeQuery("select wal_records, wal_sync, wal_write from pg_stat_wal")) {
        rs.next();
        out.put("pgWalRecords", rs.getLong(1));
        out.put("pgWalSyncs", rs.getLong(2));
        out.put("pgWalWrites", rs.getLong(3));
      }
      try (ResultSet rs =
          s.executeQuery("select coalesce(max(ordering), 0) from " + schema + ".event_journal")) {
        rs.next();
        out.put("journalRows", rs.getLong(1));
      }
    }
    return out;
  }

  private static Connection connect() throws SQLException {
    java.util.Properties p = new java.util.Properties();
    p.setProperty("user", PG_USER);
    p.setProperty("connectTimeout", "3");
    return DriverManager.getConnection(Journal.POSTGRES_URL, p);
  }

  private static long sum(List<Map<String, String>> nodes, String key) {
    return nodes.stream().mapToLong(m -> Long.parseLong(m.getOrDefault(key, "0"))).sum();
  }

  private Result result(Run run, Mark m0, Mark m1, String idleCommit, String loadedCommit) {
    double seconds = (m1.nanos - m0.nanos) / 1e9;
    long[] perNode = new long[m1.nodes.size()];
    for (int i = 0; i < perNode.length; i++) {
      perNode[i] =
          Long.parseLong(m1.nodes.get(i).get("processed"))
              - Long.parseLong(m0.nodes.get(i).get("processed"));
    }
    long processed = Arrays.stream(perNode).sum();
    double messages = Math.max(1, processed);
    Map<String, Double> perMessage = new LinkedHashMap<>();
    List<String> keys = new ArrayList<>();
    m1.nodes.forEach(
        m ->
            m.keySet()
                .forEach(
                    k -> {
                      if (!keys.contains(k)) {
                        keys.add(k);
                      }
                    }));
    for (String k : keys) {
      if (k.equals("requests")
          || k.equals("atomicWrites")
          || k.equals("events")
          || k.startsWith("event.")
          || k.startsWith("wal")) {
        perMessage.put(k, (sum(m1.nodes, k) - sum(m0.nodes, k)) / messages);
      }
    }
    m1.postgres.forEach((k, v) -> perMessage.put(k, (v - m0.postgres.get(k)) / messages));
    String writeLatency = "";
    if (run.postgres) {
      List<String> parts = new ArrayList<>();
      for (Map<String, String> m : m1.nodes) {
        parts.add(m.get("writeP50us") + "/" + m.get("writeP99us"));
      }
      long count = sum(m1.nodes, "writeCount");
      double mean =
          m1.nodes.stream()
                  .mapToDouble(
                      m ->
                          Double.parseDouble(m.get("writeMeanUs"))
                              * Long.parseLong(m.get("writeCount")))
                  .sum()
              / Math.max(1, count);
      writeLatency =
          String.format("mean %,.0f; p50/p99 per node %s", mean, String.join(", ", parts));
    }
    return new Result(
        run,
        seconds,
        processed / seconds,
        perNode,
        sum(m1.nodes, "dmStored") - sum(m1.nodes, "processed"),
        sum(m1.nodes, "dmRejected"),
        perMessage,
        writeLatency,
        idleCommit.isEmpty() ? "" : "idle " + idleCommit + "; under load " + loadedCommit);
  }

  private String report(String date, String loadBefore, String loadAfter) {
    StringBuilder sb = new StringBuilder();
    sb.append("# Three local cluster nodes: DurableMailbox vs Pekko reliable delivery\n\n");
    sb.append("Generated by `io.github.elasticq.bench.persistence.ClusterBenchmark` on ")
        .append(date)
        .append(", ")
        .append(Runtime.getRuntime().availableProcessors())
        .append(" cores, load average before / after ")
        .append(loadBefore)
        .append(" / ")
        .append(loadAfter)
        .append(", options `")
        .append(options.options().isEmpty() ? "(defaults)" : options.options().toString())
        .append("`: 3 node JVMs (")
        .append(String.join(" ", Node.JVM_OPTIONS))
        .append(") on 127.0.0.1, ")
        .append(entities)
        .append(" sharded entities, ")
        .append(inFlight)
        .append(" messages in flight per entity, 100-byte payload, warmup ")
        .append(warmupMillis / 1000.0)
        .append(" s, measured ")
        .append(measureMillis / 1000.0)
        .append(" s per run.\n\n");
    sb.append(
        "| run | stored and processed msg/s | per node msg/s | backlog at end | rejected |"
            + " journal write requests / msg | atomic writes / msg | events / msg | PG commits /"
            + " msg | PG WAL flushes / msg |\n");
    sb.append("|---|---:|---|---:|---:|---:|---:|---:|---:|---:|\n");
    for (Result r : results) {
      Map<String, Double> pm = r.perMessage;
      boolean embedded = !r.run.postgres;
      sb.append(
          String.format(
              "| %s | %,.0f | %s | %s | %s | %s | %s | %s | %s | %s |%n",
              r.run.label(),
              r.messagesPerSecond,
              String.join(
                  " / ",
                  Arrays.stream(r.perNode)
                      .mapToObj(c -> String.format("%,.0f", c / r.seconds))
                      .toList()),
              r.run.durableMailbox ? Long.toString(r.backlog) : "-",
              r.run.durableMailbox ? Long.toString(r.rejected) : "-",
              embedded ? "-" : fmt(pm.get("requests")),
              embedded ? "-" : fmt(pm.get("atomicWrites")),
              fmt(embedded ? pm.get("walRecords") : pm.get("events")),
              embedded ? "-" : fmt(pm.get("pgCommits")),
              embedded ? fmt(pm.get("walFsyncs")) + " (fsyncs)" : fmt(pm.get("pgWalSyncs"))));
    }
    sb.append("\nEvents by kind, per message, and latencies (µs):\n\n");
    for (Result r : results) {
      sb.append("- ").append(r.run.label()).append(": ");
      List<String> kinds = new ArrayList<>();
      r.perMessage.forEach(
          (k, v) -> {
            if (k.startsWith("event.") || k.equals("journalRows") || k.startsWith("wal")) {
              kinds.add(k + " " + fmt(v));
            }
          });
      sb.append(String.join(", ", kinds));
      if (!r.writeLatency.isEmpty()) {
        sb.append("; journal write request latency ").append(r.writeLatency);
      }
      if (!r.commitLatency.isEmpty()) {
        sb.append("; probe commit latency p50/p99 ").append(r.commitLatency);
      }
      sb.append('\n');
    }
    sb.append("\n| ratio (same session) | value |\n|---|---:|\n");
    Result rd = find("rd-postgres");
    for (Result r : results) {
      if (r.run.durableMailbox && r.run.postgres && rd != null) {
        sb.append(
            String.format(
                "| DurableMailbox w%d on PostgreSQL / reliable delivery on PostgreSQL | %.2fx |%n",
                r.run.window, r.messagesPerSecond / rd.messagesPerSecond));
      }
    }
    for (Result r : results) {
      if (r.run.durableMailbox && r.run.postgres) {
        Result embedded = find("dm-embedded-w" + r.run.window);
        if (embedded != null) {
          sb.append(
              String.format(
                  "| DurableMailbox w%d: PostgreSQL / elasticq.journal per node | %.2fx |%n",
                  r.run.window, r.messagesPerSecond / embedded.messagesPerSecond));
        }
      }
    }
    return sb.toString();
  }

  private Result find(String name) {
    return results.stream().filter(r -> r.run.name.equals(name)).findFirst().orElse(null);
  }

  private static String fmt(Double v) {
    return v == null ? "n/a" : String.format("%.3f", v);
  }

  static List<Integer> freePorts(int count) throws IOException {
    List<ServerSocket> sockets = new ArrayList<>();
    try {
      for (int i = 0; i < count; i++) {
        sockets.add(new ServerSocket(0, 1, InetAddress.getLoopbackAddress()));
      }
      return sockets.stream().map(ServerSocket::getLocalPort).toList();
    } finally {
      for (ServerSocket s : sockets) {
        s.close();
      }
    }
  }

  /** A node JVM: stdin for commands, stdout lines into a queue, stderr into a log file. */
  private static final class Node {
    // Agrona 2 (shaded into benchmarks.jar, used by Artery) needs jdk.internal.misc.
    static final List<String> JVM_OPTIONS =
        List.of(
            "-Xms512m",
            "-Xmx512m",
            "-XX:+UseSerialGC",
            "--add-exports=java.base/jdk.internal.misc=ALL-UNNAMED");

    private final Process process;
    private final BlockingQueue<String> lines = new LinkedBlockingQueue<>();
    private final Path log;

    private Node(Process process, Path log) {
      this.process = process;
      this.log = log;
      Thread reader =
          new Thread(
              () -> {
                try (BufferedReader in =
                    new BufferedReader(
                        new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                  String line;
                  while ((line = in.readLine()) != null) {
                    lines.add(line);
                  }
                } catch (IOException e) {
                  // the node is gone: await() times out naming the log
                }
              },
              "node-stdout-" + process.pid());
      reader.setDaemon(true);
      reader.start();
    }

    static Node start(List<String> args, Path log) throws IOException {
      List<String> command = new ArrayList<>();
      command.add(ProcessHandle.current().info().command().orElse("java"));
      command.addAll(JVM_OPTIONS);
      command.add("-cp");
      command.add(System.getProperty("java.class.path"));
      command.add(ClusterBenchNode.class.getName());
      command.addAll(args);
      Process p =
          new ProcessBuilder(command)
              .redirectError(ProcessBuilder.Redirect.to(log.toFile()))
              .start();
      return new Node(p, log);
    }

    void send(String line) throws IOException {
      OutputStream in = process.getOutputStream();
      in.write((line + "\n").getBytes(StandardCharsets.UTF_8));
      in.flush();
    }

    /** The next line starting with {@code prefix}; earlier lines are dropped. */
    String await(String prefix, long seconds) throws InterruptedException {
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
      while (true) {
        String line = lines.poll(Math.max(1, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
        if (line == null) {
          throw new IllegalStateException(
              "node "
                  + process.pid()
                  + " did not print '"
                  + prefix
                  + "' (alive: "
                  + process.isAlive()
                  + "); its log: "
                  + log);
        }
        if (line.startsWith(prefix)) {
          return line;
        }
        if (line.startsWith("X ")) {
          throw new IllegalStateException("node " + process.pid() + ": " + line);
        }
      }
    }

    void stop() throws InterruptedException {
      try {
        send("STOP");
        if (process.waitFor(30, TimeUnit.SECONDS)) {
          return;
        }
      } catch (IOException e) {
        // already gone
      }
      process.destroyForcibly().waitFor();
    }
  }

  /**
   * Commit latency of the database as one more client sees it: one-row inserts in autocommit mode
   * on a table of the run's schema.
   */
  private static final class CommitProbe implements AutoCloseable {
    private final Connection connection;
    private final String table;
    private volatile boolean running;
    private Thread thread;
    private final Histogram loaded = new Histogram(3);

    CommitProbe(String schema) throws SQLException {
      this.connection = connect();
      this.table = schema + ".commit_probe";
      try (Statement s = connection.createStatement()) {
        s.execute("create table " + table + " (id bigserial primary key, at bigint not null)");
      }
    }

    private long commitMicros() throws SQLException {
      long t0 = System.nanoTime();
      try (Statement s = connection.createStatement()) {
        s.executeUpdate("insert into " + table + " (at) values (" + t0 + ")");
      }
      return Math.max(1, (System.nanoTime() - t0) / 1000);
    }

    /** {@code count} commits back to back on the idle database: "p50/p99 µs". */
    String idle(int count) throws SQLException {
      Histogram h = new Histogram(3);
      for (int i = 0; i < count; i++) {
        h.recordValue(commitMicros());
      }
      return h.getValueAtPercentile(50) + "/" + h.getValueAtPercentile(99);
    }

    void startLoaded() {
      running = true;
      thread =
          new Thread(
              () -> {
                try {
                  while (running) {
                    loaded.recordValue(commitMicros());
                    Thread.sleep(100);
                  }
                } catch (SQLException | InterruptedException e) {
                  running = false;
                }
              },
              "commit-probe");
      thread.start();
    }

    String stopLoaded() throws InterruptedException {
      running = false;
      thread.join();
      return loaded.getValueAtPercentile(50)
          + "/"
          + loaded.getValueAtPercentile(99)
          + " ("
          + loaded.getTotalCount()
          + " commits)";
    }

    @Override
    public void close() throws SQLException {
      connection.close();
    }
  }
}
