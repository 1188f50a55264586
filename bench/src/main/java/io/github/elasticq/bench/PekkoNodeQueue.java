package io.github.elasticq.bench;

import java.util.AbstractQueue;
import java.util.Iterator;
import org.apache.pekko.dispatch.AbstractNodeQueue;

/**
 * Pekko's intrusive MPSC node queue (the queue behind {@code SingleConsumerOnlyUnboundedMailbox})
 * seen through {@link java.util.Queue}, so that it can run in the same benchmarks as the other
 * queues. The adapter adds one field load per call; offer and poll are Pekko's own.
 *
 * <p>Threads: {@link #offer} from any thread; {@link #poll} and {@link #peek} from one consumer.
 */
public final class PekkoNodeQueue extends AbstractQueue<Object> {
  private final NodeQueue queue = new NodeQueue();

  /** The concrete node queue: {@link AbstractNodeQueue} is abstract only to be subclassed. */
  static final class NodeQueue extends AbstractNodeQueue<Object> {
    private static final long serialVersionUID = 1L;
  }

  /** Returns the wrapped node queue, for footprint measurements. */
  public AbstractNodeQueue<Object> nodeQueue() {
    return queue;
  }

  @Override
  public boolean offer(Object e) {
    queue.add(e);
    return true;
  }

  @Override
  public Object poll() {
    return queue.poll();
  }

  @Override
  public Object peek() {
    return queue.peek();
  }

  @Override
  public int size() {
    return queue.count();
  }

  @Override
  public boolean isEmpty() {
    return queue.isEmpty();
  }

  @Override
  public Iterator<Object> iterator() {
    throw new UnsupportedOperationException("PekkoNodeQueue is not iterable");
  }
}
