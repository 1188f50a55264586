package io.github.elasticq.mailbox;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.elasticq.queue.QueueConfig;
import io.github.elasticq.queue.StallingMpscQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.pekko.actor.ActorRef;
import org.apache.pekko.dispatch.Envelope;
import org.junit.jupiter.api.Test;

/**
 * {@link ElasticMessageQueue#dequeue()} while a sender is stopped between its claim and its store
 * (a sender descheduled there): the dequeue waits for it only {@link
 * AbstractElasticMessageQueue#CLAIMED_SPINS} spins, then returns null with {@code hasMessages}
 * still true, so Pekko's re-check reschedules the mailbox and no dispatcher thread is held for as
 * long as the sender is off its core. An exact poll in dequeue would wait here until the sender
 * stores: the call runs on its own thread and fails the test after 10 s instead of hanging it.
 */
class ClaimedWaitDequeueTest {

  @Test
  void stalledSender_dequeueReturnsNull_messageKeptForTheNextRun() throws Exception {
    StallingMpscQueue<Envelope> q =
        new StallingMpscQueue<>(
            QueueConfig.builder().initialCapacity(16).minCapacity(16).maxCapacity(64).build());
    ElasticMessageQueue mq =
        new ElasticMessageQueue(new QueueFamily("test-mailbox", "test", null, null), q, null);
    Envelope sent = new Envelope("m", ActorRef.noSender());
    ExecutorService actor = Executors.newSingleThreadExecutor();
    try {
      CompletableFuture<Boolean> offered = CompletableFuture.supplyAsync(() -> q.offer(sent));
      q.awaitStalledProducer(10);

      Future<Envelope> run = actor.submit(mq::dequeue);
      Envelope first;
      try {
        first = run.get(10, TimeUnit.SECONDS);
      } catch (TimeoutException e) {
        throw new AssertionError("dequeue waited for a stalled sender for 10 s: not bounded", e);
      }
      assertThat(first).isNull();
      assertThat(mq.hasMessages()).as("the claimed message reschedules the mailbox").isTrue();
      assertThat(mq.numberOfMessages()).isEqualTo(1);

      q.release();
      assertThat(offered.get(10, TimeUnit.SECONDS)).isTrue();
      assertThat(actor.submit(mq::dequeue).get(10, TimeUnit.SECONDS)).isSameAs(sent);
      assertThat(mq.hasMessages()).isFalse();
    } finally {
      q.release();
      actor.shutdownNow();
    }
  }
}
