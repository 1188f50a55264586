package io.github.elasticq.streams.javadsl;

import java.util.function.Function;
import java.util.function.Supplier;
import org.apache.pekko.stream.AbruptStageTerminationException;
import org.apache.pekko.stream.Attributes;
import org.apache.pekko.stream.Outlet;
import org.apache.pekko.stream.SourceShape;
import org.apache.pekko.stream.stage.AbstractOutHandler;
import org.apache.pekko.stream.stage.AsyncCallback;
import org.apache.pekko.stream.stage.GraphStageLogic;
import org.apache.pekko.stream.stage.GraphStageWithMaterializedValue;
import scala.Tuple2;

/**
 * INTERNAL API: the source stage behind {@link ElasticSource#queue} and {@link QosSource#queue}.
 * Each materialization creates its own {@link SourceQueueCore}; the stage's fields are touched only
 * on the stage's thread, producers reach it only through the core and the async callback obtained
 * in {@code preStart}.
 */
final class SourceQueueStage<T, M> extends GraphStageWithMaterializedValue<SourceShape<T>, M> {

  private final Outlet<T> out;
  private final SourceShape<T> shape;
  private final Supplier<SourceQueueCore<T>> coreFactory;
  private final Function<SourceQueueCore<T>, M> handleFactory;

  SourceQueueStage(
      String name,
      Supplier<SourceQueueCore<T>> coreFactory,
      Function<SourceQueueCore<T>, M> handleFactory) {
    this.out = Outlet.create(name + ".out");
    this.shape = SourceShape.of(out);
    this.coreFactory = coreFactory;
    this.handleFactory = handleFactory;
  }

  @Override
  public SourceShape<T> shape() {
    return shape;
  }

  @Override
  public Tuple2<GraphStageLogic, M> createLogicAndMaterializedValue(
      Attributes inheritedAttributes) {
    SourceQueueCore<T> core = coreFactory.get();
    return Tuple2.apply(new Logic(core), handleFactory.apply(core));
  }

  private final class Logic extends GraphStageLogic {
    private final SourceQueueCore<T> core;

    /** Set when the stage itself decides how it ends (complete, fail, cancel); stage thread. */
    private boolean ended;

    private Throwable endCause;

    Logic(SourceQueueCore<T> core) {
      super(shape);
      this.core = core;
      setHandler(
          out,
          new AbstractOutHandler() {
            @Override
            public void onPull() {
              pushNext();
            }

            @Override
            public void onDownstreamFinish(Throwable cause) throws Exception {
              ended = true; // cancellation: offers see QueueClosed, watchCompletion gets Done
              super.onDownstreamFinish(cause);
            }
          });
    }

    @Override
    public void preStart() {
      AsyncCallback<Object> callback = createAsyncCallback(signal -> onWake());
      core.attach(() -> callback.invoke(Boolean.TRUE));
      Throwable failure = core.failure(); // fail() before attach found no callback to invoke
      if (failure != null) {
        end(failure);
      } else if (core.closedAndEmpty()) {
        end(null); // complete() before attach found no callback to invoke either
      }
    }

    private void onWake() {
      Throwable failure = core.failure();
      if (failure != null) {
        end(failure);
      } else if (isAvailable(out)) {
        pushNext(); // a spurious wake-up (the stage found the element itself) parks again
      } else if (core.closedAndEmpty()) {
        end(null); // complete() while downstream does not pull: nothing is left to emit
      }
    }

    private void pushNext() {
      T e = core.pollOrPark();
      if (e != null) {
        push(out, e);
        core.afterEmit();
        if (core.closedAndEmpty()) {
          end(core.failure()); // that was the last element: complete now, not at the next pull
        }
      } else if (core.drained()) {
        end(core.failure()); // complete(): queue drained; a parked stage waits for its wake-up
      }
    }

    private void end(Throwable failure) {
      ended = true;
      endCause = failure;
      if (failure == null) {
        completeStage();
      } else {
        failStage(failure);
      }
    }

    @Override
    public void postStop() {
      core.terminate(ended ? endCause : new AbruptStageTerminationException(this));
    }
  }

  @Override
  public String toString() {
    return out.s().replace(".out", "");
  }
}
