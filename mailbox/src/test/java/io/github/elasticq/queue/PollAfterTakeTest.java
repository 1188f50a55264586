package io.github.elasticq.queue;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The consumer's "previous poll took an element" state behind {@link
 * AbstractElasticMpscQueue#SPINS_AFTER_TAKE}, on both layouts: a take sets it, a poll that finds
 * the queue empty clears it, the wait it enables is bounded (a warm poll of an empty queue returns
 * null), and on the compact layout, which keeps it in the sign bit of the shrink streak, neither
 * value disturbs the other. A take that forgets to set it, an empty poll that forgets to clear it
 * (every later empty poll would wait), or a mask that loses the streak fail here.
 */
class PollAfterTakeTest {
  private static final QueueConfig CONFIG =
      QueueConfig.builder().initialCapacity(16).minCapacity(16).maxCapacity(1024).build();

  static AbstractElasticMpscQueue<Integer> create(String layout) {
    return layout.equals("ElasticMpscQueue")
        ? new ElasticMpscQueue<>(CONFIG)
        : new CompactElasticMpscQueue<>(CONFIG);
  }

  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"ElasticMpscQueue", "CompactElasticMpscQueue"})
  @Timeout(10)
  void aTakeWarmsThePoll_anEmptyPollCoolsIt(String layout) {
    AbstractElasticMpscQueue<Integer> q = create(layout);
    assertThat(q.pollWarmPlain()).as("new queue").isFalse();
    assertThat(q.poll()).isNull();
    assertThat(q.pollWarmPlain()).as("after an empty poll of a new queue").isFalse();

    q.offer(1);
    q.offer(2);
    assertThat(q.poll()).isEqualTo(1);
    assertThat(q.pollWarmPlain()).as("after a take").isTrue();
    assertThat(q.poll()).isEqualTo(2);
    assertThat(q.pollWarmPlain()).as("after a second take").isTrue();

    assertThat(q.poll()).as("warm poll of an empty queue: bounded wait, then null").isNull();
    assertThat(q.pollWarmPlain()).as("after the empty poll that ended the takes").isFalse();
    assertThat(q.poll()).isNull();
    assertThat(q.pollWarmPlain()).isFalse();

    q.offer(3);
    assertThat(q.poll()).isEqualTo(3);
    assertThat(q.pollWarmPlain()).as("a take after empty polls").isTrue();
    assertThat(q.stats().dequeued()).isEqualTo(3);
  }

  /**
   * Only poll waits after a take: the relaxed polls (the mailboxes' dequeue) and the scans over QoS
   * levels neither set the state nor wait on it.
   */
  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"ElasticMpscQueue", "CompactElasticMpscQueue"})
  @Timeout(10)
  void onlyPollAndTheWaitingRelaxedPoll_useTheState(String layout) {
    AbstractElasticMpscQueue<Integer> q = create(layout);
    q.offer(1);
    q.offer(2);
    q.offer(3);
    q.offer(4);
    assertThat(q.relaxedPoll()).isEqualTo(1);
    assertThat(q.pollWarmPlain()).as("after relaxedPoll()").isFalse();
    assertThat(q.pollWithoutWait()).isEqualTo(2);
    assertThat(q.pollWarmPlain()).as("after a scan's exact poll").isFalse();
    assertThat(q.scanPoll()).isEqualTo(3);
    assertThat(q.pollWarmPlain()).as("after a scan's relaxed poll").isFalse();
    assertThat(q.relaxedPoll(64)).isEqualTo(4);
    assertThat(q.pollWarmPlain()).as("after relaxedPoll(64)").isFalse();
    q.offer(5);
    assertThat(q.poll()).isEqualTo(5);
    assertThat(q.pollWarmPlain()).isTrue();
    assertThat(q.pollWithoutWait()).isNull();
    assertThat(q.pollWarmPlain()).as("a scan leaves the state alone").isTrue();
    assertThat(q.relaxedPoll(64)).isNull();
    assertThat(q.pollWarmPlain()).as("relaxedPoll(64) leaves the state alone").isTrue();
    assertThat(q.poll()).isNull();
    assertThat(q.pollWarmPlain()).isFalse();
  }

  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"ElasticMpscQueue", "CompactElasticMpscQueue"})
  void theStateAndTheShrinkStreakAreIndependent(String layout) {
    AbstractElasticMpscQueue<Integer> q = create(layout);
    q.setLowStreakPlain(1234);
    q.setPollWarmPlain(true);
    assertThat(q.lowStreakPlain()).isEqualTo(1234);
    assertThat(q.pollWarmPlain()).isTrue();

    q.setLowStreakPlain(0);
    assertThat(q.pollWarmPlain()).as("streak reset keeps the state").isTrue();
    q.setLowStreakPlain(Short.MAX_VALUE);
    assertThat(q.lowStreakPlain()).isEqualTo(Short.MAX_VALUE);
    assertThat(q.pollWarmPlain()).isTrue();

    q.setPollWarmPlain(false);
    assertThat(q.lowStreakPlain()).as("clearing the state keeps the streak").isEqualTo(32767);
    assertThat(q.pollWarmPlain()).isFalse();
    q.setPollWarmPlain(true);
    q.setPollWarmPlain(true);
    assertThat(q.lowStreakPlain()).isEqualTo(32767);
    assertThat(q.pollWarmPlain()).isTrue();
  }

  /**
   * The compact layout caps the streak at 32767 (a short); a streak past the cap must not spill
   * into the state's bit.
   */
  @Test
  void compactStreakPastTheCap_doesNotSetTheState() {
    AbstractElasticMpscQueue<Integer> q = create("CompactElasticMpscQueue");
    q.setLowStreakPlain(Short.MAX_VALUE + 5);
    assertThat(q.lowStreakPlain()).isEqualTo(Short.MAX_VALUE);
    assertThat(q.pollWarmPlain()).isFalse();
  }

  /**
   * A warm consumer racing one producer: every element arrives once, in order, whether it lands
   * during the consumer's wait on the slot or after the wait gave up and read the producers' word.
   */
  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"ElasticMpscQueue", "CompactElasticMpscQueue"})
  @Timeout(60)
  void warmPollsAgainstAPacedProducer_takeEveryElementInOrder(String layout) throws Exception {
    AbstractElasticMpscQueue<Integer> q = create(layout);
    int n = 200_000;
    CountDownLatch go = new CountDownLatch(1);
    Thread producer =
        new Thread(
            () -> {
              try {
                go.await();
              } catch (InterruptedException e) {
                return;
              }
              for (int i = 0; i < n; i++) {
                while (!q.offer(i)) {
                  Thread.onSpinWait();
                }
                // Pace some elements so that they land around the end of the consumer's wait.
                for (int s = 0; s < (i % 37); s++) {
                  Thread.onSpinWait();
                }
              }
            },
            "paced-producer");
    producer.start();
    go.countDown();
    int next = 0;
    long empties = 0;
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(50);
    while (next < n && System.nanoTime() < deadline) {
      Integer e = q.poll();
      if (e == null) {
        empties++;
        continue;
      }
      assertThat(e).as("element after %d in order (%d empty polls)", next, empties).isEqualTo(next);
      next++;
    }
    producer.join(TimeUnit.SECONDS.toMillis(5));
    assertThat(next).as("elements taken, %s", q.stats()).isEqualTo(n);
    assertThat(q.poll()).isNull();
    assertThat(q.size()).isZero();
  }
}
