package io.github.elasticq.streams.javadsl;

import io.github.elasticq.queue.QueueConfig;
import java.util.Objects;
import org.apache.pekko.NotUsed;
import org.apache.pekko.stream.javadsl.Flow;

/**
 * Elastic flow operators: the ElasticQ counterpart of {@code .buffer(n,
 * OverflowStrategy.backpressure())}.
 *
 * <pre>{@code
 * source.via(ElasticFlow.buffer(QueueConfig.builder().maxCapacity(1_000_000).build()))
 *       .runWith(sink, system);
 * }</pre>
 */
public final class ElasticFlow {

  private ElasticFlow() {}

  /**
   * A buffer that grows with its occupancy up to {@code config.heldAtMost()}, then backpressures
   * upstream, and shrinks back towards {@code minCapacity} once drained. Pekko's {@code buffer(n,
   * backpressure)} allocates its {@code n} slots when the stream starts and keeps them for the life
   * of the stream; this one holds no array until an element has to wait, and gives its array back
   * once drained. Upstream completion is delayed until the buffer is drained; upstream failure is
   * passed on at once (as Pekko's buffer does), discarding what is buffered.
   *
   * @throws NullPointerException if {@code config} is null
   */
  public static <T> Flow<T, T, NotUsed> buffer(QueueConfig config) {
    return ElasticFlow.<T>bufferWithRing(config).mapMaterializedValue(r -> NotUsed.getInstance());
  }

  /** For this package's tests: the buffer, materializing its ring (size, capacity, counters). */
  static <T> Flow<T, T, ElasticRingBuffer<T>> bufferWithRing(QueueConfig config) {
    Objects.requireNonNull(config, "config");
    return Flow.fromGraph(new ElasticBufferStage<>(config));
  }
}
