package io.github.elasticq.streams.javadsl;

import io.github.elasticq.queue.ElasticBuffer;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import org.apache.pekko.stream.Attributes;
import org.apache.pekko.stream.Outlet;
import org.apache.pekko.stream.SourceShape;
import org.apache.pekko.stream.stage.AbstractOutHandler;
import org.apache.pekko.stream.stage.AsyncCallback;
import org.apache.pekko.stream.stage.GraphStage;
import org.apache.pekko.stream.stage.GraphStageLogic;

/**
 * INTERNAL API: {@link BufferChannel#asSource()}. One receive in flight per pull; the result comes
 * back through an async callback obtained in {@code preStart}. On stop, an in-flight receive is
 * withdrawn; if an element was claimed for it first, the element is put back into the channel.
 */
final class ChannelSourceStage<T> extends GraphStage<SourceShape<T>> {

  private final Outlet<T> out = Outlet.create("BufferChannel.source.out");
  private final SourceShape<T> shape = SourceShape.of(out);
  private final BufferChannel<T> channel;
  private final PendingTakes<T> takes;
  private final ElasticBuffer<T> buffer;

  ChannelSourceStage(BufferChannel<T> channel, PendingTakes<T> takes, ElasticBuffer<T> buffer) {
    this.channel = channel;
    this.takes = takes;
    this.buffer = buffer;
  }

  @Override
  public SourceShape<T> shape() {
    return shape;
  }

  @Override
  public GraphStageLogic createLogic(Attributes inheritedAttributes) {
    return new GraphStageLogic(shape) {
      private AsyncCallback<CompletableFuture<Optional<T>>> onResult;
      private CompletableFuture<Optional<T>> inFlight;
      private Runnable closeListener;

      {
        setHandler(
            out,
            new AbstractOutHandler() {
              @Override
              public void onPull() {
                channel.awaitEndIfClosed();
                CompletableFuture<Optional<T>> f = takes.take();
                if (f.isDone()) {
                  handle(f);
                } else {
                  inFlight = f;
                  f.whenComplete((v, ex) -> onResult.invoke(f));
                }
              }
            });
      }

      @Override
      public void preStart() {
        onResult =
            createAsyncCallback(
                f -> {
                  if (f == inFlight) {
                    inFlight = null;
                    handle(f);
                  }
                });
        AsyncCallback<Object> onClose = createAsyncCallback(signal -> completeIfDrained());
        closeListener = () -> onClose.invoke(Boolean.TRUE);
        channel.addCloseListener(closeListener);
      }

      /**
       * The channel closed, or this stage emitted an element: with no receive in flight (a pulled
       * stage has one, which completes empty once the channel is closed and drained) and nothing
       * left, the stage completes now instead of at a pull that may never come.
       */
      private void completeIfDrained() {
        if (inFlight == null && takes.isDrained()) {
          completeStage();
        }
      }

      private void handle(CompletableFuture<Optional<T>> f) {
        try {
          Optional<T> e = f.join();
          if (e.isPresent()) {
            push(out, e.get());
            completeIfDrained(); // the last element after the close: complete with it
          } else {
            completeStage();
          }
        } catch (CompletionException ex) {
          if (ex.getCause() instanceof ChannelClosedException) {
            completeStage();
          } else {
            failStage(ex.getCause());
          }
        }
      }

      @Override
      public void postStop() {
        if (closeListener != null) {
          channel.removeCloseListener(closeListener);
        }
        CompletableFuture<Optional<T>> f = inFlight;
        inFlight = null;
        if (f != null && !takes.withdraw(f)) {
          // an element was claimed for this receive: hand it back rather than lose it
          f.thenAccept(e -> e.ifPresent(buffer::putAsync));
        }
      }
    };
  }

  @Override
  public String toString() {
    return "BufferChannel.asSource";
  }
}
