package io.github.elasticq.bench;

import io.github.elasticq.queue.CompactElasticMpscQueue;
import io.github.elasticq.queue.ElasticBuffer;
import io.github.elasticq.queue.ElasticMpscQueue;
import io.github.elasticq.queue.QueueConfig;
import java.util.Queue;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.LinkedBlockingQueue;
import org.agrona.concurrent.ManyToOneConcurrentArrayQueue;
import org.jctools.queues.MpscArrayQueue;
import org.jctools.queues.MpscChunkedArrayQueue;
import org.jctools.queues.MpscUnboundedArrayQueue;

/**
 * The queues under comparison, by the names the benchmarks take as {@code @Param}. All are sized
 * from {@link QueueConfig#defaults()}: the elastic queues start at 1024 and may grow to 65536; the
 * JCTools chunked queue uses 1024-element chunks up to the same max; the fixed-size array queues
 * (JCTools MpscArrayQueue, Agrona, ArrayBlockingQueue) are preallocated at the max, the upper bound
 * an elastic queue competes with; the unbounded ones grow without limit.
 */
public final class Queues {
  /** Names of the MPSC queues, ours first. */
  public static final String ELASTIC_MPSC = "ElasticMpscQueue";

  /** The same algorithm without padding (the mailboxes' layout): shows what the padding buys. */
  public static final String COMPACT_ELASTIC_MPSC = "CompactElasticMpscQueue";

  /** ElasticMpscQueue with {@link QueueConfig#burstMemory()}: keeps what recurring bursts need. */
  public static final String ELASTIC_MPSC_BURST_MEMORY = "ElasticMpscQueue+burstMemory";

  /**
   * ElasticMpscQueue held at the max from the start (min = initial = max): it never resizes. An
   * experiment, not a configuration to recommend: what the queue costs without its elasticity.
   */
  public static final String ELASTIC_MPSC_FIXED = "ElasticMpscQueue+fixed";

  /** Our MPMC blocking queue. */
  public static final String ELASTIC_BUFFER = "ElasticBuffer";

  /** ElasticBuffer with {@link QueueConfig#burstMemory()}. */
  public static final String ELASTIC_BUFFER_BURST_MEMORY = "ElasticBuffer+burstMemory";

  /** ElasticBuffer held at the max from the start, as {@link #ELASTIC_MPSC_FIXED}. */
  public static final String ELASTIC_BUFFER_FIXED = "ElasticBuffer+fixed";

  /** Agrona 2.x reads jdk.internal.misc.Unsafe: every queue fork gets this export, alike. */
  public static final String AGRONA_EXPORTS =
      "--add-exports=java.base/jdk.internal.misc=ALL-UNNAMED";

  static final QueueConfig CONFIG = QueueConfig.defaults();
  static final int MAX = CONFIG.maxCapacity();
  static final int CHUNK = CONFIG.initialCapacity();

  private Queues() {}

  /** Creates the multi-producer single-consumer queue called {@code name}. */
  public static Queue<Object> mpsc(String name) {
    return switch (name) {
      case ELASTIC_MPSC -> new ElasticMpscQueue<>(CONFIG);
      case COMPACT_ELASTIC_MPSC -> new CompactElasticMpscQueue<>(CONFIG);
      case ELASTIC_MPSC_BURST_MEMORY -> new ElasticMpscQueue<>(burstMemory());
      case ELASTIC_MPSC_FIXED -> new ElasticMpscQueue<>(fixedAtMax());
      case "MpscChunkedArrayQueue" -> new MpscChunkedArrayQueue<>(CHUNK, MAX);
      case "MpscUnboundedArrayQueue" -> new MpscUnboundedArrayQueue<>(CHUNK);
      case "MpscArrayQueue" -> new MpscArrayQueue<>(MAX);
      case "ConcurrentLinkedQueue" -> new ConcurrentLinkedQueue<>();
      case "PekkoNodeQueue" -> new PekkoNodeQueue();
      case "ManyToOneConcurrentArrayQueue" -> new ManyToOneConcurrentArrayQueue<>(MAX);
      default -> throw new IllegalArgumentException("unknown MPSC queue: " + name);
    };
  }

  private static QueueConfig burstMemory() {
    return CONFIG.toBuilder().burstMemory(true).build();
  }

  private static QueueConfig fixedAtMax() {
    return CONFIG.toBuilder().initialCapacity(MAX).minCapacity(MAX).build();
  }

  /** Creates the multi-producer multi-consumer blocking queue called {@code name}. */
  public static BlockingQueue<Object> mpmc(String name) {
    return switch (name) {
      case ELASTIC_BUFFER -> new ElasticBuffer<>(CONFIG);
      case ELASTIC_BUFFER_BURST_MEMORY -> new ElasticBuffer<>(burstMemory());
      case ELASTIC_BUFFER_FIXED -> new ElasticBuffer<>(fixedAtMax());
      case "ArrayBlockingQueue" -> new ArrayBlockingQueue<>(MAX);
      case "LinkedBlockingQueue" -> new LinkedBlockingQueue<>(MAX);
      default -> throw new IllegalArgumentException("unknown blocking queue: " + name);
    };
  }
}
