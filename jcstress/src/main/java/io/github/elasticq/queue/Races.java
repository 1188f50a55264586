package io.github.elasticq.queue;

/** Helpers shared by the jcstress tests: queue set-up and result encoding. */
final class Races {
  /** Code of a poll that found the queue empty. */
  static final int EMPTY = 0;

  /** Code of a poll that returned the expected payload with every field visible. */
  static final int VISIBLE = 1;

  /** Code of a poll that returned the expected payload with a default value in some field. */
  static final int TORN = 2;

  /** Code of a poll that returned an element other than the expected one. */
  static final int OTHER = 3;

  private Races() {}

  static QueueConfig config(int initial, int min, int max) {
    return QueueConfig.builder()
        .initialCapacity(initial)
        .minCapacity(min)
        .maxCapacity(max)
        .growthFactor(2.0)
        .shrinkThreshold(0.25)
        .build();
  }

  /** Offers {@code e} and fails loudly if the queue refuses it (the tests never reach max). */
  static void offer(ElasticMpscQueue<Object> queue, Object e) {
    if (!queue.offer(e)) {
      throw new IllegalStateException("offer refused below max: " + queue.stats());
    }
  }
}
