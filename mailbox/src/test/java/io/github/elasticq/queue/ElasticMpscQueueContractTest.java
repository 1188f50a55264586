package io.github.elasticq.queue;

import java.util.Queue;

/** The shared queue contract over {@link ElasticMpscQueue} (one consumer). */
class ElasticMpscQueueContractTest extends AbstractQueueContractTest {

  @Override
  protected Queue<Integer> newQueue(QueueConfig config) {
    return new ElasticMpscQueue<>(config);
  }

  @Override
  protected int capacityOf(Queue<?> queue) {
    return ((ElasticMpscQueue<?>) queue).capacity();
  }

  @Override
  protected QueueStats statsOf(Queue<?> queue) {
    return ((ElasticMpscQueue<?>) queue).stats();
  }
}
