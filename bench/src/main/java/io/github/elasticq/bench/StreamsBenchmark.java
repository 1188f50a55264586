package io.github.elasticq.bench;

import com.typesafe.config.ConfigFactory;
import io.github.elasticq.queue.QueueConfig;
import io.github.elasticq.streams.javadsl.ElasticFlow;
import io.github.elasticq.streams.javadsl.ElasticSource;
import io.github.elasticq.streams.javadsl.ElasticSourceQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.function.Predicate;
import org.apache.pekko.NotUsed;
import org.apache.pekko.actor.ActorSystem;
import org.apache.pekko.stream.BoundedSourceQueue;
import org.apache.pekko.stream.OverflowStrategy;
import org.apache.pekko.stream.QueueOfferResult;
import org.apache.pekko.stream.javadsl.Flow;
import org.apache.pekko.stream.javadsl.Sink;
import org.apache.pekko.stream.javadsl.Source;
import org.apache.pekko.stream.javadsl.SourceQueueWithComplete;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.infra.Blackhole;

/**
 * The stream adapters against Pekko's own, each pair in the same run (issue 9):
 *
 * <ul>
 *   <li>{@code offer1}, {@code offer2}: 1 or 2 producer threads offer into a running graph ({@code
 *       -> Sink.ignore}); an offer refused at max is retried, so the score is accepted elements per
 *       µs. Peers: {@link ElasticSource#queue} (1024..65536) and {@code Source.queue(65536)}
 *       ({@link BoundedSourceQueue}).
 *   <li>{@code offerAsyncSlowConsumer}: one producer offers and waits for each result; the consumer
 *       burns {@value #SLOW_TOKENS} Blackhole tokens per element. Peers: {@code
 *       ElasticSourceQueue.offerAsync} (64..1024) and {@code Source.queue(1024, backpressure, 16)}.
 *   <li>{@code bufferThroughGraph}: {@value #ELEMENTS} elements through {@code Source.range ->
 *       buffer -> async -> Sink.ignore}, one materialization per invocation. Peers: {@link
 *       ElasticFlow#buffer} (1024..65536) and {@code .buffer(65536, backpressure)}.
 * </ul>
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
public class StreamsBenchmark {

  /** Elements per {@code bufferThroughGraph} invocation. */
  public static final int ELEMENTS = 100_000;

  /** Work per element in the slow consumer. */
  public static final int SLOW_TOKENS = 50;

  private static final Object ELEMENT = "element";

  /**
   * The default dispatcher of every benchmark's system. {@code -Dbench.dispatcher=cores} (the
   * default) caps its fork-join pool at the machine's core count; {@code pekko} keeps Pekko's
   * sizing (at least 8 threads, however few cores). On the 2-core machine Pekko's 8 threads flip
   * between a fast and a slow state about 3x apart that lasts for many materializations, often a
   * whole JMH fork, so whichever implementation's forks meet the slow state loses
   * (bench/results/streams.md). Both implementations of every benchmark always run on the same
   * setting.
   */
  static final String DISPATCHER = System.getProperty("bench.dispatcher", "cores");

  static ActorSystem newSystem() {
    String settings = "pekko.loglevel = WARNING";
    switch (DISPATCHER) {
      case "cores" ->
          settings +=
              "\npekko.actor.default-dispatcher.fork-join-executor.parallelism-max = "
                  + Runtime.getRuntime().availableProcessors();
      case "pekko" -> {}
      default ->
          throw new IllegalArgumentException(
              "bench.dispatcher must be cores or pekko, got: " + DISPATCHER);
    }
    return ActorSystem.create(
        "bench", ConfigFactory.parseString(settings).withFallback(ConfigFactory.load()));
  }

  static QueueConfig config(int min, int max) {
    return QueueConfig.builder().initialCapacity(min).minCapacity(min).maxCapacity(max).build();
  }

  static void terminate(ActorSystem system) throws Exception {
    system.terminate();
    system.getWhenTerminated().toCompletableFuture().get(30, TimeUnit.SECONDS);
  }

  /** A running graph fed by one of the two synchronous queues. */
  @State(Scope.Benchmark)
  public static class OfferState {
    @Param({"ElasticSource.queue", "Source.queue(n)"})
    public String impl;

    ActorSystem system;
    Predicate<Object> offer;
    Runnable complete;

    /** Materializes the graph once per trial. */
    @Setup(Level.Trial)
    public void setUp() {
      system = newSystem();
      if (impl.startsWith("Elastic")) {
        ElasticSourceQueue<Object> q =
            ElasticSource.queue(config(1024, 65536)).to(Sink.ignore()).run(system);
        offer = e -> q.offer(e) == QueueOfferResult.enqueued();
        complete = q::complete;
      } else {
        BoundedSourceQueue<Object> q = Source.queue(65536).to(Sink.ignore()).run(system);
        offer = e -> q.offer(e) == QueueOfferResult.enqueued();
        complete = q::complete;
      }
    }

    /** Completes the graph and stops the system. */
    @TearDown(Level.Trial)
    public void tearDown() throws Exception {
      complete.run();
      terminate(system);
    }
  }

  /** A running graph with a slow consumer, fed by one of the two waiting offers. */
  @State(Scope.Benchmark)
  public static class OfferAsyncState {
    @Param({"ElasticSource.offerAsync", "Source.queue(n,backpressure)"})
    public String impl;

    ActorSystem system;
    Function<Object, java.util.concurrent.CompletionStage<QueueOfferResult>> offer;
    Runnable complete;

    /** Materializes the graph once per trial. */
    @Setup(Level.Trial)
    public void setUp() {
      system = newSystem();
      Sink<Object, ?> slow =
          Flow.create()
              .map(
                  e -> {
                    Blackhole.consumeCPU(SLOW_TOKENS);
                    return e;
                  })
              .to(Sink.ignore());
      if (impl.startsWith("Elastic")) {
        ElasticSourceQueue<Object> q =
            ElasticSource.queue(config(64, 1024), 16).to(slow).run(system);
        offer = q::offerAsync;
        complete = q::complete;
      } else {
        SourceQueueWithComplete<Object> q =
            Source.queue(1024, OverflowStrategy.backpressure(), 16).to(slow).run(system);
        offer = q::offer;
        complete = q::complete;
      }
    }

    /** Completes the graph and stops the system. */
    @TearDown(Level.Trial)
    public void tearDown() throws Exception {
      complete.run();
      terminate(system);
    }
  }

  /** A system and the buffer flow under test; one graph is run per invocation. */
  @State(Scope.Benchmark)
  public static class BufferState {
    @Param({"ElasticFlow.buffer", ".buffer(n,backpressure)"})
    public String impl;

    ActorSystem system;
    Flow<Integer, Integer, NotUsed> buffer;

    /** Builds the flow once per trial. */
    @Setup(Level.Trial)
    public void setUp() {
      system = newSystem();
      buffer =
          impl.startsWith("Elastic")
              ? ElasticFlow.buffer(config(1024, 65536))
              : Flow.<Integer>create().buffer(65536, OverflowStrategy.backpressure());
    }

    /** Stops the system. */
    @TearDown(Level.Trial)
    public void tearDown() throws Exception {
      terminate(system);
    }
  }

  /** One producer thread; an offer refused at max is retried. */
  @Benchmark
  @Threads(1)
  public boolean offer1(OfferState s) {
    return offerUntilAccepted(s);
  }

  /** Two producer threads into the same graph. */
  @Benchmark
  @Threads(2)
  public boolean offer2(OfferState s) {
    return offerUntilAccepted(s);
  }

  private static boolean offerUntilAccepted(OfferState s) {
    while (!s.offer.test(ELEMENT)) {
      Thread.onSpinWait();
    }
    return true;
  }

  /** One waiting offer, awaited. */
  @Benchmark
  @Threads(1)
  public QueueOfferResult offerAsyncSlowConsumer(OfferAsyncState s) {
    return s.offer.apply(ELEMENT).toCompletableFuture().join();
  }

  /** A whole graph through the buffer, per invocation. */
  @Benchmark
  @Threads(1)
  @OperationsPerInvocation(ELEMENTS)
  public Object bufferThroughGraph(BufferState s) {
    return Source.range(1, ELEMENTS)
        .via(s.buffer)
        .async()
        .runWith(Sink.ignore(), s.system)
        .toCompletableFuture()
        .join();
  }
}
