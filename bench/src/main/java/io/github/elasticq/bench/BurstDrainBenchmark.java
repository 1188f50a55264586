package io.github.elasticq.bench;

import java.util.Queue;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.infra.Blackhole;

/**
 * Single-thread costs of the MPSC queues. {@code burstThenDrain} offers {@value #BURST} elements,
 * then polls them all, so an elastic queue grows from 1024 to 32768 slots and shrinks back inside
 * every measured invocation; the score is elements per microsecond (each counted once). {@code
 * offerPoll} is one offer followed by one poll on an empty queue: the uncontended round trip.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@Fork(jvmArgsAppend = Queues.AGRONA_EXPORTS)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
public class BurstDrainBenchmark {
  /** Elements per burst: well above the initial capacity, below every max. */
  public static final int BURST = 20_000;

  private static final Object ELEMENT = "element";

  /**
   * An experiment switch, the system property {@code elasticq.bench.allocateGrowChain}: with {@code
   * all} each invocation also allocates, and hands to JMH, the arrays an elastic queue's regrow
   * from 1024 to 32768 slots allocates (2048 + 4096 + ... + 32768 slots, each with its link slot);
   * with {@code largest} only the 32768-slot one, with {@code smaller} only the others. Run with
   * {@code ElasticMpscQueue+burstMemory}, which keeps its ring and allocates nothing, it measures
   * what those allocations alone cost (bench/results/2026-12-04/round21). {@code true}, the
   * switch's first form, means {@code all}. With {@code chunks} it allocates instead about what
   * MpscChunkedArrayQueue allocates per burst: one array of {@link Queues#CHUNK} slots plus its
   * link slot for every {@link Queues#CHUNK} elements begun, 20 per burst (the peer allocates 19,
   * its first chunk being the one it already holds: 3.9 bytes per element), i.e. what a chain of
   * fixed-size chunks would cost ours (bench/results/2026-12-05/round26). Unset: nothing. Any other
   * value fails the trial.
   */
  private static final String ALLOCATE_GROW_CHAIN =
      System.getProperty("elasticq.bench.allocateGrowChain", "");

  /** Whether the switch allocates the 32768-slot array, read once. */
  private static final boolean CHAIN_LARGEST =
      switch (ALLOCATE_GROW_CHAIN) {
        case "all", "true", "largest" -> true;
        case "", "smaller", "chunks" -> false;
        default ->
            throw new IllegalArgumentException(
                "elasticq.bench.allocateGrowChain must be all, largest, smaller or chunks, was "
                    + ALLOCATE_GROW_CHAIN);
      };

  /** Whether the switch allocates the arrays below 32768 slots, read once. */
  private static final boolean CHAIN_SMALLER =
      switch (ALLOCATE_GROW_CHAIN) {
        case "all", "true", "smaller" -> true;
        default -> false;
      };

  /** Whether the switch allocates the peer's chunks instead, read once. */
  private static final boolean CHUNKS = ALLOCATE_GROW_CHAIN.equals("chunks");

  private static final int CHAIN_FIRST = 2048;
  private static final int CHAIN_LAST = 32_768;

  /** The queue under test; see {@link Queues#mpsc}. */
  @Param({
    "ElasticMpscQueue",
    "ElasticMpscQueue+burstMemory",
    "MpscChunkedArrayQueue",
    "MpscUnboundedArrayQueue",
    "MpscArrayQueue",
    "ConcurrentLinkedQueue",
    "PekkoNodeQueue",
    "ManyToOneConcurrentArrayQueue"
  })
  public String impl;

  private Queue<Object> queue;

  /** Builds the queue once per trial. */
  @Setup(Level.Trial)
  public void createQueue() {
    queue = Queues.mpsc(impl);
  }

  /** A burst of offers, then a full drain: grow and shrink are in the loop. */
  @Benchmark
  @OperationsPerInvocation(BURST)
  public int burstThenDrain(Blackhole bh) {
    if (CHAIN_LARGEST || CHAIN_SMALLER) {
      allocateGrowChain(bh);
    } else if (CHUNKS) {
      allocateChunks(bh);
    }
    Queue<Object> q = queue;
    for (int i = 0; i < BURST; i++) {
      if (!q.offer(ELEMENT)) {
        throw new IllegalStateException(impl + " refused an offer at size " + i);
      }
    }
    int n = 0;
    while (q.poll() != null) {
      n++;
    }
    return n;
  }

  private static void allocateGrowChain(Blackhole bh) {
    for (int slots = CHAIN_FIRST; slots <= CHAIN_LAST; slots <<= 1) {
      if (slots == CHAIN_LAST ? CHAIN_LARGEST : CHAIN_SMALLER) {
        bh.consume(new Object[slots + 1]);
      }
    }
  }

  private static void allocateChunks(Blackhole bh) {
    for (int elements = 0; elements < BURST; elements += Queues.CHUNK) {
      bh.consume(new Object[Queues.CHUNK + 1]);
    }
  }

  /** One offer and one poll on an otherwise empty queue. */
  @Benchmark
  public Object offerPoll() {
    queue.offer(ELEMENT);
    return queue.poll();
  }
}
