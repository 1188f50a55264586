package io.github.elasticq.bench;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.Done;
import org.apache.pekko.japi.Pair;
import org.apache.pekko.stream.Attributes;
import org.apache.pekko.stream.Inlet;
import org.apache.pekko.stream.SinkShape;
import org.apache.pekko.stream.javadsl.Keep;
import org.apache.pekko.stream.javadsl.Sink;
import org.apache.pekko.stream.javadsl.Source;
import org.apache.pekko.stream.stage.AbstractInHandler;
import org.apache.pekko.stream.stage.AsyncCallback;
import org.apache.pekko.stream.stage.GraphStageLogic;
import org.apache.pekko.stream.stage.GraphStageWithMaterializedValue;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Threads;
import scala.Tuple2;

/**
 * The stage alone: {@code ElasticFlow.buffer} against Pekko's {@code .buffer(65536, backpressure)}
 * in one island, both in the same run (the states of {@link StreamsBenchmark#bufferThroughGraph}).
 * Through a graph with an async boundary the dispatcher dominates: on a 2-core machine its default
 * 8 threads flip between a fast and a slow state that decides the ratio, so compare the buffers
 * there with {@code -jvmArgs
 * "-Dpekko.actor.default-dispatcher.fork-join-executor.parallelism-max=2"} or with {@link
 * BufferInterleaved}. {@code fused} passes every element straight through (the buffer never fills);
 * in {@code fusedQueued} the sink starts pulling only after the graph is running, so the buffer
 * holds elements and every element is added and polled. Up to commit 25d3853 the stage the ring
 * replaced ran alongside (results in bench/results/streams.md).
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
public class BufferStageBenchmark {

  /** {@code Source.range -> buffer -> Sink.ignore} in one island, per invocation. */
  @Benchmark
  @Threads(1)
  @OperationsPerInvocation(StreamsBenchmark.ELEMENTS)
  public Object fused(StreamsBenchmark.BufferState s) {
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
  public Object fusedQueued(StreamsBenchmark.BufferState s) {
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
