package io.github.elasticq.queue;

import java.util.Queue;
import org.jctools.queues.MpscChunkedArrayQueue;

/**
 * The control: the queue contract over JCTools' {@link MpscChunkedArrayQueue} bounded at {@code
 * maxCapacity} (a power of two in every config the suite uses, so the bound is exact). It passes
 * the contract tests and skips the elasticity ones, which shows the suite checks the contract of a
 * bounded MPSC queue rather than the quirks of this project's implementations.
 */
class JctoolsControlContractTest extends AbstractQueueContractTest {

  @Override
  protected Queue<Integer> newQueue(QueueConfig config) {
    return new MpscChunkedArrayQueue<>(Math.max(2, config.initialCapacity()), config.maxCapacity());
  }

  @Override
  protected boolean isElastic() {
    return false;
  }
}
