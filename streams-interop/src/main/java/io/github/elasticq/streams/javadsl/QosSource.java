package io.github.elasticq.streams.javadsl;

import io.github.elasticq.queue.QosQueue;
import io.github.elasticq.queue.QueueConfig;
import java.util.Objects;
import java.util.function.Consumer;
import org.apache.pekko.stream.javadsl.Source;

/**
 * Factories for priority sources: producers offer with a level, the stream emits by the {@link
 * QosQueue} fairness rules.
 *
 * <pre>{@code
 * QosSourceQueue<Job> jobs =
 *     QosSource.<Job>queue(3, QosQueue.Fairness.WEIGHTED, new int[] {1, 2, 4}, QueueConfig.defaults())
 *         .to(Sink.foreach(Job::run))
 *         .run(system);
 * jobs.offer(urgent, 2);   // highest level
 * jobs.offer(batch, 0);
 * }</pre>
 */
public final class QosSource {

  private QosSource() {}

  /**
   * A priority source with {@code levels} levels ({@code levels-1} is the highest).
   *
   * @param weights one positive weight per level, lowest first; required for {@code WEIGHTED},
   *     ignored (may be null) for {@code STRICT}
   * @throws IllegalArgumentException if {@code levels} or {@code weights} are invalid (the message
   *     names them)
   * @throws NullPointerException if {@code fairness} or {@code config} is null
   */
  public static <T> Source<T, QosSourceQueue<T>> queue(
      int levels, QosQueue.Fairness fairness, int[] weights, QueueConfig config) {
    return queue(
        levels, fairness, weights, config, ElasticSource.DEFAULT_MAX_CONCURRENT_OFFERS, null);
  }

  /**
   * As {@link #queue(int, QosQueue.Fairness, int[], QueueConfig)} with a bound on waiting {@code
   * offerAsync} calls and an undelivered-element handler (may be null), as for {@link
   * ElasticSource#queue(QueueConfig, int, Consumer)}.
   *
   * @throws IllegalArgumentException if {@code maxConcurrentOffers} is below 1, or as above
   */
  public static <T> Source<T, QosSourceQueue<T>> queue(
      int levels,
      QosQueue.Fairness fairness,
      int[] weights,
      QueueConfig config,
      int maxConcurrentOffers,
      Consumer<? super T> undeliveredHandler) {
    Objects.requireNonNull(config, "config");
    new QosQueue<T>(levels, fairness, weights, config); // validates levels, fairness and weights
    SourceQueueCore.checkMaxConcurrentOffers(maxConcurrentOffers);
    int[] w = weights == null ? null : weights.clone();
    return Source.fromGraph(
        new SourceQueueStage<T, QosSourceQueue<T>>(
            "QosSource.queue",
            () ->
                new SourceQueueCore<>(
                    SourceBuffer.qos(new QosQueue<>(levels, fairness, w, config), config),
                    maxConcurrentOffers,
                    undeliveredHandler),
            core -> new QosSourceQueue<>(core, levels)));
  }
}
