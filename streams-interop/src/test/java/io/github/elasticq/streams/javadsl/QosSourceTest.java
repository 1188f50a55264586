package io.github.elasticq.streams.javadsl;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.elasticq.queue.QosQueue;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.Done;
import org.apache.pekko.japi.Pair;
import org.apache.pekko.stream.QueueOfferResult;
import org.apache.pekko.stream.javadsl.Flow;
import org.apache.pekko.stream.javadsl.Keep;
import org.apache.pekko.stream.javadsl.Sink;
import org.junit.jupiter.api.Test;

class QosSourceTest extends StreamTestSupport {

  /**
   * Offers 7 elements to each level (element = level * 100 + i) while the consumer is held by a
   * gate, then emits everything. Sentinels (-1, level 0) are offered first until one stays queued:
   * then the stage has no demand left and the order is decided by the QosQueue alone. The one
   * sentinel left heads level 0; it is filtered out of the result.
   */
  private List<Integer> emitAll(QosQueue.Fairness fairness, int[] weights) throws Exception {
    CompletableFuture<Done> gate = new CompletableFuture<>();
    Pair<QosSourceQueue<Integer>, CompletionStage<List<Integer>>> m =
        QosSource.<Integer>queue(3, fairness, weights, config(4, 64))
            .via(Flow.<Integer>create().mapAsync(1, e -> gate.thenApply(d -> e)))
            .toMat(Sink.seq(), Keep.both())
            .run(system);
    QosSourceQueue<Integer> q = m.first();
    do {
      q.offer(-1, 0);
      Thread.sleep(50);
    } while (q.size() == 0);
    for (int level = 0; level < 3; level++) {
      for (int i = 0; i < 7; i++) {
        assertThat(q.offer(level * 100 + i, level)).isEqualTo(QueueOfferResult.enqueued());
      }
    }
    q.complete();
    gate.complete(Done.getInstance());
    return result(m.second()).stream().filter(e -> e >= 0).toList();
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
    // round 1: 2 2 2 2 1 1 and the sentinel at the head of level 0; round 2: 2 2 2 1 1 0; then
    // level 2 is dry: 1 1 0, 1 0, and the rest of level 0
    assertThat(levels)
        .containsExactly(2, 2, 2, 2, 1, 1, 2, 2, 2, 1, 1, 0, 1, 1, 0, 1, 0, 0, 0, 0, 0);
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
