package io.github.elasticq.queue;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.jetbrains.lincheck.datastructures.IntGen;
import org.jetbrains.lincheck.datastructures.ModelCheckingOptions;
import org.jetbrains.lincheck.datastructures.Operation;
import org.jetbrains.lincheck.datastructures.Param;
import org.jetbrains.lincheck.datastructures.StressOptions;
import org.jetbrains.lincheck.datastructures.Validate;
import org.junit.jupiter.api.Test;

/**
 * Lincheck checks that {@link ElasticBuffer}, used by several producers and several consumers at
 * once, is linearizable with respect to a bounded FIFO queue ({@link BoundedFifoSpec}). Two
 * operation sets are checked:
 *
 * <ul>
 *   <li>{@link SyncOps}: offer, offerAll (two and three elements, all or nothing), poll, pollBatch
 *       and the lock-free size, with min 2, max 8, growth 2, shrink threshold 0.5 and a hysteresis
 *       streak of one operation, so that short scenarios cross growth, shrink and the max bound;
 *       under model checking (systematic interleavings) and under stress;
 *   <li>{@link AsyncOps}: takeAsync and putAsync each cancelled at once, racing producers and
 *       consumers that claim the waiter, with max 2 so that puts park: whichever side wins, no
 *       element is lost or duplicated; under stress only. (Lincheck's model checker, in the budget
 *       used here, did not reach the window between a cancel's state change and its removal from
 *       the waiter list; {@code ElasticBufferTest} opens that window deterministically.)
 * </ul>
 *
 * <p>After each scenario {@link SyncOps#invariants()} / {@link AsyncOps#invariants()} check that
 * the capacity stayed in bounds, the allocation followed it and the counters add up.
 *
 * <p>Lincheck writes a bootstrap jar into {@code java.io.tmpdir}; the module's surefire
 * configuration points that at {@code target/}.
 */
public class ElasticBufferLincheckTest {

  @Test
  void syncOps_modelChecking() {
    new ModelCheckingOptions()
        .iterations(LincheckRuns.iterations(10))
        .invocationsPerIteration(200)
        .threads(3)
        .actorsPerThread(3)
        .actorsBefore(3)
        .actorsAfter(2)
        .sequentialSpecification(SyncSpec.class)
        .check(SyncOps.class);
  }

  @Test
  void syncOps_stress() {
    new StressOptions()
        .iterations(LincheckRuns.iterations(10))
        .invocationsPerIteration(1_000)
        .threads(3)
        .actorsPerThread(3)
        .actorsBefore(3)
        .actorsAfter(2)
        .sequentialSpecification(SyncSpec.class)
        .check(SyncOps.class);
  }

  @Test
  void asyncOps_stress() {
    new StressOptions()
        .iterations(LincheckRuns.iterations(10))
        .invocationsPerIteration(1_000)
        .threads(3)
        .actorsPerThread(3)
        .actorsBefore(1)
        .actorsAfter(2)
        .sequentialSpecification(AsyncSpec.class)
        .check(AsyncOps.class);
  }

  static void checkInvariants(ElasticBuffer<?> buffer) {
    QueueStats stats = buffer.stats();
    QueueConfig config = buffer.config();
    if (stats.capacity() < config.minCapacity()
        || stats.capacity() > config.maxCapacity()
        || stats.size() > stats.capacity()
        || stats.allocatedSlots() != stats.capacity()
        || stats.enqueued() - stats.dequeued() != stats.size()) {
      throw new IllegalStateException("invariant broken: " + stats);
    }
  }

  /** Synchronous MPMC operations over min 2 / max 8. */
  @Param(name = "e", gen = IntGen.class, conf = "1:4")
  @Param(name = "n", gen = IntGen.class, conf = "1:3")
  public static class SyncOps {
    static final QueueConfig CONFIG =
        QueueConfig.builder()
            .initialCapacity(2)
            .minCapacity(2)
            .maxCapacity(8)
            .growthFactor(2.0)
            .shrinkThreshold(0.5)
            .build();

    private final ElasticBuffer<Integer> buffer = new ElasticBuffer<>(CONFIG, 1);

    /** Inserts one element. */
    @Operation
    public boolean offer(@Param(name = "e") int e) {
      return buffer.offer(e);
    }

    /** Inserts two elements, all or nothing. */
    @Operation
    public boolean offerAll(@Param(name = "e") int a, @Param(name = "e") int b) {
      return buffer.offerAll(List.of(a, b));
    }

    /** Inserts three elements, all or nothing: reaches max quickly. */
    @Operation
    public boolean offerThree(@Param(name = "e") int a) {
      return buffer.offerAll(List.of(a, a + 10, a + 20));
    }

    /** Removes the head. */
    @Operation
    public Integer poll() {
      return buffer.poll();
    }

    /** Removes up to n elements. */
    @Operation
    public List<Integer> pollBatch(@Param(name = "n") int n) {
      return buffer.pollBatch(n);
    }

    /** The lock-free size. */
    @Operation
    public int size() {
      return buffer.size();
    }

    /** Checked after each scenario. */
    @Validate
    public void invariants() {
      checkInvariants(buffer);
    }
  }

  /** Asynchronous operations, cancelled at once, over min 1 / max 2. */
  @Param(name = "e", gen = IntGen.class, conf = "1:4")
  public static class AsyncOps {
    static final QueueConfig CONFIG =
        QueueConfig.builder()
            .initialCapacity(1)
            .minCapacity(1)
            .maxCapacity(2)
            .growthFactor(2.0)
            .shrinkThreshold(0.5)
            .build();

    private final ElasticBuffer<Integer> buffer = new ElasticBuffer<>(CONFIG, 1);

    /** Inserts one element. */
    @Operation
    public boolean offer(@Param(name = "e") int e) {
      return buffer.offer(e);
    }

    /** Removes the head. */
    @Operation
    public Integer poll() {
      return buffer.poll();
    }

    /**
     * Parks an asynchronous take and cancels it at once: null if the cancel won, else the element
     * the take received (there was one, or a producer claimed the take first).
     */
    @Operation
    public Integer takeAsyncThenCancel() {
      CompletableFuture<Integer> f = buffer.takeAsync();
      return f.cancel(false) ? null : f.join();
    }

    /**
     * Parks an asynchronous put and cancels it at once: whether the element was inserted (there was
     * room, or a consumer made room and claimed the put first).
     */
    @Operation
    public boolean putAsyncThenCancel(@Param(name = "e") int e) {
      return !buffer.putAsync(e).cancel(false);
    }

    /** The lock-free size. */
    @Operation
    public int size() {
      return buffer.size();
    }

    /** Checked after each scenario. */
    @Validate
    public void invariants() {
      checkInvariants(buffer);
    }
  }

  /** A FIFO queue that holds at most {@code max} elements. */
  public static class BoundedFifoSpec {
    private final ArrayDeque<Integer> deque = new ArrayDeque<>();
    private final int max;

    BoundedFifoSpec(int max) {
      this.max = max;
    }

    public boolean offer(int e) {
      return offerBatch(e);
    }

    boolean offerBatch(int... elements) {
      if (deque.size() + elements.length > max) {
        return false;
      }
      for (int e : elements) {
        deque.add(e);
      }
      return true;
    }

    public Integer poll() {
      return deque.poll();
    }

    public int size() {
      return deque.size();
    }
  }

  /** Sequential specification of {@link SyncOps}. */
  public static class SyncSpec extends BoundedFifoSpec {
    public SyncSpec() {
      super(SyncOps.CONFIG.maxCapacity());
    }

    public boolean offerAll(int a, int b) {
      return offerBatch(a, b);
    }

    public boolean offerThree(int a) {
      return offerBatch(a, a + 10, a + 20);
    }

    public List<Integer> pollBatch(int n) {
      List<Integer> out = new ArrayList<>();
      Integer e;
      while (out.size() < n && (e = poll()) != null) {
        out.add(e);
      }
      return out;
    }
  }

  /** Sequential specification of {@link AsyncOps}: a cancelled async call is a failed attempt. */
  public static class AsyncSpec extends BoundedFifoSpec {
    public AsyncSpec() {
      super(AsyncOps.CONFIG.maxCapacity());
    }

    public Integer takeAsyncThenCancel() {
      return poll();
    }

    public boolean putAsyncThenCancel(int e) {
      return offer(e);
    }
  }
}
