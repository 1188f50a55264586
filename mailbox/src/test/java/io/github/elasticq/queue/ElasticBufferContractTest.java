package io.github.elasticq.queue;

import java.util.Queue;

/** The queue contract over {@link ElasticBuffer}, a multi-consumer elastic queue. */
class ElasticBufferContractTest extends AbstractQueueContractTest {

  @Override
  protected Queue<Integer> newQueue(QueueConfig config) {
    return new ElasticBuffer<>(config);
  }

  @Override
  protected boolean isMultiConsumer() {
    return true;
  }

  @Override
  protected int capacityOf(Queue<?> queue) {
    return ((ElasticBuffer<?>) queue).capacity();
  }

  @Override
  protected QueueStats statsOf(Queue<?> queue) {
    return ((ElasticBuffer<?>) queue).stats();
  }
}
