package io.github.elasticq.bench;

import io.github.elasticq.queue.ElasticMpscQueue;
import io.github.elasticq.queue.QueueConfig;
import org.apache.pekko.stream.Attributes;
import org.apache.pekko.stream.FlowShape;
import org.apache.pekko.stream.Inlet;
import org.apache.pekko.stream.Outlet;
import org.apache.pekko.stream.stage.AbstractInOutHandler;
import org.apache.pekko.stream.stage.GraphStageLogic;
import org.apache.pekko.stream.stage.GraphStageWithMaterializedValue;
import scala.Tuple2;

/**
 * Bench-only: the {@code ElasticFlow.buffer} stage as it was before the stage-owned ring (commit
 * fa7a126), kept for one before/after run in {@link BufferStageBenchmark}. Like Pekko's {@code
 * Buffer} with {@code OverflowStrategy.backpressure()}, but the buffer is an {@link
 * ElasticMpscQueue} (used from the stage's thread only): it holds no array until the first element,
 * grows up to {@code maxCapacity}, then the stage stops pulling; it shrinks back, on the stage's
 * own polls, once drained. Every element passes through the queue, so every emission is a consumer
 * operation that drives the shrink policy.
 */
final class MpscQueueBufferStage<T>
    extends GraphStageWithMaterializedValue<FlowShape<T, T>, ElasticMpscQueue<T>> {

  private final Inlet<T> in = Inlet.create("ElasticFlow.buffer.in");
  private final Outlet<T> out = Outlet.create("ElasticFlow.buffer.out");
  private final FlowShape<T, T> shape = FlowShape.of(in, out);
  private final QueueConfig config;

  MpscQueueBufferStage(QueueConfig config) {
    this.config = config;
  }

  @Override
  public FlowShape<T, T> shape() {
    return shape;
  }

  /** The materialized queue is for this package's tests (capacity, stats); the API hides it. */
  @Override
  public Tuple2<GraphStageLogic, ElasticMpscQueue<T>> createLogicAndMaterializedValue(
      Attributes inheritedAttributes) {
    ElasticMpscQueue<T> queue = new ElasticMpscQueue<>(config);
    return Tuple2.apply(new Logic(queue), queue);
  }

  private final class Logic extends GraphStageLogic {
    private final ElasticMpscQueue<T> queue;
    private final int max = config.maxCapacity();

    /** Elements held; stage thread only (cheaper than the queue's cross-thread size()). */
    private int count;

    Logic(ElasticMpscQueue<T> queue) {
      super(shape);
      this.queue = queue;
      setHandlers(
          in,
          out,
          new AbstractInOutHandler() {
            @Override
            public void onPush() {
              queue.offer(grab(in)); // never full: the stage pulls only while count < max
              count++;
              if (isAvailable(out)) {
                pushHead();
              }
              if (count < max) {
                pull(in);
              }
            }

            @Override
            public void onUpstreamFinish() {
              if (count == 0) {
                completeStage();
              }
            }

            @Override
            public void onPull() {
              if (count > 0) {
                pushHead();
                if (isClosed(in)) {
                  if (count == 0) {
                    completeStage();
                  }
                } else if (!hasBeenPulled(in)) {
                  pull(in);
                }
              } else {
                queue.poll(); // an empty poll: lets a drained queue shrink back to min
              }
            }
          });
    }

    private void pushHead() {
      count--;
      push(out, queue.poll());
    }

    @Override
    public void preStart() {
      pull(in);
    }
  }

  @Override
  public String toString() {
    return "MpscQueueBufferStage";
  }
}
