package io.github.elasticq.streams.javadsl;

import io.github.elasticq.queue.ElasticBuffer;
import io.github.elasticq.queue.QueueConfig;
import java.util.concurrent.CompletableFuture;
import org.apache.pekko.stream.AbruptStageTerminationException;
import org.apache.pekko.stream.Attributes;
import org.apache.pekko.stream.Inlet;
import org.apache.pekko.stream.SinkShape;
import org.apache.pekko.stream.stage.AbstractInHandler;
import org.apache.pekko.stream.stage.AsyncCallback;
import org.apache.pekko.stream.stage.GraphStageLogic;
import org.apache.pekko.stream.stage.GraphStageWithMaterializedValue;
import scala.Tuple2;

/**
 * INTERNAL API: the sink stage behind {@link ElasticSink#queue}. It keeps one element of demand
 * outstanding; an element that does not fit (the buffer is at max) waits in {@code putAsync}, and
 * the stage pulls again only when the put completes (on a puller's thread, through an async
 * callback): backpressure, never a drop. Stage fields are touched on the stage's thread only.
 */
final class SinkQueueStage<T>
    extends GraphStageWithMaterializedValue<SinkShape<T>, ElasticSinkQueue<T>> {

  private final Inlet<T> in = Inlet.create("ElasticSink.queue.in");
  private final SinkShape<T> shape = SinkShape.of(in);
  private final QueueConfig config;

  SinkQueueStage(QueueConfig config) {
    this.config = config;
  }

  @Override
  public SinkShape<T> shape() {
    return shape;
  }

  @Override
  public Tuple2<GraphStageLogic, ElasticSinkQueue<T>> createLogicAndMaterializedValue(
      Attributes inheritedAttributes) {
    PendingTakes<T> takes = new PendingTakes<>(new ElasticBuffer<>(config));
    ElasticSinkQueue<T> handle = new ElasticSinkQueue<>(takes);
    return Tuple2.apply(new Logic(takes, handle), handle);
  }

  private final class Logic extends GraphStageLogic {
    private final PendingTakes<T> takes;
    private final ElasticSinkQueue<T> handle;
    private boolean ended;

    Logic(PendingTakes<T> takes, ElasticSinkQueue<T> handle) {
      super(shape);
      this.takes = takes;
      this.handle = handle;
      setHandler(
          in,
          new AbstractInHandler() {
            @Override
            public void onPush() {
              T e = grab(in);
              // Only this stage inserts, so room seen here stays room: offer cannot fail (and a
              // full buffer is not counted as a rejection: the element waits instead).
              if (takes.buffer().remainingCapacity() > 0 && takes.buffer().offer(e)) {
                pull(in);
              } else {
                CompletableFuture<Void> put = takes.buffer().putAsync(e); // at max: wait
                put.whenComplete((v, ex) -> spaceCallback.invoke(Boolean.TRUE));
              }
            }

            @Override
            public void onUpstreamFinish() {
              ended = true;
              takes.end(null);
              completeStage();
            }

            @Override
            public void onUpstreamFailure(Throwable ex) {
              ended = true;
              takes.end(ex);
              failStage(ex);
            }
          });
    }

    private AsyncCallback<Object> spaceCallback;

    @Override
    public void preStart() {
      spaceCallback =
          createAsyncCallback(
              signal -> {
                if (!isClosed(in)) {
                  pull(in);
                }
              });
      AsyncCallback<Object> cancelCallback = createAsyncCallback(signal -> cancelFromHandle());
      if (handle.attach(() -> cancelCallback.invoke(Boolean.TRUE))) {
        cancelFromHandle();
        return;
      }
      pull(in);
    }

    private void cancelFromHandle() {
      ended = true;
      takes.end(null);
      completeStage(); // cancels upstream
    }

    @Override
    public void postStop() {
      if (!ended) {
        takes.end(new AbruptStageTerminationException(this));
      }
    }
  }

  @Override
  public String toString() {
    return "ElasticSink.queue";
  }
}
