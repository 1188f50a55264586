package io.github.elasticq.streams.javadsl;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.github.elasticq.queue.ElasticBuffer;
import java.lang.reflect.Field;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.Done;
import org.apache.pekko.japi.Pair;
import org.apache.pekko.stream.javadsl.Keep;
import org.apache.pekko.stream.javadsl.Sink;
import org.apache.pekko.stream.javadsl.Source;
import org.junit.jupiter.api.Test;

class BufferChannelTest extends StreamTestSupport {

  @Test
  void sendAndReceive_inOrder() throws Exception {
    BufferChannel<Integer> ch = BufferChannel.create(config(2, 64));
    for (int i = 0; i < 10; i++) {
      result(ch.send(i));
    }
    for (int i = 0; i < 10; i++) {
      assertThat(result(ch.receive())).isEqualTo(i);
    }
    assertThat(ch.receive(Duration.ofMillis(10))).isEmpty();
  }

  @Test
  void trySend_falseWhenFullOrClosed_andNullRejected() {
    BufferChannel<Integer> ch = BufferChannel.create(config(1, 2));
    assertThat(ch.trySend(1)).isTrue();
    assertThat(ch.trySend(2)).isTrue();
    assertThat(ch.trySend(3)).isFalse();
    ch.close();
    assertThat(ch.isClosed()).isTrue();
    assertThat(ch.trySend(4)).isFalse();
    assertThatThrownBy(() -> ch.trySend(null)).isInstanceOf(NullPointerException.class);
    assertThatThrownBy(() -> ch.send(null)).isInstanceOf(NullPointerException.class);
    assertThatThrownBy(() -> BufferChannel.create(null)).isInstanceOf(NullPointerException.class);
  }

  @Test
  void send_waitsForSpace_thenCompletesWhenReceiverMakesRoom() throws Exception {
    BufferChannel<Integer> ch = BufferChannel.create(config(1, 1));
    result(ch.send(1));
    CompletionStage<Void> waiting = ch.send(2);
    assertThat(waiting.toCompletableFuture().isDone()).isFalse();
    assertThat(result(ch.receive())).isEqualTo(1);
    result(waiting);
    assertThat(result(ch.receive())).isEqualTo(2);
  }

  @Test
  void close_failsWaitingSends_receiversDrainThenSeeClosed() throws Exception {
    BufferChannel<Integer> ch = BufferChannel.create(config(1, 2));
    result(ch.send(1));
    result(ch.send(2));
    CompletionStage<Void> waiting = ch.send(3);
    ch.close();
    assertThatThrownBy(() -> result(waiting)).hasCauseInstanceOf(ChannelClosedException.class);
    assertThatThrownBy(() -> result(ch.send(4))).hasCauseInstanceOf(ChannelClosedException.class);
    assertThat(result(ch.receive())).isEqualTo(1);
    assertThat(ch.receive(TIMEOUT)).contains(2);
    assertThatThrownBy(() -> result(ch.receive()))
        .isInstanceOf(ExecutionException.class)
        .hasCauseInstanceOf(ChannelClosedException.class);
    assertThatThrownBy(() -> ch.receive(TIMEOUT)).isInstanceOf(ChannelClosedException.class);
  }

  @Test
  void close_completesPendingReceives() throws Exception {
    BufferChannel<Integer> ch = BufferChannel.create(config(1, 2));
    List<CompletionStage<Integer>> pending = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      pending.add(ch.receive());
    }
    ch.close();
    for (CompletionStage<Integer> p : pending) {
      assertThatThrownBy(() -> result(p)).hasCauseInstanceOf(ChannelClosedException.class);
    }
  }

  @Test
  void receive_timedOut_takesNothing() throws Exception {
    BufferChannel<Integer> ch = BufferChannel.create(config(1, 2));
    assertThat(ch.receive(Duration.ofMillis(5))).isEmpty();
    assertThat(ch.trySend(9)).isTrue();
    assertThat(ch.receive(TIMEOUT)).contains(9);
  }

  @Test
  void manySendersAndReceivers_noLossNoDuplicate() throws Exception {
    BufferChannel<Integer> ch = BufferChannel.create(config(4, 64));
    int senders = 4;
    int each = 25_000;
    ConcurrentLinkedQueue<Integer> got = new ConcurrentLinkedQueue<>();
    List<Thread> threads = new ArrayList<>();
    for (int s = 0; s < senders; s++) {
      int id = s;
      threads.add(
          new Thread(
              () -> {
                for (int i = 0; i < each; i++) {
                  ch.send(id * each + i).toCompletableFuture().join();
                }
              }));
    }
    List<Thread> receivers = new ArrayList<>();
    for (int r = 0; r < 3; r++) {
      receivers.add(
          new Thread(
              () -> {
                try {
                  while (true) {
                    Optional<Integer> e = ch.receive(Duration.ofMillis(20));
                    e.ifPresent(got::add);
                  }
                } catch (ChannelClosedException closed) {
                  // drained
                } catch (InterruptedException ie) {
                  Thread.currentThread().interrupt();
                }
              }));
    }
    threads.forEach(Thread::start);
    receivers.forEach(Thread::start);
    for (Thread t : threads) {
      t.join();
    }
    ch.close();
    for (Thread t : receivers) {
      t.join(TIMEOUT.toMillis());
      assertThat(t.isAlive()).isFalse();
    }
    assertThat(got).hasSize(senders * each).doesNotHaveDuplicates();
  }

  @Test
  void asSinkAndAsSource_carryAStream_andSourceCompletesOnClose() throws Exception {
    BufferChannel<Integer> ch = BufferChannel.create(config(2, 16));
    CompletionStage<List<Integer>> out = ch.asSource().runWith(Sink.seq(), system);
    result(Source.range(1, 5_000).runWith(ch.asSink(), system));
    ch.close();
    assertThat(result(out)).hasSize(5_000).isSorted();
  }

  @Test
  void asSource_cancelledWhileReceiving_losesNothing() throws Exception {
    BufferChannel<Integer> ch = BufferChannel.create(config(2, 1024));
    List<Integer> taken = new ArrayList<>();
    for (int round = 0; round < 200; round++) {
      CompletionStage<List<Integer>> one = ch.asSource().take(1).runWith(Sink.seq(), system);
      assertThat(ch.trySend(round * 2)).isTrue();
      assertThat(ch.trySend(round * 2 + 1)).isTrue();
      taken.addAll(result(one));
    }
    ch.close();
    List<Integer> rest = result(ch.asSource().runWith(Sink.seq(), system));
    List<Integer> all = new ArrayList<>(taken);
    all.addAll(rest);
    assertThat(all).hasSize(400).doesNotHaveDuplicates();
  }

  /**
   * A cancelled source puts an element claimed for it back with the buffer's putAsync (what
   * ChannelSourceStage.postStop does); if the channel was closed and drained before that, the
   * element is still counted by size() and a later receive returns it, then the channel reads
   * closed again.
   */
  @Test
  void elementPutBackAfterTheCloseAndDrain_isReceivedByALaterReceive() throws Exception {
    BufferChannel<Integer> ch = BufferChannel.create(config(1, 4));
    ch.close();
    assertThatThrownBy(() -> ch.receive(Duration.ofSeconds(5)))
        .isInstanceOf(ChannelClosedException.class);
    Field field = BufferChannel.class.getDeclaredField("buffer");
    field.setAccessible(true);
    @SuppressWarnings("unchecked")
    ElasticBuffer<Integer> buffer = (ElasticBuffer<Integer>) field.get(ch);
    assertThat(buffer.putAsync(5)).isCompleted();
    assertThat(ch.size()).isEqualTo(1);
    assertThat(result(ch.receive())).isEqualTo(5);
    assertThatThrownBy(() -> result(ch.receive())).hasCauseInstanceOf(ChannelClosedException.class);
  }

  @Test
  void asSink_failsWhenChannelClosed() {
    BufferChannel<Integer> ch = BufferChannel.create(config(1, 1));
    ch.close();
    assertThatThrownBy(() -> result(Source.single(1).runWith(ch.asSink(), system)))
        .hasCauseInstanceOf(ChannelClosedException.class);
  }

  /**
   * An interrupted timed receive (before the call, and while it waits) takes nothing: the next
   * element sent reaches the next receive instead of a take nobody reads.
   */
  @Test
  void timedReceive_interruptedBeforeOrWhileWaiting_takesNothing() throws Exception {
    BufferChannel<Integer> ch = BufferChannel.create(config(1, 4));
    Thread.currentThread().interrupt();
    try {
      assertThatThrownBy(() -> ch.receive(Duration.ofSeconds(30)))
          .isInstanceOf(InterruptedException.class);
    } finally {
      Thread.interrupted(); // never leak the flag into other tests, even if this fails
    }
    List<Throwable> thrown = new ArrayList<>();
    Thread receiver =
        new Thread(
            () -> {
              try {
                ch.receive(Duration.ofSeconds(30));
              } catch (InterruptedException e) {
                synchronized (thrown) {
                  thrown.add(e);
                }
              }
            });
    receiver.start();
    await().until(() -> receiver.getState() == Thread.State.TIMED_WAITING);
    receiver.interrupt();
    receiver.join(10_000);
    synchronized (thrown) {
      assertThat(thrown).hasSize(1);
    }
    assertThat(ch.trySend(7)).isTrue();
    assertThat(ch.trySend(8)).isTrue();
    assertThat(ch.receive(Duration.ofSeconds(10))).contains(7);
    assertThat(ch.receive(Duration.ofSeconds(10))).contains(8);
  }

  /**
   * A receive callback that closes the channel (a poison-pill consumer) used to hang its sender.
   */
  @Test
  void receiveCallbackThatCloses_letsTheSenderReturn() throws Exception {
    BufferChannel<Integer> ch = BufferChannel.create(config(1, 4));
    CompletionStage<Void> closedByCallback = ch.receive().thenAccept(x -> ch.close());
    Thread sender = new Thread(() -> ch.trySend(1), "sender");
    sender.setDaemon(true);
    sender.start();
    sender.join(10_000);
    assertThat(sender.isAlive()).as("trySend returned").isFalse();
    closedByCallback.toCompletableFuture().get(10, TimeUnit.SECONDS);
    assertThat(ch.isClosed()).isTrue();
    assertThat(ch.trySend(2)).isFalse();
  }

  /**
   * An asynchronous receive loop (the callback receives again) racing close() from another thread
   * used to leave both threads spinning: the closer waited for the send, the send's callback for
   * the close.
   */
  @Test
  void receiveLoopRacingClose_bothFinish() throws Exception {
    BufferChannel<Integer> ch = BufferChannel.create(config(1, 4));
    CountDownLatch inCallback = new CountDownLatch(1);
    CompletableFuture<Throwable> next = new CompletableFuture<>();
    ch.receive()
        .thenAccept(
            x -> {
              inCallback.countDown();
              long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
              while (!ch.isClosed() && System.nanoTime() < deadline) {
                Thread.onSpinWait(); // the closer has closed: it now waits, if it waits for us
              }
              ch.receive().whenComplete((v, ex) -> next.complete(ex));
            });
    Thread sender = new Thread(() -> ch.trySend(1), "sender");
    sender.setDaemon(true);
    sender.start();
    assertThat(inCallback.await(10, TimeUnit.SECONDS)).isTrue();
    Thread closer = new Thread(ch::close, "closer");
    closer.setDaemon(true);
    closer.start();
    sender.join(10_000);
    closer.join(10_000);
    assertThat(sender.isAlive()).as("sender finished").isFalse();
    assertThat(closer.isAlive()).as("closer finished").isFalse();
    assertThat(unwrap(next.get(10, TimeUnit.SECONDS))).isInstanceOf(ChannelClosedException.class);
  }

  /**
   * A waiting send fails when the channel closes, on the closing thread; its callback may receive
   * (here: the element that filled the channel, then the close). close() used to fail the sends
   * before it ended the receivers, so that receive waited for an end that came after it.
   */
  @Test
  void failedSendCallbackThatReceives_letsCloseReturn() throws Exception {
    BufferChannel<Integer> ch = BufferChannel.create(config(1, 1));
    assertThat(ch.trySend(1)).isTrue();
    CompletableFuture<Optional<Integer>> receivedInCallback = new CompletableFuture<>();
    CompletionStage<Void> waiting = ch.send(2);
    waiting.whenComplete(
        (v, ex) -> {
          try {
            receivedInCallback.complete(ch.receive(Duration.ofSeconds(5)));
          } catch (Exception e) {
            receivedInCallback.completeExceptionally(e);
          }
        });
    Thread closer = new Thread(ch::close, "closer");
    closer.setDaemon(true);
    closer.start();
    closer.join(10_000);
    assertThat(closer.isAlive()).as("close returned").isFalse();
    assertThat(receivedInCallback.get(10, TimeUnit.SECONDS)).contains(1);
    assertThatThrownBy(() -> waiting.toCompletableFuture().join())
        .hasCauseInstanceOf(ChannelClosedException.class);
    assertThatThrownBy(() -> ch.receive(Duration.ofSeconds(1)))
        .isInstanceOf(ChannelClosedException.class);
  }

  /**
   * close() on a drained channel completes a materialized source while downstream is not pulling
   * (the sink below holds one element and one more in its waiting put). It used to complete only at
   * the next pull.
   */
  @Test
  void asSource_completesOnClose_withoutDemand() throws Exception {
    BufferChannel<Integer> ch = BufferChannel.create(config(2, 16));
    Pair<CompletionStage<Done>, ElasticSinkQueue<Integer>> m = intoHoldingSink(ch);
    result(ch.send(1));
    result(ch.send(2));
    await().atMost(TIMEOUT).until(() -> ch.size() == 0 && m.second().size() == 1);
    ch.close();
    result(m.first()); // completed, not failed
    pullsThenEnd(m.second(), 1, 2);
  }

  /** Closed with an element left: the source completes right after emitting it. */
  @Test
  void asSource_closedWithAnElementLeft_completesRightAfterIt() throws Exception {
    BufferChannel<Integer> ch = BufferChannel.create(config(2, 16));
    Pair<CompletionStage<Done>, ElasticSinkQueue<Integer>> m = intoHoldingSink(ch);
    for (int i = 1; i <= 3; i++) {
      result(ch.send(i));
    }
    await().atMost(TIMEOUT).until(() -> ch.size() == 1 && m.second().size() == 1);
    ch.close();
    assertThat(m.first().toCompletableFuture()).isNotDone(); // 3 is left
    assertThat(result(m.second().pull())).contains(1); // the sink pulls once more: 3 is emitted
    result(m.first());
    pullsThenEnd(m.second(), 2, 3);
  }

  /** The channel's source into {@link #holdingSink()}: its termination and the sink. */
  private Pair<CompletionStage<Done>, ElasticSinkQueue<Integer>> intoHoldingSink(
      BufferChannel<Integer> ch) {
    return ch.asSource()
        .watchTermination(Keep.right())
        .toMat(holdingSink(), Keep.both())
        .run(system);
  }

  private static Throwable unwrap(Throwable t) {
    return t instanceof CompletionException && t.getCause() != null ? t.getCause() : t;
  }
}
