package io.github.elasticq.streams.javadsl;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.github.elasticq.queue.ElasticBuffer;
import java.time.Duration;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.pekko.Done;
import org.apache.pekko.japi.Pair;
import org.apache.pekko.stream.QueueOfferResult;
import org.apache.pekko.stream.javadsl.Keep;
import org.apache.pekko.stream.javadsl.Source;
import org.junit.jupiter.api.Test;

class ElasticSinkTest extends StreamTestSupport {

  private Pair<ElasticSourceQueue<Integer>, ElasticSinkQueue<Integer>> pipe(int max) {
    return ElasticSource.<Integer>queue(config(2, 64))
        .toMat(ElasticSink.queue(config(2, max)), Keep.both())
        .run(system);
  }

  @Test
  void pull_returnsElementsInOrder_thenEmpty() throws Exception {
    ElasticSinkQueue<Integer> q =
        Source.range(1, 100).runWith(ElasticSink.queue(config(4, 1024)), system);
    List<Integer> out = new ArrayList<>();
    Optional<Integer> e;
    while ((e = result(q.pull())).isPresent()) {
      out.add(e.get());
    }
    assertThat(out).hasSize(100).isSorted();
    assertThat(result(q.pull())).isEmpty();
    assertThat(q.isDrained()).isTrue();
  }

  @Test
  void fourPullers_shareTheStream_withoutLossOrDuplicate() throws Exception {
    int n = 100_000;
    ElasticSinkQueue<Integer> q =
        Source.range(0, n - 1).runWith(ElasticSink.queue(config(16, 256)), system);
    ConcurrentLinkedQueue<Integer> seen = new ConcurrentLinkedQueue<>();
    List<Thread> threads = new ArrayList<>();
    AtomicInteger ended = new AtomicInteger();
    for (int t = 0; t < 4; t++) {
      int id = t;
      Thread th =
          new Thread(
              () -> {
                try {
                  while (true) {
                    Optional<Integer> e =
                        id % 2 == 0
                            ? q.pull().toCompletableFuture().join()
                            : q.poll(Duration.ofMillis(5));
                    if (e.isPresent()) {
                      seen.add(e.get());
                    } else if (q.isDrained()) {
                      ended.incrementAndGet();
                      return;
                    }
                  }
                } catch (InterruptedException ie) {
                  Thread.currentThread().interrupt();
                }
              });
      threads.add(th);
      th.start();
    }
    for (Thread th : threads) {
      th.join(TIMEOUT.toMillis());
    }
    assertThat(ended.get()).isEqualTo(4);
    assertThat(seen).hasSize(n).doesNotHaveDuplicates();
    assertThat(q.stats().rejected()).isZero();
  }

  @Test
  void buffer_atMax_backpressuresInsteadOfDropping() throws Exception {
    AtomicInteger passed = new AtomicInteger();
    ElasticSinkQueue<Integer> q =
        Source.range(1, 10_000)
            .map(
                e -> {
                  passed.incrementAndGet();
                  return e;
                })
            .runWith(ElasticSink.queue(config(2, 16)), system);
    await().until(() -> q.size() == 16);
    Thread.sleep(100); // give a broken sink time to take more
    assertThat(passed.get()).isLessThanOrEqualTo(17); // 16 buffered, one waiting for space
    assertThat(q.capacity()).isEqualTo(16);
    List<Integer> all = new ArrayList<>();
    while (all.size() < 10_000) {
      all.addAll(q.pollBatch(100));
      if (all.size() < 10_000) {
        q.poll(Duration.ofMillis(50)).ifPresent(all::add);
      }
    }
    assertThat(all).hasSize(10_000).isSorted();
    assertThat(q.stats().rejected()).isZero();
    assertThat(result(q.pull())).isEmpty();
  }

  @Test
  void completion_reachesEveryPendingPull() throws Exception {
    Pair<ElasticSourceQueue<Integer>, ElasticSinkQueue<Integer>> p = pipe(16);
    List<CompletionStage<Optional<Integer>>> pulls = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      pulls.add(p.second().pull());
    }
    p.first().offer(7);
    p.first().complete();
    List<Optional<Integer>> results = new ArrayList<>();
    for (CompletionStage<Optional<Integer>> s : pulls) {
      results.add(result(s));
    }
    assertThat(results).containsOnlyOnce(Optional.of(7));
    assertThat(results.stream().filter(Optional::isEmpty)).hasSize(4);
    assertThat(result(p.second().pull())).isEmpty();
  }

  @Test
  void failure_reachesEveryPendingPull_afterBufferedElements() throws Exception {
    Pair<ElasticSourceQueue<Integer>, ElasticSinkQueue<Integer>> p = pipe(16);
    List<CompletionStage<Optional<Integer>>> pulls = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      pulls.add(p.second().pull());
    }
    IllegalStateException boom = new IllegalStateException("boom");
    p.first().fail(boom);
    for (CompletionStage<Optional<Integer>> s : pulls) {
      assertThatThrownBy(() -> result(s))
          .isInstanceOf(ExecutionException.class)
          .hasRootCauseMessage("boom");
    }
    assertThatThrownBy(() -> p.second().poll(Duration.ofSeconds(5)))
        .isInstanceOf(CompletionException.class)
        .hasRootCauseMessage("boom");
    assertThatThrownBy(() -> p.second().pollBatch(10)).hasRootCauseMessage("boom");

    // elements buffered before the failure are pulled first
    Pair<ElasticSourceQueue<Integer>, ElasticSinkQueue<Integer>> p2 = pipe(16);
    p2.first().offer(1);
    p2.first().offer(2);
    await().until(() -> p2.second().size() == 2);
    p2.first().fail(boom);
    await().until(() -> p2.second().isDrained() || p2.second().size() == 2);
    assertThat(result(p2.second().pull())).contains(1);
    assertThat(p2.second().pollBatch(10)).containsExactly(2);
    assertThatThrownBy(() -> result(p2.second().pull())).hasRootCauseMessage("boom");
  }

  @Test
  void cancel_cancelsUpstream_andEndsPendingPulls() throws Exception {
    Pair<ElasticSourceQueue<Integer>, ElasticSinkQueue<Integer>> p = pipe(16);
    CompletionStage<Optional<Integer>> pending = p.second().pull();
    p.first().offer(1);
    assertThat(result(pending)).contains(1);
    p.first().offer(2);
    await().until(() -> p.second().size() == 1);
    CompletionStage<Optional<Integer>> afterBuffered = null;
    p.second().cancel();
    assertThat(result(p.first().watchCompletion())).isEqualTo(Done.getInstance());
    afterBuffered = p.second().pull();
    assertThat(result(afterBuffered)).contains(2); // buffered elements stay pullable
    assertThat(result(p.second().pull())).isEmpty();
    assertThat(p.first().offer(3)).isEqualTo(QueueOfferResult.closed());
  }

  @Test
  void poll_timesOut_withoutTakingAnElement() throws Exception {
    Pair<ElasticSourceQueue<Integer>, ElasticSinkQueue<Integer>> p = pipe(16);
    assertThat(p.second().poll(Duration.ofMillis(20))).isEmpty();
    p.first().offer(42);
    assertThat(p.second().poll(TIMEOUT)).contains(42);
    p.first().complete();
    assertThat(p.second().poll(TIMEOUT)).isEmpty();
    assertThat(p.second().isDrained()).isTrue();
  }

  @Test
  void queue_nullConfig_isRejected() {
    assertThatThrownBy(() -> ElasticSink.queue(null)).isInstanceOf(NullPointerException.class);
    assertThatThrownBy(
            () -> Source.single(1).runWith(ElasticSink.queue(config(2, 4)), system).pollBatch(-1))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void materializingTwice_givesIndependentBuffers() throws Exception {
    var sink = ElasticSink.<Integer>queue(config(2, 16));
    ElasticSinkQueue<Integer> a = Source.single(1).runWith(sink, system);
    ElasticSinkQueue<Integer> b = Source.from(List.of(2, 3)).runWith(sink, system);
    assertThat(result(a.pull())).contains(1);
    assertThat(result(a.pull())).isEmpty();
    assertThat(result(b.pull())).contains(2);
    assertThat(result(b.pull())).contains(3);
  }

  /**
   * A poll interrupted just as the stream's failure is claimed for its take reports the failure and
   * keeps the interrupt: get() cleared the status when it threw, and the poll, throwing the failure
   * instead of InterruptedException, must set it again (before the fix the failure escaped from the
   * claimed take's join with the status lost; a BufferChannel receive interrupted as the channel
   * closes took the same path). The moment is a race between end() and the interrupt; the test
   * fixes its order: the take is pending, end() claims it for the failure, then the take goes to
   * the poll's interrupt handler as it does when get() throws.
   */
  @Test
  void poll_interruptedAsTheFailureIsClaimed_reportsItAndKeepsTheInterrupt() throws Exception {
    PendingTakes<Integer> takes = new PendingTakes<>(new ElasticBuffer<>(config(2, 16)));
    CompletableFuture<Optional<Integer>> take = takes.take();
    assertThat(take).as("nothing to take yet").isNotDone();
    IllegalStateException failure = new IllegalStateException("stream failed");
    takes.end(failure); // claims the pending take for the failure
    try {
      assertThatThrownBy(() -> takes.interrupted(take, new InterruptedException()))
          .isInstanceOf(CompletionException.class)
          .hasCause(failure);
      assertThat(Thread.currentThread().isInterrupted()).as("interrupt status kept").isTrue();
    } finally {
      Thread.interrupted(); // never leak the flag into other tests
    }
    // a failure that is itself a CancellationException (a cancelled upstream future) is the
    // failure too, not end()'s cancellation of the take (before: InterruptedException, status lost)
    PendingTakes<Integer> cancelled = new PendingTakes<>(new ElasticBuffer<>(config(2, 16)));
    CompletableFuture<Optional<Integer>> waiting = cancelled.take();
    CancellationException cancellation = new CancellationException("upstream future cancelled");
    cancelled.end(cancellation);
    try {
      assertThatThrownBy(() -> cancelled.interrupted(waiting, new InterruptedException()))
          .isInstanceOf(CompletionException.class)
          .hasCause(cancellation);
      assertThat(Thread.currentThread().isInterrupted()).as("interrupt status kept").isTrue();
    } finally {
      Thread.interrupted();
    }
    // the same for a normal end claimed at the interrupt (worked before)
    PendingTakes<Integer> completed = new PendingTakes<>(new ElasticBuffer<>(config(2, 16)));
    CompletableFuture<Optional<Integer>> pending = completed.take();
    completed.end(null);
    try {
      assertThat(completed.interrupted(pending, new InterruptedException())).isEmpty();
      assertThat(Thread.currentThread().isInterrupted()).as("interrupt status kept").isTrue();
    } finally {
      Thread.interrupted();
    }
  }

  /**
   * An interrupted poll (before the call, and while it waits) takes nothing: the next element
   * offered reaches the next poll instead of a take nobody reads.
   */
  @Test
  void poll_interruptedBeforeOrWhileWaiting_takesNothing() throws Exception {
    Pair<ElasticSourceQueue<Integer>, ElasticSinkQueue<Integer>> p = pipe(64);
    ElasticSinkQueue<Integer> out = p.second();
    Thread.currentThread().interrupt();
    try {
      assertThatThrownBy(() -> out.poll(Duration.ofSeconds(30)))
          .isInstanceOf(InterruptedException.class);
    } finally {
      Thread.interrupted(); // never leak the flag into other tests, even if this fails
    }
    AtomicInteger interrupted = new AtomicInteger();
    Thread poller =
        new Thread(
            () -> {
              try {
                out.poll(Duration.ofSeconds(30));
              } catch (InterruptedException e) {
                interrupted.incrementAndGet();
              }
            });
    poller.start();
    await().until(() -> poller.getState() == Thread.State.TIMED_WAITING);
    poller.interrupt();
    poller.join(10_000);
    assertThat(interrupted).hasValue(1);
    assertThat(p.first().offer(42)).isEqualTo(QueueOfferResult.enqueued());
    assertThat(p.first().offer(43)).isEqualTo(QueueOfferResult.enqueued());
    assertThat(out.poll(Duration.ofSeconds(10))).contains(42);
    assertThat(out.poll(Duration.ofSeconds(10))).contains(43);
  }

  /**
   * A timeout longer than a long's nanoseconds (ChronoUnit.FOREVER, "wait forever") used to throw
   * ArithmeticException after the take was registered: the orphaned take swallowed the next
   * element. Now it waits, and every element reaches a reader.
   */
  @Test
  void pollWithAnEndlessTimeout_waits_andLosesNothing() throws Exception {
    Pair<ElasticSourceQueue<Integer>, ElasticSinkQueue<Integer>> p =
        ElasticSource.<Integer>queue(config(2, 64))
            .toMat(ElasticSink.queue(config(2, 64)), Keep.both())
            .run(system);
    Thread offerer =
        new Thread(
            () -> {
              try {
                Thread.sleep(200);
              } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
              }
              for (int i = 1; i <= 3; i++) {
                p.first().offer(i);
              }
              p.first().complete();
            });
    offerer.start();
    List<Integer> out = new ArrayList<>();
    out.add(p.second().poll(ChronoUnit.FOREVER.getDuration()).orElseThrow());
    Optional<Integer> e;
    while ((e = p.second().poll(Duration.ofSeconds(10))).isPresent()) {
      out.add(e.get());
    }
    offerer.join();
    assertThat(out).containsExactly(1, 2, 3);
  }

  /**
   * A stream that fails with a CancellationException (Source.completionStage of a cancelled future)
   * fails the queue's pull and poll like any failure: they used to report a normal end, while
   * pollBatch threw.
   */
  @Test
  void streamFailedWithACancellation_failsPullAndPoll() {
    CancellationException boom = new CancellationException("upstream future was cancelled");
    ElasticSinkQueue<Integer> q =
        Source.<Integer>failed(boom).runWith(ElasticSink.queue(config(2, 16)), system);
    assertThatThrownBy(() -> result(q.pull()))
        .hasRootCauseInstanceOf(CancellationException.class)
        .hasRootCauseMessage(boom.getMessage());
    assertThatThrownBy(() -> q.poll(Duration.ofSeconds(5)))
        .isInstanceOf(CompletionException.class)
        .hasRootCauseInstanceOf(CancellationException.class)
        .hasRootCauseMessage(boom.getMessage());
    assertThatThrownBy(() -> q.pollBatch(10)).hasCause(boom);
  }
}
