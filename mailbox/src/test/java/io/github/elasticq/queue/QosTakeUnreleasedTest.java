package io.github.elasticq.queue;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.IntConsumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@link QosQueue#takeUnreleased} and {@link QosQueue#releaseTaken}: handing the taken elements out
 * one at a time gives exactly the order of one {@link QosQueue#relaxedPoll()} per element, also
 * with offers between the hand-outs; a take never exceeds the round's credit or leaves its level;
 * taken elements stay counted until the release; misuse is refused with a message that says what.
 */
class QosTakeUnreleasedTest {

  private static QueueConfig config() {
    return QueueConfig.builder().initialCapacity(4).minCapacity(4).maxCapacity(1 << 16).build();
  }

  /** An element: its level and its sequence number within the run. */
  private record El(int level, int seq) {}

  /**
   * Two queues fed the same random waves (levels drawn unevenly, some waves skipping levels), with
   * offers also between the hand-outs of a batch: the one drained by takes hands out the same
   * sequence as the one drained by relaxed polls, every element once.
   */
  @ParameterizedTest
  @ValueSource(ints = {1, 3, 8})
  void handingOutTakes_matchesRelaxedPolls_elementForElement(int max) {
    for (boolean padded : new boolean[] {false, true}) {
      for (int[] weights : new int[][] {{1, 2, 4}, {3, 1, 5, 2}, {7}}) {
        QosQueue<El> polled =
            new QosQueue<>(weights.length, QosQueue.Fairness.WEIGHTED, weights, config(), padded);
        QosQueue<El> taken =
            new QosQueue<>(weights.length, QosQueue.Fairness.WEIGHTED, weights, config(), padded);
        SplittableRandom random = new SplittableRandom(weights.length * 31L + max);
        int[] seq = {0};
        IntConsumer offerSome =
            bound -> {
              int n = random.nextInt(bound);
              for (int i = 0; i < n; i++) {
                int level = Math.min(weights.length - 1, random.nextInt(weights.length + 1));
                El e = new El(level, seq[0]++);
                assertThat(polled.offer(e, level)).isTrue();
                assertThat(taken.offer(e, level)).isTrue();
              }
            };
        List<El> byPoll = new ArrayList<>();
        List<El> byTake = new ArrayList<>();
        Object[] out = new Object[8];
        for (int wave = 0; wave < 400; wave++) {
          int burst = random.nextInt(60);
          for (int i = 0; i < burst; i++) {
            offerSome.accept(4);
          }
          int drain = random.nextInt(80);
          for (int i = 0; i < drain; i++) {
            int n = taken.takeUnreleased(out, max);
            if (n == 0) {
              assertThat(polled.relaxedPoll()).as("wave %d: both empty", wave).isNull();
              break;
            }
            assertThat(taken.size()).as("taken elements stay counted").isEqualTo(polled.size());
            for (int k = 0; k < n; k++) {
              El e = (El) out[k];
              assertThat(e.level()).as("one level per take").isEqualTo(((El) out[0]).level());
              byTake.add(e);
              byPoll.add(polled.relaxedPoll());
              offerSome.accept(2); // senders go on while the batch is handed out
            }
            taken.releaseTaken();
          }
        }
        for (El e; (e = polled.relaxedPoll()) != null; ) {
          byPoll.add(e);
        }
        int n;
        while ((n = taken.takeUnreleased(out, max)) > 0) {
          for (int k = 0; k < n; k++) {
            byTake.add((El) out[k]);
          }
          taken.releaseTaken();
        }
        assertThat(byTake).isEqualTo(byPoll);
        assertThat(byTake).hasSize(seq[0]);
        assertThat(taken.isEmpty()).isTrue();
        assertThat(taken.stats().dequeued()).isEqualTo(seq[0]);
      }
    }
  }

  /** With every level full, a take holds at most the round's remaining credit of one level. */
  @Test
  void aTake_neverExceedsTheRoundsCredit() {
    QosQueue<Integer> q = QosQueue.weighted(config(), 1, 2, 4);
    for (int i = 0; i < 100; i++) {
      for (int level = 0; level < 3; level++) {
        q.offer(level, level);
      }
    }
    Object[] out = new Object[8];
    List<Integer> takes = new ArrayList<>();
    List<Integer> levels = new ArrayList<>();
    for (int round = 0; round < 3; round++) {
      int n;
      do {
        n = q.takeUnreleased(out, 8);
        takes.add(n);
        levels.add((Integer) out[0]);
        q.releaseTaken();
      } while ((Integer) out[0] != 0);
    }
    assertThat(takes).containsExactly(4, 2, 1, 4, 2, 1, 4, 2, 1);
    assertThat(levels).containsExactly(2, 1, 0, 2, 1, 0, 2, 1, 0);
    assertThat(q.size()).isEqualTo(300 - 21);
  }

  @Test
  void takenElements_stayCountedAgainstTheLevelsMax_untilReleased() {
    QosQueue<Integer> q =
        QosQueue.weighted(
            QueueConfig.builder().initialCapacity(8).minCapacity(8).maxCapacity(8).build(), 1, 8);
    for (int i = 0; i < 8; i++) {
      assertThat(q.offer(i, 1)).isTrue();
    }
    Object[] out = new Object[8];
    assertThat(q.takeUnreleased(out, 5)).isEqualTo(5);
    assertThat(q.offer(99, 1)).as("8 still counted at level 1").isFalse();
    assertThat(q.offer(7, 0)).as("level 0 has its own bound").isTrue();
    assertThat(q.size(1)).isEqualTo(8);
    q.releaseTaken();
    assertThat(q.size(1)).isEqualTo(3);
    assertThat(q.offer(8, 1)).isTrue();
    assertThat(q.stats(1).rejected()).isEqualTo(1);
  }

  @Test
  void misuse_isRefused_sayingWhat() {
    QosQueue<Integer> strict = QosQueue.strict(2, config());
    assertThatThrownBy(() -> strict.takeUnreleased(new Object[4], 4))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("weighted")
        .hasMessageContaining("STRICT");
    QosQueue<Integer> q = QosQueue.weighted(config(), 1, 2);
    assertThatThrownBy(q::releaseTaken)
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("no taken elements");
    assertThatThrownBy(() -> q.takeUnreleased(new Object[4], 5))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("was 5");
    assertThatThrownBy(() -> q.takeUnreleased(new Object[4], 0))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("was 0");
    assertThat(q.takeUnreleased(new Object[4], 4)).as("nothing offered yet").isZero();
    q.offer(1, 1);
    q.offer(2, 1);
    assertThat(q.takeUnreleased(new Object[4], 4)).isEqualTo(2);
    assertThatThrownBy(() -> q.takeUnreleased(new Object[4], 4))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("level 1 still holds 2");
    q.releaseTaken();
    assertThat(q.isEmpty()).isTrue();
  }
}
