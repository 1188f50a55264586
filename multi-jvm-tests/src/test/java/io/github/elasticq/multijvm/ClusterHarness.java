package io.github.elasticq.multijvm;

import io.github.elasticq.examples.cluster.PostgresSchema;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Starts, kills and restarts the nodes of a cluster test ({@link ClusterNodeChild} JVMs on
 * 127.0.0.1 with free Artery ports) and keeps every incarnation's stdout. Failure detection and the
 * split brain resolver are tuned short so that a killed node is downed in seconds. Test thread
 * only.
 */
final class ClusterHarness implements AutoCloseable {
  /** The PostgreSQL of this project's machines (trust authentication). */
  static final String POSTGRES_URL = "jdbc:postgresql://127.0.0.1:5432/test";

  private final Path stderr;
  private final List<String> common;
  private final Map<String, ChildJvm> live = new LinkedHashMap<>();
  private final Map<String, Integer> incarnations = new LinkedHashMap<>();
  private final Map<String, List<String>> finished = new LinkedHashMap<>();

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
