package io.github.elasticq.streams.javadsl;

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
 * INTERNAL API: the stage behind {@link ElasticFlow#buffer}. Like Pekko's {@code Buffer} with
 * {@code OverflowStrategy.backpressure()}, but the buffer is an {@link ElasticRingBuffer} owned by
 * this stage: it holds no array until an element has to wait, grows up to {@code maxCapacity}, then
 * the stage stops pulling; it gives its array back once drained. An element that arrives while
 * downstream is waiting and nothing is buffered goes straight out without touching the ring.
 */
final class ElasticBufferStage<T>
    extends GraphStageWithMaterializedValue<FlowShape<T, T>, ElasticRingBuffer<T>> {

  private final Inlet<T> in = Inlet.create("ElasticFlow.buffer.in");
  private final Outlet<T> out = Outlet.create("ElasticFlow.buffer.out");
  private final FlowShape<T, T> shape = FlowShape.of(in, out);
  private final QueueConfig config;

  ElasticBufferStage(QueueConfig config) {
    this.config = config;
  }

  @Override
  public FlowShape<T, T> shape() {
    return shape;
  }

  /** The materialized ring is for this package's tests (size, capacity); the API hides it. */
  @Override
  public Tuple2<GraphStageLogic, ElasticRingBuffer<T>> createLogicAndMaterializedValue(
      Attributes inheritedAttributes) {
    ElasticRingBuffer<T> ring = new ElasticRingBuffer<>(config);
    return Tuple2.apply(new Logic(ring), ring);
  }

  private final class Logic extends GraphStageLogic {
    private final ElasticRingBuffer<T> ring;

    Logic(ElasticRingBuffer<T> ring) {
      super(shape);
      this.ring = ring;
      setHandlers(
          in,
          out,
          new AbstractInOutHandler() {
            @Override
            public void onPush() {
              T element = grab(in);
              // out is available only while the ring is empty (onPull pushes at once when it is
              // not), so a direct push keeps the order
              if (isAvailable(out)) {
                push(out, element);
                pull(in);
              } else {
                ring.add(element); // never at max: the stage pulls only while size < max
                if (ring.hasRoom()) {
                  pull(in);
                }
              }
            }

            @Override
            public void onUpstreamFinish() {
              if (ring.isEmpty()) {
                completeStage();
              }
            }

            @Override
            public void onPull() {
              if (!ring.isEmpty()) {
                push(out, ring.remove());
                if (isClosed(in)) {
                  if (ring.isEmpty()) {
                    completeStage();
                  }
                } else if (!hasBeenPulled(in)) {
                  pull(in);
                }
              }
            }
          });
    }

    @Override
    public void preStart() {
      pull(in);
    }
  }

  @Override
  public String toString() {
    return "ElasticFlow.buffer";
  }
}
