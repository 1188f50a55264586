package io.github.elasticq.streams.javadsl;

import io.github.elasticq.queue.QueueConfig;
import java.util.Objects;
import org.apache.pekko.stream.javadsl.Sink;

/**
 * Factories for sinks read from outside the stream ({@link ElasticSinkQueue}): the ElasticQ
 * counterpart of Pekko's {@code Sink.queue()}.
 *
 * <pre>{@code
 * ElasticSinkQueue<String> queue =
 *     Source.from(lines).runWith(ElasticSink.queue(QueueConfig.defaults()), system);
 * queue.pull();                          // CompletionStage<Optional<String>>, from any thread
 * queue.poll(Duration.ofSeconds(1));     // blocking, Optional.empty() on timeout or end
 * queue.pollBatch(100);                  // what is there, without waiting
 * }</pre>
 *
 * <p>Each materialization has its own buffer.
 */
public final class ElasticSink {

  private ElasticSink() {}

  /**
   * A sink that buffers into an elastic buffer sized by {@code config} and backpressures at {@code
   * maxCapacity}: it holds up to {@code maxCapacity} elements, and the element it took when the
   * buffer filled waits for space beside it (one more, not counted by {@code size()}).
   *
   * @throws NullPointerException if {@code config} is null
   */
  public static <T> Sink<T, ElasticSinkQueue<T>> queue(QueueConfig config) {
    Objects.requireNonNull(config, "config");
    return Sink.fromGraph(new SinkQueueStage<>(config));
  }
}
