package io.github.elasticq.multijvm;

import io.github.elasticq.examples.cluster.ClusterProfile;
import io.github.elasticq.examples.cluster.PostgresSchema;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.regex.Pattern;

/**
 * Starts, kills and restarts the nodes of a cluster test ({@link ClusterNodeChild} JVMs on
 * 127.0.0.1 with free Artery ports) and keeps every incarnation's stdout. Failure detection and the
 * split brain resolver are tuned short so that a killed node is downed in seconds. Test thread
 * only.
 */
final class ClusterHarness implements AutoCloseable {
  /** The PostgreSQL of this project's machines (trust authentication). */
  static final String POSTGRES_URL = "jdbc:postgresql://127.0.0.1:5432/test";

  private static final String SYSTEM = ClusterProfile.SYSTEM_NAME;

  /** Start-up and join handshake lines: every healthy run has them. */
  private static final Pattern ROUTINE =
      Pattern.compile(
          "Starting up|Registered cluster JMX|Started up successfully|InitJoin|Welcome");

  private final Path stderr;
  private final List<String> common;
  private final Map<String, ChildJvm> live = new LinkedHashMap<>();
  private final Map<String, Integer> incarnations = new LinkedHashMap<>();
  private final Map<String, List<String>> finished = new LinkedHashMap<>();
  private final Map<String, String> ports = new TreeMap<>();

  /**
   * A harness whose nodes all get {@code common} arguments.
   *
   * @param test the transcript directory name
   * @param common arguments of every node (journal, schema or dir, seeds, settings)
   */
  ClusterHarness(String test, List<String> common) {
    this.stderr = Transcripts.reset(test).resolve("child-stderr.log");
    this.common = new ArrayList<>(common);
    this.common.add("pekko.cluster.failure-detector.acceptable-heartbeat-pause=3s");
    this.common.add("pekko.cluster.split-brain-resolver.stable-after=3s");
    this.common.add("pekko.cluster.sharding.retry-interval=500ms");
    this.common.add("pekko.coordinated-shutdown.exit-jvm=on");
    // INFO reaches logback, whose logback-test.xml lets membership, downing, singleton and
    // shutdown lines through: stallReport quotes them.
    this.common.add("pekko.loglevel=INFO");
  }

  /** {@code count} free TCP ports on 127.0.0.1. */
  static List<Integer> freePorts(int count) throws IOException {
    List<ServerSocket> sockets = new ArrayList<>();
    try {
      for (int i = 0; i < count; i++) {
        sockets.add(new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress()));
      }
      return sockets.stream().map(ServerSocket::getLocalPort).toList();
    } finally {
      for (ServerSocket s : sockets) {
        s.close();
      }
    }
  }

  /**
   * A fresh schema with pekko-persistence-jdbc's tables on the machine's PostgreSQL.
   *
   * @throws IllegalStateException naming the start command when PostgreSQL is not running
   */
  static PostgresSchema freshSchema(String prefix) {
    PostgresSchema schema =
        new PostgresSchema(POSTGRES_URL, "postgres", PostgresSchema.freshName(prefix));
    schema.create();
    return schema;
  }

  /** Starts node {@code name} and waits until it is a cluster member. */
  ChildJvm start(String name, String... args) throws Exception {
    List<String> all = new ArrayList<>(common);
    all.addAll(List.of(args));
    int n = incarnations.merge(name, 1, Integer::sum);
    all.stream()
        .filter(a -> a.startsWith("port="))
        .reduce((x, y) -> y)
        .ifPresent(a -> ports.put(name, a.substring(5)));
    ChildJvm child = ChildJvm.start(ClusterNodeChild.class, stderr, all.toArray(String[]::new));
    live.put(name + "#" + n, child);
    child.awaitLine("UP ", 2, TimeUnit.MINUTES);
    return child;
  }

  /** SIGKILLs the current incarnation of {@code name}. */
  void kill(String name) throws InterruptedException {
    String key = current(name);
    ChildJvm child = live.remove(key);
    child.kill();
    retire(key, child);
  }

  /** Stops the current incarnation of {@code name} with SIGTERM (it leaves the cluster). */
  void stopGracefully(String name) throws InterruptedException, TimeoutException {
    String key = current(name);
    ChildJvm child = live.remove(key);
    if (!child.terminate(1, TimeUnit.MINUTES)) {
      child.kill();
      retire(key, child);
      throw new TimeoutException(key + " did not exit within a minute after SIGTERM");
    }
    retire(key, child);
  }

  /**
   * Waits until {@code client} has printed at least {@code atLeast} {@code S} lines.
   *
   * @throws TimeoutException with {@link #stallReport}: what a stalled cluster was doing
   */
  void awaitStored(ChildJvm client, int atLeast, long timeout, TimeUnit unit) throws Exception {
    int failuresBefore = client.count("F ");
    long deadline = System.nanoTime() + unit.toNanos(timeout);
    while (client.count("S ") < atLeast) {
      if (System.nanoTime() > deadline) {
        String report = stallReport(client, atLeast, failuresBefore);
        System.out.println(report);
        throw new TimeoutException(report);
      }
      Thread.sleep(200);
    }
  }

  /**
   * One line (Surefire's summary shows a message's first line only): the {@code S} count against
   * the target, the client's refused or unanswered requests since the wait began by reason and
   * entity, each incarnation's state, and the nodes' last membership, downing, singleton and
   * shutdown log lines.
   */
  private String stallReport(ChildJvm client, int atLeast, int failuresBefore) {
    List<String> failures =
        client.lines().stream().filter(l -> l.startsWith("F ")).skip(failuresBefore).toList();
    Map<String, Long> byReason = new TreeMap<>();
    Set<String> entities = new TreeSet<>();
    for (String f : failures) {
      String[] parts = f.split(" ", 4);
      byReason.merge(parts.length > 3 ? parts[3] : "?", 1L, Long::sum);
      entities.add(parts[1]);
    }
    StringBuilder r =
        new StringBuilder("client stored ")
            .append(client.count("S "))
            .append(" of ")
            .append(atLeast)
            .append(" | failed requests during the wait ")
            .append(byReason)
            .append(" on ")
            .append(entities.size())
            .append(" entities | nodes");
    live.forEach((k, c) -> r.append(' ').append(k).append('=').append(c.state()));
    r.append(" | ports ").append(ports);
    r.append(" | log (").append(stderr).append("):");
    for (String line : clusterLogTail(30)) {
      r.append(" // ").append(line);
    }
    return r.toString();
  }

  private List<String> clusterLogTail(int max) {
    try {
      List<String> picked =
          // decoded leniently: a log line cut mid-character must not hide the rest
          new String(Files.readAllBytes(stderr), StandardCharsets.UTF_8)
              .lines()
              .filter(
                  l ->
                      l.contains("cluster.Cluster")
                          || l.contains("sbr.")
                          || l.contains("singleton.")
                          || l.contains("CoordinatedShutdown")
                          || l.contains(" ERROR "))
              .filter(l -> !ROUTINE.matcher(l).find())
              .map(ClusterHarness::shorten)
              .toList();
      return picked.subList(Math.max(0, picked.size() - max), picked.size());
    } catch (IOException e) {
      return List.of("(log unreadable: " + e + ")");
    }
  }

  /** Time, level and message; node addresses as their port. */
  private static String shorten(String line) {
    int dash = line.indexOf(" - ");
    String head = line.length() > 18 ? line.substring(0, 18).trim() : line;
    String msg = dash < 0 ? line : line.substring(dash + 3);
    msg = msg.replace("Cluster Node [", "[").replace("pekko://" + SYSTEM + "@127.0.0.1", "");
    String shortLine = head + " " + msg;
    return shortLine.length() > 200 ? shortLine.substring(0, 200) : shortLine;
  }

  /** The file the nodes' stderr (their log) goes to. */
  Path stderr() {
    return stderr;
  }

  ChildJvm node(String name) {
    return live.get(current(name));
  }

  private String current(String name) {
    return name + "#" + incarnations.get(name);
  }

  private void retire(String key, ChildJvm child) {
    List<String> lines = child.lines();
    finished.put(key, lines);
    try {
      Files.write(stderr.resolveSibling(key.replace('#', '-') + ".txt"), lines);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The ledger of every incarnation's output so far. */
  ClusterLedger ledger() {
    Map<String, List<String>> all = new LinkedHashMap<>(finished);
    live.forEach((k, c) -> all.put(k, c.lines()));
    return ClusterLedger.of(all);
  }

  /**
   * Waits until every stored message was processed; returns the ledger.
   *
   * @throws TimeoutException naming what is still unprocessed
   */
  ClusterLedger awaitAllProcessed(long timeout, TimeUnit unit) throws Exception {
    long deadline = System.nanoTime() + unit.toNanos(timeout);
    while (true) {
      ClusterLedger l = ledger();
      List<String> missing = l.unprocessed();
      if (missing.isEmpty()) {
        return l;
      }
      if (System.nanoTime() > deadline) {
        throw new TimeoutException(
            missing.size()
                + " stored messages not processed, e.g. "
                + missing.subList(0, Math.min(10, missing.size()))
                + "; "
                + l.summary()
                + "; stderr in "
                + stderr);
      }
      Thread.sleep(200);
    }
  }

  /** Kills every node still running and saves the transcripts. */
  @Override
  public void close() {
    for (var e : new ArrayList<>(live.entrySet())) {
      try {
        e.getValue().kill();
      } catch (InterruptedException ie) {
        Thread.currentThread().interrupt();
      }
      retire(e.getKey(), e.getValue());
    }
    live.clear();
  }
}
