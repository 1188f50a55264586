package io.github.elasticq.bench.persistence;

import com.typesafe.config.Config;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;
import org.apache.pekko.persistence.AtomicWrite;
import org.apache.pekko.persistence.PersistentRepr;
import org.apache.pekko.persistence.jdbc.journal.JdbcAsyncWriteJournal;
import scala.concurrent.Future;
import scala.jdk.javaapi.FutureConverters;
import scala.runtime.BoxedUnit;
import scala.util.Try;

/**
 * pekko-persistence-jdbc's journal, counting what the persistent actors ask of it: write requests
 * ({@code asyncWriteMessages} calls: one per {@code persist} of a typed actor), atomic writes,
 * events by payload class, and the latency of each request from the call to its completion (the
 * plugin queues rows of concurrent requests into shared insert batches of up to {@code batchSize},
 * {@code parallelism} transactions at a time). Select it with {@code jdbc-journal.class =
 * "io.github.elasticq.bench.persistence.CountingJdbcJournal"}. Counters are static: one journal per
 * JVM. Any thread may read them.
 */
public final class CountingJdbcJournal extends JdbcAsyncWriteJournal {
  private static final LongAdder REQUESTS = new LongAdder();
  private static final LongAdder ATOMIC_WRITES = new LongAdder();
  private static final Map<String, LongAdder> EVENTS = new ConcurrentHashMap<>();
  private static final Recorder LATENCY_MICROS = new Recorder(3);

  /**
   * Called by Pekko with the plugin's configuration.
   *
   * @param config the {@code jdbc-journal} section
   */
  public CountingJdbcJournal(Config config) {
    super(config);
  }

  @Override
  public Future<scala.collection.immutable.Seq<Try<BoxedUnit>>> asyncWriteMessages(
      scala.collection.immutable.Seq<AtomicWrite> messages) {
    long start = System.nanoTime();
    REQUESTS.increment();
    scala.collection.Iterator<AtomicWrite> writes = messages.iterator();
    while (writes.hasNext()) {
      ATOMIC_WRITES.increment();
      scala.collection.Iterator<PersistentRepr> events = writes.next().payload().iterator();
      while (events.hasNext()) {
        Object payload = events.next().payload();
        EVENTS
            .computeIfAbsent(payload.getClass().getSimpleName(), k -> new LongAdder())
            .increment();
      }
    }
    Future<scala.collection.immutable.Seq<Try<BoxedUnit>>> result =
        super.asyncWriteMessages(messages);
    FutureConverters.asJava(result)
        .whenComplete(
            (r, e) -> LATENCY_MICROS.recordValue(Math.max(1, (System.nanoTime() - start) / 1000)));
    return result;
  }

  /**
   * The counters so far, as {@code key=value} words: {@code requests}, {@code atomicWrites}, {@code
   * events}, and {@code event.<PayloadClass>} per payload class.
   */
  public static Map<String, Long> counters() {
    Map<String, Long> out = new TreeMap<>();
    out.put("requests", REQUESTS.sum());
    out.put("atomicWrites", ATOMIC_WRITES.sum());
    long events = 0;
    for (var e : EVENTS.entrySet()) {
      long n = e.getValue().sum();
      out.put("event." + e.getKey(), n);
      events += n;
    }
    out.put("events", events);
    return out;
  }

  /** The write requests' latencies (µs) since the previous call; the first call: since start. */
  public static Histogram latencySinceLastCall() {
    return LATENCY_MICROS.getIntervalHistogram();
  }
}
