package io.github.elasticq.bench;

import org.openjdk.jmh.annotations.AuxCounters;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * Per-thread counters of the producer/consumer queue benchmarks ({@link MpscThroughputBenchmark},
 * {@link BlockingQueueBenchmark}), which JMH reports as rates next to the primary score: {@code
 * polled} is the throughput the reports and {@code QueueReport} read, {@code offered} shows how far
 * the producers ran ahead.
 */
@AuxCounters(AuxCounters.Type.OPERATIONS)
@State(Scope.Thread)
public class OfferPollCounters {
  /** Elements accepted by an offer. */
  public long offered;

  /** Elements returned by a poll. */
  public long polled;

  /** Resets the counters at the start of each iteration. */
  @Setup(Level.Iteration)
  public void reset() {
    offered = 0;
    polled = 0;
  }
}
