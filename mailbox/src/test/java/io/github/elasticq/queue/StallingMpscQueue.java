package io.github.elasticq.queue;

import java.lang.reflect.Field;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

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
  private final AtomicBoolean firstOnly;

  /** A queue whose every producer stalls after its claim until {@link #release()}. */
  public StallingMpscQueue(QueueConfig config) {
    this(config, false);
  }

  private StallingMpscQueue(QueueConfig config, boolean firstOnly) {
    super(config);
    this.firstOnly = new AtomicBoolean(firstOnly);
  }

  /**
   * A queue whose first producer stalls after its claim until {@link #release()}; later producers
   * claim the next indexes and store at once (a sender descheduled while others go on).
   */
  public static <E> StallingMpscQueue<E> stallingTheFirst(QueueConfig config) {
    return new StallingMpscQueue<>(config, true);
  }

  /** Called between a producer's claim and its store: the stall. */
  @Override
  Object[] lookupBuffer(Object[] buffer, long index) {
    if (stalled.getCount() == 0 && firstOnly.get()) {
      return super.lookupBuffer(buffer, index); // the first producer is the one that stalls
    }
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

  /**
   * Puts this queue in place of {@code qos}'s level {@code level} (its queue field, by reflection).
   */
  public void installAsLevel(QosQueue<E> qos, int level) throws ReflectiveOperationException {
    Field queues = QosQueue.class.getDeclaredField("queues");
    queues.setAccessible(true);
    ((Object[]) queues.get(qos))[level] = this;
  }
}
