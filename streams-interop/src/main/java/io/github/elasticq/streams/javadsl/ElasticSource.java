package io.github.elasticq.streams.javadsl;

import io.github.elasticq.queue.QueueConfig;
import java.util.Objects;
import java.util.function.Consumer;
import org.apache.pekko.stream.javadsl.Source;

/**
 * Factories for sources fed from outside the stream through an elastic queue ({@link
 * ElasticSourceQueue}): the ElasticQ counterpart of Pekko's {@code Source.queue}.
 *
 * <pre>{@code
 * ElasticSourceQueue<String> queue =
 *     ElasticSource.<String>queue(QueueConfig.defaults())
 *         .to(Sink.foreach(System.out::println))
 *         .run(system);
 * queue.offer("hello");              // Enqueued, Dropped (at max) or QueueClosed
 * queue.offerAsync("world");         // waits for space; always completes
 * queue.complete();                  // emits what is queued, then completes
 * }</pre>
 *
 * <p>Each materialization has its own queue.
 */
public final class ElasticSource {

  /** Waiting {@code offerAsync} calls allowed by {@link #queue(QueueConfig)}. */
  public static final int DEFAULT_MAX_CONCURRENT_OFFERS = 1024;

  private ElasticSource() {}

  /**
   * A source fed by an {@link ElasticSourceQueue} sized by {@code config}, with {@value
   * #DEFAULT_MAX_CONCURRENT_OFFERS} waiting offers at most and no undelivered-element handler
   * (leftovers are still counted).
   *
   * @throws NullPointerException if {@code config} is null
   */
  public static <T> Source<T, ElasticSourceQueue<T>> queue(QueueConfig config) {
    return queue(config, DEFAULT_MAX_CONCURRENT_OFFERS, null);
  }

  /**
   * As {@link #queue(QueueConfig)} with a bound on waiting {@code offerAsync} calls.
   *
   * @throws IllegalArgumentException if {@code maxConcurrentOffers} is below 1
   */
  public static <T> Source<T, ElasticSourceQueue<T>> queue(
      QueueConfig config, int maxConcurrentOffers) {
    return queue(config, maxConcurrentOffers, null);
  }

  /**
   * As {@link #queue(QueueConfig, int)}; {@code undeliveredHandler} (may be null) receives, on the
   * thread that drains them, the elements still queued when the stream is cancelled or fails (or
   * offered while it stops). It should be quick and must not block; an exception it throws is
   * ignored (the element is counted all the same).
   *
   * @throws IllegalArgumentException if {@code maxConcurrentOffers} is below 1
   * @throws NullPointerException if {@code config} is null
   */
  public static <T> Source<T, ElasticSourceQueue<T>> queue(
      QueueConfig config, int maxConcurrentOffers, Consumer<? super T> undeliveredHandler) {
    Objects.requireNonNull(config, "config");
    SourceQueueCore.checkMaxConcurrentOffers(maxConcurrentOffers);
    return Source.fromGraph(
        new SourceQueueStage<T, ElasticSourceQueue<T>>(
            "ElasticSource.queue",
            () ->
                new SourceQueueCore<>(
                    SourceBuffer.elastic(config), maxConcurrentOffers, undeliveredHandler),
            ElasticSourceQueue::new));
  }
}
