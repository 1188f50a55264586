package io.github.elasticq.queue;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A relaxed poll of a {@link QosQueue} while a producer of a high level is stalled between its
 * claim and its store ({@link StallingMpscQueue#stallingTheFirst}) and a second producer has stored
 * a later element at that level and then one at a lower level: with strict fairness the lower
 * element must not go first (found by an audit: the relaxed scan read the claimed level as empty
 * and returned the lower element, in a stress run without injection too).
 */
class QosRelaxedPollOrderTest {

  private static final QueueConfig CONFIG =
      QueueConfig.builder().initialCapacity(16).minCapacity(16).maxCapacity(64).build();

  private final ExecutorService stalledProducer = Executors.newSingleThreadExecutor();
  private StallingMpscQueue<String> high;

  @AfterEach
  void release() {
    if (high != null) {
      high.release(); // a failed test must not leave the producer stuck
    }
    stalledProducer.shutdownNow();
  }

  /** Level 2 holds a claimed "high-1" and a stored "high-2"; level 0 a stored "low". */
  private Future<Boolean> claimedHighThenStoredHighAndLow(QosQueue<String> q) throws Exception {
    high = StallingMpscQueue.stallingTheFirst(CONFIG);
    high.installAsLevel(q, 2);
    Future<Boolean> first = stalledProducer.submit(() -> q.offer("high-1", 2));
    high.awaitStalledProducer(10);
    assertThat(q.offer("high-2", 2)).isTrue();
    assertThat(q.offer("low", 0)).isTrue();
    return first;
  }

  private static List<String> drain(QosQueue<String> q) {
    List<String> out = new ArrayList<>();
    String e;
    while ((e = q.relaxedPoll(64)) != null) {
      out.add(e);
    }
    return out;
  }

  @Test
  void strict_relaxedPoll_neverServesALowerLevelPastAClaimedHigherOne() throws Exception {
    QosQueue<String> q = QosQueue.strict(3, CONFIG);
    Future<Boolean> first = claimedHighThenStoredHighAndLow(q);

    assertThat(q.relaxedPoll()).as("no wait: null, not the low element").isNull();
    assertThat(q.relaxedPoll(64)).as("the bounded wait ends with null").isNull();
    assertThat(q.isEmpty()).as("the claimed element keeps the queue non-empty").isFalse();

    high.release();
    assertThat(first.get(10, TimeUnit.SECONDS)).isTrue();
    assertThat(drain(q)).containsExactly("high-1", "high-2", "low");
    assertThat(q.isEmpty()).isTrue();
  }

  @Test
  void strict_exactPoll_waitsForTheClaimedElement() throws Exception {
    QosQueue<String> q = QosQueue.strict(3, CONFIG);
    Future<Boolean> first = claimedHighThenStoredHighAndLow(q);
    ExecutorService consumer = Executors.newSingleThreadExecutor();
    try {
      Future<String> polled = consumer.submit(() -> q.poll());
      Thread.sleep(50); // the poll is waiting for the store, not returning the low element
      assertThat(polled).isNotDone();
      high.release();
      assertThat(polled.get(10, TimeUnit.SECONDS)).isEqualTo("high-1");
      assertThat(first.get(10, TimeUnit.SECONDS)).isTrue();
      assertThat(consumer.submit(() -> List.of(q.poll(), q.poll())).get(10, TimeUnit.SECONDS))
          .containsExactly("high-2", "low");
    } finally {
      consumer.shutdownNow();
    }
  }

  /**
   * Weighted fairness promises no order between levels: the round skips a level whose head is not
   * stored yet (documented on {@link QosQueue#relaxedPoll(int)}), and nothing is lost.
   */
  @Test
  void weighted_relaxedPoll_skipsALevelWhoseHeadIsNotStored_andLosesNothing() throws Exception {
    QosQueue<String> q = QosQueue.weighted(CONFIG, 1, 1, 1);
    Future<Boolean> first = claimedHighThenStoredHighAndLow(q);

    assertThat(q.relaxedPoll()).isEqualTo("low");
    assertThat(q.relaxedPoll(64)).as("only the claimed level is left: waited for, null").isNull();

    high.release();
    assertThat(first.get(10, TimeUnit.SECONDS)).isTrue();
    assertThat(drain(q)).containsExactly("high-1", "high-2");
  }
}
