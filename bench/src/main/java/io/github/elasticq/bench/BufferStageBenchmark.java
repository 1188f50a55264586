package io.github.elasticq.bench;

import io.github.elasticq.streams.javadsl.ElasticFlow;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.Done;
import org.apache.pekko.NotUsed;
import org.apache.pekko.actor.ActorSystem;
import org.apache.pekko.japi.Pair;
import org.apache.pekko.stream.Attributes;
import org.apache.pekko.stream.Inlet;
import org.apache.pekko.stream.OverflowStrategy;
import org.apache.pekko.stream.SinkShape;
import org.apache.pekko.stream.javadsl.Flow;
import org.apache.pekko.stream.javadsl.Keep;
import org.apache.pekko.stream.javadsl.Sink;
import org.apache.pekko.stream.javadsl.Source;
import org.apache.pekko.stream.stage.AbstractInHandler;
import org.apache.pekko.stream.stage.AsyncCallback;
import org.apache.pekko.stream.stage.GraphStageLogic;
import org.apache.pekko.stream.stage.GraphStageWithMaterializedValue;
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
import scala.Tuple2;

/**
 * Before/after for {@code ElasticFlow.buffer}: the stage-owned ring against the stage it replaced
 * ({@link MpscQueueBufferStage}, an {@code ElasticMpscQueue} used from one thread) and Pekko's
 * {@code .buffer(65536, backpressure)}, all three in the same run. {@code throughGraph} is {@link
 * StreamsBenchmark#bufferThroughGraph}; {@code fused} drops the async boundary, so the stage's own
 * per-element cost is most of what it measures (every element passes straight through: the buffer
 * never fills).
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
public class BufferStageBenchmark {

  /** The three buffers; one system per trial. */
  @State(Scope.Benchmark)
  public static class Buffers {
    @Param({"ElasticFlow.buffer", "before:ElasticMpscQueue", "Pekko.buffer(n/backpressure)"})
    public String impl;

    ActorSystem system;
    Flow<Integer, Integer, NotUsed> buffer;

    /** Builds the flow once per trial. */
    @Setup(Level.Trial)
    public void setUp() {
      system = StreamsBenchmark.newSystem();
      switch (impl) {
        case "ElasticFlow.buffer":
          buffer = ElasticFlow.buffer(StreamsBenchmark.config(1024, 65536));
          break;
        case "before:ElasticMpscQueue":
          buffer =
              Flow.fromGraph(
                      new MpscQueueBufferStage<Integer>(StreamsBenchmark.config(1024, 65536)))
                  .mapMaterializedValue(q -> NotUsed.getInstance());
          break;
        default:
          buffer = Flow.<Integer>create().buffer(65536, OverflowStrategy.backpressure());
      }
    }

    /** Stops the system. */
    @TearDown(Level.Trial)
    public void tearDown() throws Exception {
      StreamsBenchmark.terminate(system);
    }
  }

  /** {@code Source.range -> buffer -> async -> Sink.ignore}, per invocation. */
  @Benchmark
  @Threads(1)
  @OperationsPerInvocation(StreamsBenchmark.ELEMENTS)
  public Object throughGraph(Buffers s) {
    return Source.range(1, StreamsBenchmark.ELEMENTS)
        .via(s.buffer)
        .async()
        .runWith(Sink.ignore(), s.system)
        .toCompletableFuture()
        .join();
  }

  /** {@code Source.range -> buffer -> Sink.ignore} in one island, per invocation. */
  @Benchmark
  @Threads(1)
  @OperationsPerInvocation(StreamsBenchmark.ELEMENTS)
  public Object fused(Buffers s) {
    return Source.range(1, StreamsBenchmark.ELEMENTS)
        .via(s.buffer)
        .runWith(Sink.ignore(), s.system)
        .toCompletableFuture()
        .join();
  }

  /** {@code Source.range -> buffer -> late sink} in one island, per invocation. */
  @Benchmark
  @Threads(1)
  @OperationsPerInvocation(StreamsBenchmark.ELEMENTS)
  public Object fusedQueued(Buffers s) {
    Pair<AsyncCallback<Done>, CompletionStage<Done>> m =
        Source.range(1, StreamsBenchmark.ELEMENTS)
            .via(s.buffer)
            .toMat(Sink.fromGraph(new LateSink()), Keep.right())
            .run(s.system);
    m.first().invoke(Done.getInstance());
    return m.second().toCompletableFuture().join();
  }

  /** Pulls nothing until its callback is invoked, then everything. */
  static final class LateSink
      extends GraphStageWithMaterializedValue<
          SinkShape<Integer>, Pair<AsyncCallback<Done>, CompletionStage<Done>>> {
    private final Inlet<Integer> in = Inlet.create("LateSink.in");
    private final SinkShape<Integer> shape = SinkShape.of(in);

    @Override
    public SinkShape<Integer> shape() {
      return shape;
    }

    @Override
    public Tuple2<GraphStageLogic, Pair<AsyncCallback<Done>, CompletionStage<Done>>>
        createLogicAndMaterializedValue(Attributes attributes) {
      Logic logic = new Logic();
      return Tuple2.apply(logic, Pair.create(logic.start, logic.done));
    }

    private final class Logic extends GraphStageLogic {
      final CompletableFuture<Done> done = new CompletableFuture<>();
      final AsyncCallback<Done> start = createAsyncCallback(d -> pull(in));

      Logic() {
        super(shape);
        setHandler(
            in,
            new AbstractInHandler() {
              @Override
              public void onPush() {
                grab(in);
                pull(in);
              }

              @Override
              public void onUpstreamFinish() {
                done.complete(Done.getInstance());
                completeStage();
              }
            });
      }
    }
  }
}
