package io.github.elasticq.queue;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * {@link AbstractElasticMpscQueue#relaxedPoll(int)} and {@link QosQueue#relaxedPoll(int)}: a
 * bounded wait for a claimed element's store. A producer stalled between its claim and its store
 * ({@link StallingMpscQueue}) stands for a sender descheduled in that window. Every consumer call
 * runs on its own thread and is awaited with a timeout, so a wait that is not bounded fails the
 * test instead of hanging the build.
 */
class RelaxedPollSpinsTest {

  private static final QueueConfig CONFIG =
      QueueConfig.builder().initialCapacity(4).minCapacity(4).maxCapacity(64).build();

  private final ExecutorService consumer = Executors.newSingleThreadExecutor();
  private final List<StallingMpscQueue<?>> stalling = new ArrayList<>();

  @AfterEach
  void releaseAndStop() {
    stalling.forEach(StallingMpscQueue::release); // a failed test must not leave a thread stuck
    consumer.shutdownNow();
  }

  private StallingMpscQueue<String> stallingQueue() {
    StallingMpscQueue<String> q = new StallingMpscQueue<>(CONFIG);
    stalling.add(q);
    return q;
  }

  /**
   * Offers {@code e} from a new thread and returns once its producer is stalled after the claim.
   */
  private static CompletableFuture<Boolean> stalledOffer(StallingMpscQueue<String> q, String e)
      throws InterruptedException {
    CompletableFuture<Boolean> offered = CompletableFuture.supplyAsync(() -> q.offer(e));
    q.awaitStalledProducer(10);
    return offered;
  }

  private static <T> T within10s(Future<T> f, String what) throws Exception {
    try {
      return f.get(10, TimeUnit.SECONDS);
    } catch (TimeoutException e) {
      throw new AssertionError(what + " did not return within 10 s: its wait is not bounded", e);
    }
  }

  @Test
  void stalledProducer_waitIsBounded_nullThenTheElementOnceStored() throws Exception {
    StallingMpscQueue<String> q = stallingQueue();
    CompletableFuture<Boolean> offered = stalledOffer(q, "a");
    assertThat(q.isEmpty()).as("the claimed index counts").isFalse();

    assertThat(within10s(consumer.submit(() -> q.relaxedPoll(10_000)), "relaxedPoll(10000)"))
        .isNull();
    assertThat(q.size()).as("nothing taken").isEqualTo(1);

    q.release();
    assertThat(offered.get(10, TimeUnit.SECONDS)).isTrue();
    assertThat(within10s(consumer.submit(() -> q.relaxedPoll(10_000)), "relaxedPoll"))
        .isEqualTo("a");
    assertThat(q.isEmpty()).isTrue();
  }

  @Test
  void storeDuringTheWait_isTakenByTheSameCall() throws Exception {
    StallingMpscQueue<String> q = stallingQueue();
    CompletableFuture<Boolean> offered = stalledOffer(q, "a");

    Future<String> polled = consumer.submit(() -> q.relaxedPoll(Integer.MAX_VALUE));
    TimeUnit.MILLISECONDS.sleep(200);
    assertThat(polled.isDone()).as("still waiting for the claimed element's store").isFalse();

    q.release();
    assertThat(within10s(polled, "relaxedPoll(MAX_VALUE) after the store")).isEqualTo("a");
    assertThat(offered.get(10, TimeUnit.SECONDS)).isTrue();
  }

  @Test
  void zeroSpins_isRelaxedPoll_noWait() throws Exception {
    StallingMpscQueue<String> q = stallingQueue();
    stalledOffer(q, "a");
    assertThat(within10s(consumer.submit(() -> q.relaxedPoll(0)), "relaxedPoll(0)")).isNull();
    assertThat(within10s(consumer.submit(() -> q.relaxedPoll()), "relaxedPoll()")).isNull();
  }

  @Test
  void emptyQueue_returnsNullAtOnce_evenWithUnboundedSpins() throws Exception {
    ElasticMpscQueue<String> q = new ElasticMpscQueue<>(CONFIG);
    assertThat(within10s(consumer.submit(() -> q.relaxedPoll(Integer.MAX_VALUE)), "empty"))
        .isNull();
    q.offer("a");
    q.offer("b");
    assertThat(q.relaxedPoll(Integer.MAX_VALUE)).isEqualTo("a");
    assertThat(q.relaxedPoll(Integer.MAX_VALUE)).isEqualTo("b");
    assertThat(within10s(consumer.submit(() -> q.relaxedPoll(Integer.MAX_VALUE)), "drained"))
        .isNull();
  }

  @Test
  void negativeSpins_rejectedWithTheValue() {
    ElasticMpscQueue<String> q = new ElasticMpscQueue<>(CONFIG);
    assertThatThrownBy(() -> q.relaxedPoll(-1))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("spins")
        .hasMessageContaining("-1");
    QosQueue<String> qos = QosQueue.weighted(CONFIG, 1, 2, 4);
    assertThatThrownBy(() -> qos.relaxedPoll(-3))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("-3");
  }

  @Test
  void qos_visibleElements_sameOrderAsRelaxedPoll() {
    QosQueue<String> spinning = QosQueue.weighted(CONFIG, 1, 2, 4);
    QosQueue<String> relaxed = QosQueue.weighted(CONFIG, 1, 2, 4);
    for (int i = 0; i < 30; i++) {
      int level = (i * 7) % 3;
      spinning.offer(level + ":" + i, level);
      relaxed.offer(level + ":" + i, level);
    }
    List<String> a = new ArrayList<>();
    List<String> b = new ArrayList<>();
    for (String e = spinning.relaxedPoll(64); e != null; e = spinning.relaxedPoll(64)) {
      a.add(e);
    }
    for (String e = relaxed.relaxedPoll(); e != null; e = relaxed.relaxedPoll()) {
      b.add(e);
    }
    assertThat(a).hasSize(30).isEqualTo(b);
    assertThat(spinning.isEmpty()).isTrue();
  }

  @Test
  void qos_emptyQueue_returnsNullAtOnce() throws Exception {
    QosQueue<String> q = QosQueue.strict(3, CONFIG);
    assertThat(within10s(consumer.submit(() -> q.relaxedPoll(Integer.MAX_VALUE)), "never offered"))
        .isNull();
    q.offer("x", 1);
    assertThat(q.relaxedPoll(Integer.MAX_VALUE)).isEqualTo("x");
    assertThat(within10s(consumer.submit(() -> q.relaxedPoll(Integer.MAX_VALUE)), "drained"))
        .isNull();
  }
}
