package io.github.elasticq.bench;

import com.typesafe.config.ConfigFactory;
import io.github.elasticq.queue.QueueConfig;
import io.github.elasticq.streams.javadsl.ElasticFlow;
import io.github.elasticq.streams.javadsl.ElasticSource;
import io.github.elasticq.streams.javadsl.ElasticSourceQueue;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import javax.management.ObjectName;
import org.apache.pekko.Done;
import org.apache.pekko.NotUsed;
import org.apache.pekko.actor.ActorSystem;
import org.apache.pekko.stream.BoundedSourceQueue;
import org.apache.pekko.stream.OverflowStrategy;
import org.apache.pekko.stream.QueueOfferResult;
import org.apache.pekko.stream.javadsl.Flow;
import org.apache.pekko.stream.javadsl.Sink;
import org.apache.pekko.stream.javadsl.Source;
import org.apache.pekko.stream.javadsl.SourceQueueWithComplete;

/**
 * Retained heap of a materialized graph with room for {@value #ROOM} elements, after a burst of
 * {@value #ROOM} elements has drained (issue 9). For each case {@value #GRAPHS} graphs are
 * materialized; each takes a burst of {@value #ROOM} elements while its consumer is held by a gate,
 * then the gate opens and the graph drains completely, and stays materialized (its source never
 * completes). The figure is the growth of the used heap after full GCs, divided by the number of
 * graphs: everything the graph keeps (stage logic, interpreter, actor, buffers).
 *
 * <p>Run: {@code java -Xmx3g -XX:+UseParallelGC -cp bench/target/benchmarks.jar
 * io.github.elasticq.bench.StreamsFootprint bench/results/streams-footprint.md}
 */
public final class StreamsFootprint {

  static final int ROOM = 1_000_000;
  static final int GRAPHS = 8;
  private static final String OBJECT_ARRAY = "[Ljava.lang.Object;";
  private static final Object ELEMENT = "element";

  private StreamsFootprint() {}

  /** A materialized graph: how to tell it drained, its queue capacity if known, how to stop it. */
  interface Graph {
    void burstAndDrain() throws Exception;

    String capacity();

    void stop();
  }

  interface Case {
    Graph materialize(ActorSystem system);
  }

  public static void main(String[] args) throws Exception {
    ActorSystem system =
        ActorSystem.create(
            "footprint",
            ConfigFactory.parseString("pekko.loglevel = WARNING")
                .withFallback(ConfigFactory.load()));
    QueueConfig elastic =
        QueueConfig.builder().initialCapacity(1024).minCapacity(1024).maxCapacity(ROOM).build();
    List<String> rows = new ArrayList<>();
    try {
      // Warm-up: every case once, unmeasured, so that class loading and lazily created
      // infrastructure (scheduler, dispatchers, materializer caches) are not charged to a graph.
      for (Case c :
          List.<Case>of(
              s -> elasticSource(s, elastic),
              StreamsFootprint::pekkoQueue,
              StreamsFootprint::bounded,
              s -> buffer(s, ElasticFlow.buffer(elastic)),
              s ->
                  buffer(s, Flow.<Object>create().buffer(ROOM, OverflowStrategy.backpressure())))) {
        Graph g = c.materialize(system);
        g.burstAndDrain();
        g.stop();
      }
      Thread.sleep(500);
      long baseline = measure(system, "no graph", s -> idle(), rows);
      long elasticSource =
          measure(system, "ElasticSource.queue(1024..1M)", s -> elasticSource(s, elastic), rows);
      long queueBackpressure =
          measure(system, "Source.queue(1M, backpressure)", StreamsFootprint::pekkoQueue, rows);
      measure(system, "Source.queue(1M) (BoundedSourceQueue)", StreamsFootprint::bounded, rows);
      long elasticBuffer =
          measure(
              system,
              "ElasticFlow.buffer(1024..1M)",
              s -> buffer(s, ElasticFlow.buffer(elastic)),
              rows);
      long pekkoBuffer =
          measure(
              system,
              ".buffer(1M, backpressure)",
              s -> buffer(s, Flow.<Object>create().buffer(ROOM, OverflowStrategy.backpressure())),
              rows);
      StringBuilder md = new StringBuilder();
      md.append(
          "| graph (room for 1M, after a 1M burst drained) | retained Object[] bytes per graph"
              + " (class histogram) | retained heap per graph (used heap, noisy) | queue capacity"
              + " after drain |\n");
      md.append("|---|---:|---:|---:|\n");
      rows.forEach(r -> md.append(r).append('\n'));
      md.append('\n');
      md.append(
          String.format(
              Locale.ROOT,
              "Object[] bytes, ElasticSource.queue / Source.queue(1M, backpressure): %.3f %%%n%n"
                  + "Object[] bytes, ElasticFlow.buffer / .buffer(1M, backpressure): %.3f %%%n",
              100.0 * elasticSource / queueBackpressure,
              100.0 * elasticBuffer / pekkoBuffer));
      md.append(
          String.format(Locale.ROOT, "%n(baseline row, no graph: %d bytes of noise)%n", baseline));
      System.out.println(md);
      if (args.length > 0) {
        Files.writeString(Path.of(args[0]), md.toString(), StandardCharsets.UTF_8);
      }
    } finally {
      system.terminate();
      system.getWhenTerminated().toCompletableFuture().get(30, TimeUnit.SECONDS);
    }
  }

  private static long measure(ActorSystem system, String name, Case c, List<String> rows)
      throws Exception {
    Map<String, Long> histogramBefore = liveHistogram();
    long before = usedAfterGc();
    List<Graph> graphs = new ArrayList<>();
    for (int i = 0; i < GRAPHS; i++) {
      Graph g = c.materialize(system);
      g.burstAndDrain();
      graphs.add(g);
    }
    long after = usedAfterGc();
    Map<String, Long> histogramAfter = liveHistogram();
    long arrays =
        (histogramAfter.getOrDefault(OBJECT_ARRAY, 0L)
                - histogramBefore.getOrDefault(OBJECT_ARRAY, 0L))
            / GRAPHS;
    if (name.equals(System.getProperty("footprint.pause"))) {
      System.out.println("PAUSED " + ProcessHandle.current().pid());
      Thread.sleep(Long.getLong("footprint.pauseMillis", 20_000L));
    }
    long perGraph = (after - before) / GRAPHS;
    rows.add(
        "| " + name + " | " + arrays + " | " + perGraph + " | " + graphs.get(0).capacity() + " |");
    System.out.println(
        name + ": " + arrays + " Object[] bytes, " + perGraph + " heap bytes per graph");
    graphs.forEach(Graph::stop);
    Thread.sleep(200);
    return arrays;
  }

  /**
   * Live bytes per class, from the JVM's own class histogram (which runs a full GC first), read
   * through the DiagnosticCommand MBean.
   */
  static Map<String, Long> liveHistogram() throws Exception {
    Map<String, Long> bytes = new HashMap<>();
    classHistogram().forEach((name, counts) -> bytes.put(name, counts[1]));
    return bytes;
  }

  /**
   * Class name to {instances, bytes} of live objects, from the JVM's class histogram (jcmd
   * GC.class_histogram, a full GC first) through the DiagnosticCommand MBean; a name listed twice
   * (one class per loader) is summed.
   */
  static Map<String, long[]> classHistogram() throws Exception {
    String text =
        (String)
            ManagementFactory.getPlatformMBeanServer()
                .invoke(
                    new ObjectName("com.sun.management:type=DiagnosticCommand"),
                    "gcClassHistogram",
                    new Object[] {new String[0]},
                    new String[] {String[].class.getName()});
    Map<String, long[]> classes = new HashMap<>();
    for (String line : text.split("\n")) {
      String[] f = line.trim().split("\\s+");
      if (f.length >= 4 && f[0].endsWith(":")) {
        long[] counts = classes.computeIfAbsent(f[3], k -> new long[2]);
        counts[0] += Long.parseLong(f[1]);
        counts[1] += Long.parseLong(f[2]);
      }
    }
    return classes;
  }

  static long usedAfterGc() throws InterruptedException {
    for (int i = 0; i < 4; i++) {
      System.gc();
      Thread.sleep(100);
    }
    return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
  }

  private static Graph idle() {
    return new Graph() {
      @Override
      public void burstAndDrain() {}

      @Override
      public String capacity() {
        return "";
      }

      @Override
      public void stop() {}
    };
  }

  /** A consumer held by a gate, counting what passes. */
  private static final class Gate {
    final CompletableFuture<Done> open = new CompletableFuture<>();
    final AtomicLong passed = new AtomicLong();

    Sink<Object, NotUsed> sink() {
      return Flow.create()
          .mapAsync(1, e -> open.thenApply(d -> e))
          .to(
              Sink.foreach(
                  e -> {
                    if (e == ELEMENT) {
                      passed.incrementAndGet();
                    }
                  }));
    }

    void drain(long expected) throws InterruptedException {
      open.complete(Done.getInstance());
      long deadline = System.nanoTime() + Duration.ofMinutes(2).toNanos();
      while (passed.get() < expected) {
        if (System.nanoTime() > deadline) {
          throw new IllegalStateException("drain stalled at " + passed.get());
        }
        Thread.sleep(5);
      }
    }
  }

  private static Graph elasticSource(ActorSystem system, QueueConfig config) {
    Gate gate = new Gate();
    ElasticSourceQueue<Object> q = ElasticSource.queue(config).to(gate.sink()).run(system);
    return new Graph() {
      @Override
      public void burstAndDrain() throws Exception {
        for (int i = 0; i < ROOM; i++) {
          if (q.offer(ELEMENT) != QueueOfferResult.enqueued()) {
            throw new IllegalStateException("offer refused at " + i);
          }
        }
        gate.drain(ROOM);
        for (int i = 0;
            i < 100;
            i++) { // a trickle: the consumer operations a drained queue shrinks on
          q.offer(ELEMENT);
          gate.drain(ROOM + i + 1L);
        }
      }

      @Override
      public String capacity() {
        return q.capacity() + " (allocated slots " + q.stats().allocatedSlots() + ")";
      }

      @Override
      public void stop() {
        q.complete();
      }
    };
  }

  private static Graph pekkoQueue(ActorSystem system) {
    Gate gate = new Gate();
    SourceQueueWithComplete<Object> q =
        Source.queue(ROOM, OverflowStrategy.backpressure(), 1024).to(gate.sink()).run(system);
    return new Graph() {
      @Override
      public void burstAndDrain() throws Exception {
        ArrayDeque<CompletableFuture<QueueOfferResult>> window = new ArrayDeque<>();
        for (int i = 0; i < ROOM; i++) {
          window.add(q.offer(ELEMENT).toCompletableFuture());
          if (window.size() >= 512) {
            window.poll().join();
          }
        }
        window.forEach(CompletableFuture::join);
        gate.drain(ROOM);
        for (int i = 0; i < 100; i++) {
          q.offer(ELEMENT).toCompletableFuture().join();
          gate.drain(ROOM + i + 1L);
        }
      }

      @Override
      public String capacity() {
        return "fixed " + ROOM;
      }

      @Override
      public void stop() {
        q.complete();
      }
    };
  }

  private static Graph bounded(ActorSystem system) {
    Gate gate = new Gate();
    BoundedSourceQueue<Object> q = Source.queue(ROOM).to(gate.sink()).run(system);
    return new Graph() {
      @Override
      public void burstAndDrain() throws Exception {
        for (int i = 0; i < ROOM; i++) {
          if (q.offer(ELEMENT) != QueueOfferResult.enqueued()) {
            throw new IllegalStateException("offer refused at " + i);
          }
        }
        gate.drain(ROOM);
      }

      @Override
      public String capacity() {
        return "linked nodes (AbstractBoundedNodeQueue), freed as drained";
      }

      @Override
      public void stop() {
        q.complete();
      }
    };
  }

  private static Graph buffer(ActorSystem system, Flow<Object, Object, NotUsed> buffer) {
    Gate gate = new Gate();
    AtomicLong upstream = new AtomicLong();
    // the burst, then a trickle of one element per millisecond; the source never completes
    Source<Object, ?> source =
        Source.repeat(ELEMENT)
            .take(ROOM)
            .concat(Source.tick(Duration.ofMillis(1), Duration.ofMillis(1), ELEMENT))
            .map(
                e -> {
                  upstream.incrementAndGet();
                  return e;
                });
    org.apache.pekko.stream.UniqueKillSwitch kill =
        source
            .viaMat(
                org.apache.pekko.stream.KillSwitches.single(),
                org.apache.pekko.stream.javadsl.Keep.right())
            .via(buffer)
            .to(gate.sink())
            .run(system);
    return new Graph() {
      @Override
      public void burstAndDrain() throws Exception {
        long deadline = System.nanoTime() + Duration.ofMinutes(2).toNanos();
        while (upstream.get() < ROOM - 2) { // everything but what the gate stage holds
          if (System.nanoTime() > deadline) {
            throw new IllegalStateException("burst stalled at " + upstream.get());
          }
          Thread.sleep(5);
        }
        gate.drain(ROOM + 100L);
      }

      @Override
      public String capacity() {
        return "";
      }

      @Override
      public void stop() {
        kill.shutdown();
      }
    };
  }
}
