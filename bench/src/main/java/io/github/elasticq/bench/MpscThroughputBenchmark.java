package io.github.elasticq.bench;

import java.util.Queue;
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
 * Producer-to-consumer throughput of the MPSC queues: 1 -> 1, 2 -> 1 and 4 -> 1 (JMH groups {@code
 * p1c1}, {@code p2c1}, {@code p4c1}). The figure to read is the {@code polled} counter: elements
 * that reached the consumer per microsecond. With P + 1 threads on a machine with fewer cores the
 * run is oversubscribed and measures scheduling as much as the queue.
 *
 * <p>Every queue, bounded or not, runs under the same soft bound of {@value #SOFT_BOUND} elements
 * in flight, so that the unbounded peers cannot grow without limit when producers outrun the
 * consumer: producer i stops offering while {@code offered_i >= (consumed + bound) / P}, which
 * keeps {@code sum(offered) - consumed <= bound}. The consumer publishes its count with one opaque
 * store per element; producers read it only when their cached limit is reached. The bound equals
 * the bounded queues' max, so their offers are rarely refused; a refused offer is simply retried.
 */
@State(Scope.Group)
@BenchmarkMode(Mode.Throughput)
@Fork(jvmArgsAppend = Queues.AGRONA_EXPORTS)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
public class MpscThroughputBenchmark {
  /** Most elements in flight, for every implementation alike. */
  public static final int SOFT_BOUND = 65536;

  private static final Object ELEMENT = "element";

  /** The queue under test; see {@link Queues#mpsc}. */
  @Param({
    "ElasticMpscQueue",
    "CompactElasticMpscQueue",
    "MpscChunkedArrayQueue",
    "MpscUnboundedArrayQueue",
    "MpscArrayQueue",
    "ConcurrentLinkedQueue",
    "PekkoNodeQueue",
    "ManyToOneConcurrentArrayQueue"
  })
  public String impl;

  private Queue<Object> queue;
  private final ConsumedCounter consumed = new ConsumedCounter();

  /** Builds the queue once per trial: each iteration continues on the same queue. */
  @Setup(Level.Trial)
  public void createQueue() {
    queue = Queues.mpsc(impl);
  }

  /** A producer's own progress against the soft bound. */
  @State(Scope.Thread)
  public static class ProducerState {
    long offered;
    long limit;
  }

  private void produce(ProducerState p, OfferPollCounters c, int producers) {
    long offered = p.offered;
    if (offered >= p.limit) {
      p.limit = (consumed.getOpaque() + SOFT_BOUND) / producers;
      if (offered >= p.limit) {
        Thread.onSpinWait();
        return;
      }
    }
    if (queue.offer(ELEMENT)) {
      p.offered = offered + 1;
      c.offered++;
    }
  }

  private void consume(OfferPollCounters c) {
    if (queue.poll() != null) {
      consumed.increment();
      c.polled++;
    }
  }

  /** One producer. */
  @Benchmark
  @Group("p1c1")
  @GroupThreads(1)
  public void p1c1Offer(ProducerState p, OfferPollCounters c) {
    produce(p, c, 1);
  }

  /** The consumer of 1 -> 1. */
  @Benchmark
  @Group("p1c1")
  @GroupThreads(1)
  public void p1c1Poll(OfferPollCounters c) {
    consume(c);
  }

  /** Two producers. */
  @Benchmark
  @Group("p2c1")
  @GroupThreads(2)
  public void p2c1Offer(ProducerState p, OfferPollCounters c) {
    produce(p, c, 2);
  }

  /** The consumer of 2 -> 1. */
  @Benchmark
  @Group("p2c1")
  @GroupThreads(1)
  public void p2c1Poll(OfferPollCounters c) {
    consume(c);
  }

  /** Four producers. */
  @Benchmark
  @Group("p4c1")
  @GroupThreads(4)
  public void p4c1Offer(ProducerState p, OfferPollCounters c) {
    produce(p, c, 4);
  }

  /** The consumer of 4 -> 1. */
  @Benchmark
  @Group("p4c1")
  @GroupThreads(1)
  public void p4c1Poll(OfferPollCounters c) {
    consume(c);
  }
}
