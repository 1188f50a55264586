package io.github.elasticq.queue;

import java.util.Queue;

/** The shared queue contract over {@link CompactElasticMpscQueue} (one consumer). */
class CompactElasticMpscQueueContractTest extends AbstractQueueContractTest {

  @Override
  protected Queue<Integer> newQueue(QueueConfig config) {
    return new CompactElasticMpscQueue<>(config);
  }

  @Override
  protected int capacityOf(Queue<?> queue) {
    return ((CompactElasticMpscQueue<?>) queue).capacity();
  }

  @Override
  protected QueueStats statsOf(Queue<?> queue) {
    return ((CompactElasticMpscQueue<?>) queue).stats();
  }
}
