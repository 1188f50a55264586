package io.github.elasticq.bench;

import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Group;
import org.openjdk.jmh.annotations.GroupThreads;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * ElasticBuffer against the JDK's bounded blocking queues with 2 producers and 2 consumers (4
 * threads: oversubscribed on 2 cores). Group {@code offerPoll} uses the non-blocking calls; group
 * {@code timedOfferPoll} the timed ones (1 ms), which park on a full or empty queue as put/take
 * would, but return in time for JMH to end the iteration. The figure to read is {@code polled}:
 * elements that reached a consumer per microsecond. All three queues are bounded at 65536.
 */
@State(Scope.Group)
@BenchmarkMode(Mode.Throughput)
@Fork(jvmArgsAppend = Queues.AGRONA_EXPORTS)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
public class BlockingQueueBenchmark {
  private static final Object ELEMENT = "element";

  /** The queue under test; see {@link Queues#mpmc}. */
  @Param({"ElasticBuffer", "ArrayBlockingQueue", "LinkedBlockingQueue"})
  public String impl;

  private BlockingQueue<Object> queue;

  /** Builds the queue once per trial. */
  @Setup(Level.Trial)
  public void createQueue() {
    queue = Queues.mpmc(impl);
  }

  /** Non-blocking producer. */
  @Benchmark
  @Group("offerPoll")
  @GroupThreads(2)
  public void offer(OfferPollCounters c) {
    if (queue.offer(ELEMENT)) {
      c.offered++;
    }
  }

  /** Non-blocking consumer. */
  @Benchmark
  @Group("offerPoll")
  @GroupThreads(2)
  public void poll(OfferPollCounters c) {
    if (queue.poll() != null) {
      c.polled++;
    }
  }

  /** Producer that waits up to 1 ms for space. */
  @Benchmark
  @Group("timedOfferPoll")
  @GroupThreads(2)
  public void timedOffer(OfferPollCounters c) throws InterruptedException {
    if (queue.offer(ELEMENT, 1, TimeUnit.MILLISECONDS)) {
      c.offered++;
    }
  }

  /** Consumer that waits up to 1 ms for an element. */
  @Benchmark
  @Group("timedOfferPoll")
  @GroupThreads(2)
  public void timedPoll(OfferPollCounters c) throws InterruptedException {
    if (queue.poll(1, TimeUnit.MILLISECONDS) != null) {
      c.polled++;
    }
  }
}
