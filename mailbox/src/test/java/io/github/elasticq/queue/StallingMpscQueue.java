package io.github.elasticq.queue;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * An {@link ElasticMpscQueue} whose producers stop between their claim and their store until {@link
 * #release()}: a sender descheduled in that window, on demand. Public for the mailbox tests, which
 * build a message queue over it.
 *
 * @param <E> element type
 */
public final class StallingMpscQueue<E> extends ElasticMpscQueue<E> {
  private final CountDownLatch stalled = new CountDownLatch(1);
  private final CountDownLatch released = new CountDownLatch(1);

  /** A queue whose every producer stalls after its claim until {@link #release()}. */
  public StallingMpscQueue(QueueConfig config) {
    super(config);
  }

  /** Called between a producer's claim and its store: the stall. */
  @Override
  Object[] lookupBuffer(Object[] buffer, long index) {
    stalled.countDown();
    boolean interrupted = false;
    while (released.getCount() != 0) {
      try {
        released.await();
      } catch (InterruptedException e) {
        interrupted = true; // the claim is made: the store must follow, whatever the caller wants
      }
    }
    if (interrupted) {
      Thread.currentThread().interrupt();
    }
    return super.lookupBuffer(buffer, index);
  }

  /**
   * Waits until a producer has claimed an index and stopped before its store.
   *
   * @throws AssertionError if none did within {@code seconds}
   */
  public void awaitStalledProducer(long seconds) throws InterruptedException {
    if (!stalled.await(seconds, TimeUnit.SECONDS)) {
      throw new AssertionError("no producer reached its store within " + seconds + " s");
    }
  }

  /** Lets every stalled and later producer store its element. */
  public void release() {
    released.countDown();
  }
}
