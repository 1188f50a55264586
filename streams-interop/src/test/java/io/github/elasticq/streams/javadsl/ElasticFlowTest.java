package io.github.elasticq.streams.javadsl;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.pekko.Done;
import org.apache.pekko.japi.Pair;
import org.apache.pekko.stream.QueueOfferResult;
import org.apache.pekko.stream.javadsl.Flow;
import org.apache.pekko.stream.javadsl.Keep;
import org.apache.pekko.stream.javadsl.Sink;
import org.apache.pekko.stream.javadsl.Source;
import org.junit.jupiter.api.Test;

class ElasticFlowTest extends StreamTestSupport {

  @Test
  void buffer_passesEveryElementInOrder_andCompletesAfterDraining() throws Exception {
    List<Integer> out =
        result(
            Source.range(1, 20_000)
                .via(ElasticFlow.buffer(config(4, 256)))
                .async()
                .map(e -> e)
                .runWith(Sink.seq(), system));
    assertThat(out).hasSize(20_000).isSorted();
    assertThat(out.get(0)).isEqualTo(1);
  }

  @Test
  void buffer_atMax_backpressures_thenDrainsInOrder() throws Exception {
    AtomicInteger passed = new AtomicInteger();
    CompletableFuture<Done> gate = new CompletableFuture<>();
    Pair<ElasticRingBuffer<Integer>, CompletionStage<List<Integer>>> m =
        Source.range(1, 1000)
            .map(
                e -> {
                  passed.incrementAndGet();
                  return e;
                })
            .viaMat(ElasticFlow.bufferWithRing(config(2, 16)), Keep.right())
            .via(Flow.<Integer>create().mapAsync(1, e -> gate.thenApply(d -> e)))
            .toMat(Sink.seq(), Keep.both())
            .run(system);
    await().until(() -> m.first().size() == 16);
    Thread.sleep(100); // a broken buffer would keep pulling meanwhile
    assertThat(m.first().size()).isEqualTo(16);
    assertThat(passed.get()).isLessThanOrEqualTo(18); // 16 buffered, mapAsync holds one or two
    await().until(() -> m.first().capacity() == 16); // published without ordering: wait for it
    gate.complete(Done.getInstance());
    assertThat(result(m.second())).hasSize(1000).isSorted();
  }

  @Test
  void buffer_burstThenDrain_shrinksToMin() throws Exception {
    CompletableFuture<Done> gate = new CompletableFuture<>();
    Pair<Pair<ElasticSourceQueue<Integer>, ElasticRingBuffer<Integer>>, CompletionStage<Done>> m =
        ElasticSource.<Integer>queue(config(16, 1 << 14))
            .viaMat(ElasticFlow.bufferWithRing(config(16, 1 << 14)), Keep.both())
            .via(Flow.<Integer>create().mapAsync(1, e -> gate.thenApply(d -> e)))
            .toMat(Sink.ignore(), Keep.both())
            .run(system);
    ElasticSourceQueue<Integer> source = m.first().first();
    ElasticRingBuffer<Integer> buffer = m.first().second();
    for (int i = 0; i < 10_000; i++) {
      assertThat(source.offer(i)).isEqualTo(QueueOfferResult.enqueued());
    }
    await().until(() -> buffer.size() > 8_000);
    // capacity and counters are published without ordering: wait for them
    await().until(() -> buffer.capacity() >= 8_192 && buffer.grows() > 0);
    gate.complete(Done.getInstance());
    await().until(() -> buffer.size() == 0 && source.size() == 0);
    // the poll that empties the ring gives its array back at once: no trickle needed
    await()
        .untilAsserted(
            () -> {
              assertThat(buffer.capacity()).isEqualTo(16);
              assertThat(buffer.allocatedSlots()).isLessThanOrEqualTo(16);
              assertThat(buffer.shrinks()).isPositive();
            });
    source.complete();
    result(m.second());
  }

  @Test
  void buffer_passesUpstreamFailure() {
    CompletionStage<List<Integer>> out =
        Source.<Integer>failed(new IllegalStateException("up"))
            .via(ElasticFlow.buffer(config(2, 8)))
            .runWith(Sink.seq(), system);
    assertThatThrownBy(() -> result(out)).hasRootCauseMessage("up");
    assertThatThrownBy(() -> ElasticFlow.buffer(null)).isInstanceOf(NullPointerException.class);
  }

  @Test
  void buffer_downstreamCancel_cancelsUpstream() throws Exception {
    Pair<ElasticSourceQueue<Integer>, CompletionStage<List<Integer>>> m =
        ElasticSource.<Integer>queue(config(2, 64))
            .via(ElasticFlow.buffer(config(2, 8)))
            .take(3)
            .toMat(Sink.seq(), Keep.both())
            .run(system);
    for (int i = 0; i < 10; i++) {
      m.first().offer(i);
    }
    assertThat(result(m.second())).containsExactly(0, 1, 2);
    result(m.first().watchCompletion());
    assertThat(m.first().offer(99)).isEqualTo(QueueOfferResult.closed());
  }
}
