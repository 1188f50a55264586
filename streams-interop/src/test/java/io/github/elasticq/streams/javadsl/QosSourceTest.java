package io.github.elasticq.streams.javadsl;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.elasticq.queue.QosQueue;
import java.util.ArrayList;
import java.util.List;
import org.apache.pekko.NotUsed;
import org.apache.pekko.japi.Pair;
import org.apache.pekko.stream.QueueOfferResult;
import org.apache.pekko.stream.javadsl.Sink;
import org.apache.pekko.stream.javadsl.Source;
import org.junit.jupiter.api.Test;

class QosSourceTest extends StreamTestSupport {

  /** Offers 7 elements to each level (element = level * 100 + i), then emits everything. */
  private List<Integer> emitAll(QosQueue.Fairness fairness, int[] weights) throws Exception {
    Pair<QosSourceQueue<Integer>, Source<Integer, NotUsed>> pre =
        QosSource.<Integer>queue(3, fairness, weights, config(4, 64)).preMaterialize(system);
    for (int level = 0; level < 3; level++) {
      for (int i = 0; i < 7; i++) {
        assertThat(pre.first().offer(level * 100 + i, level))
            .isEqualTo(QueueOfferResult.enqueued());
      }
    }
    pre.first().complete();
    return result(pre.second().runWith(Sink.seq(), system));
  }

  @Test
  void strict_emitsHighestLevelFirst() throws Exception {
    List<Integer> out = emitAll(QosQueue.Fairness.STRICT, null);
    List<Integer> levels = new ArrayList<>();
    out.forEach(e -> levels.add(e / 100));
    assertThat(levels)
        .containsExactly(2, 2, 2, 2, 2, 2, 2, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0);
  }

  @Test
  void weighted_emitsByWeightedRoundRobin_fifoWithinLevel() throws Exception {
    List<Integer> out = emitAll(QosQueue.Fairness.WEIGHTED, new int[] {1, 2, 4});
    List<Integer> levels = new ArrayList<>();
    out.forEach(e -> levels.add(e / 100));
    assertThat(levels.subList(0, 7)).containsExactly(2, 2, 2, 2, 1, 1, 0);
    assertThat(levels.subList(7, 14)).containsExactly(2, 2, 2, 1, 1, 0, 1); // level 2 runs dry
    for (int level = 0; level < 3; level++) {
      int l = level;
      assertThat(out.stream().filter(e -> e / 100 == l).toList()).isSorted().hasSize(7);
    }
  }

  @Test
  void badInput_isRejectedNamingTheField() {
    assertThatThrownBy(() -> QosSource.queue(0, QosQueue.Fairness.STRICT, null, config(2, 4)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("levels");
    assertThatThrownBy(
            () -> QosSource.queue(3, QosQueue.Fairness.WEIGHTED, new int[] {1, 2}, config(2, 4)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("weights");
    QosSourceQueue<Integer> q =
        QosSource.<Integer>queue(2, QosQueue.Fairness.STRICT, null, config(2, 4))
            .to(Sink.ignore())
            .run(system);
    assertThatThrownBy(() -> q.offer(1, 2))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("level");
    assertThatThrownBy(() -> q.offer(null, 0)).isInstanceOf(NullPointerException.class);
    q.complete();
  }
}
