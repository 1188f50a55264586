package io.github.elasticq.streams.javadsl;

import io.github.elasticq.queue.ElasticMpscQueue;
import io.github.elasticq.queue.QosQueue;
import io.github.elasticq.queue.QueueConfig;
import io.github.elasticq.queue.QueueStats;

/**
 * The queue behind a source queue: many producers offer, one consumer (the stage, or after the
 * stage stopped the thread that drains leftovers) polls. Two implementations: one elastic MPSC
 * queue, or a {@link QosQueue} of them.
 */
interface SourceBuffer<T> {

  /** Lock-free insert from any thread; false when the (level's) queue holds max elements. */
  boolean offer(T element, int level);

  /** Whether {@code level} holds fewer than max elements, for some moment during the call. */
  boolean hasRoom(int level);

  /** Removes the next element or returns null; one consumer at a time. */
  T poll();

  /** Whether some element is held, for some moment during the call; any thread. */
  boolean isEmpty();

  int size();

  int capacity();

  QueueStats stats();

  QueueConfig config();

  /** Levels whose capacities are independent: 1 for one queue (offers' level is then ignored). */
  default int levels() {
    return 1;
  }

  /** One {@link ElasticMpscQueue}; the level is ignored. */
  static <T> SourceBuffer<T> elastic(QueueConfig config) {
    ElasticMpscQueue<T> queue = new ElasticMpscQueue<>(config);
    return new SourceBuffer<>() {
      @Override
      public boolean offer(T element, int level) {
        return queue.offer(element);
      }

      @Override
      public boolean hasRoom(int level) {
        return queue.size() < config.heldAtMost();
      }

      @Override
      public T poll() {
        return queue.pollWithoutWait(); // the stage parks when empty: no wait after a take
      }

      @Override
      public boolean isEmpty() {
        return queue.isEmpty();
      }

      @Override
      public int size() {
        return queue.size();
      }

      @Override
      public int capacity() {
        return queue.capacity();
      }

      @Override
      public QueueStats stats() {
        return queue.stats();
      }

      @Override
      public QueueConfig config() {
        return queue.config();
      }
    };
  }

  /** A {@link QosQueue}: levels, each its own elastic queue; polled by its fairness policy. */
  static <T> SourceBuffer<T> qos(QosQueue<T> queue, QueueConfig config) {
    return new SourceBuffer<>() {
      @Override
      public boolean offer(T element, int level) {
        return queue.offer(element, level);
      }

      @Override
      public boolean hasRoom(int level) {
        return queue.size(level) < config.heldAtMost();
      }

      @Override
      public T poll() {
        return queue.poll();
      }

      @Override
      public boolean isEmpty() {
        return queue.isEmpty();
      }

      @Override
      public int size() {
        return queue.size();
      }

      @Override
      public int capacity() {
        return queue.stats().capacity();
      }

      @Override
      public QueueStats stats() {
        return queue.stats();
      }

      @Override
      public QueueConfig config() {
        return config;
      }

      @Override
      public int levels() {
        return queue.levels();
      }
    };
  }
}
