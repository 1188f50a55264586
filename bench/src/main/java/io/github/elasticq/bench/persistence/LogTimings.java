package io.github.elasticq.bench.persistence;

import io.github.elasticq.persistence.journal.WalRegistry;
import io.github.elasticq.persistence.wal.WalListener;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;
import org.apache.pekko.actor.ActorSystem;

/**
 * The log's own view of a round trip, through its {@link WalListener}: from {@code append} to the
 * completed future (queueing, write and fsync) and the fsync alone. Set against the actor's
 * persist-to-handler latency, it shows how much of a round trip is the log and how much Pekko's
 * journal protocol (serialization, the journal actor, the reply to the persistent actor).
 */
final class LogTimings implements WalListener {
  private final Recorder append = new Recorder(3);
  private final Recorder fsync = new Recorder(3);

  private LogTimings() {}

  /** Listens to the {@code elasticq.journal} log of {@code system} (opening it if needed). */
  static LogTimings attach(ActorSystem system) {
    LogTimings t = new LogTimings();
    WalRegistry.get(system).logFor("elasticq.journal").setListener(t);
    return t;
  }

  @Override
  public void appendCompleted(long nanos) {
    append.recordValue(nanos);
  }

  @Override
  public void fsyncCompleted(long nanos) {
    fsync.recordValue(nanos);
  }

  void reset() {
    append.reset();
    fsync.reset();
  }

  /** Percentiles since the last {@link #reset}, in µs. */
  String summary() {
    Histogram a = append.getIntervalHistogram();
    Histogram f = fsync.getIntervalHistogram();
    String appendPart =
        String.format("in the log: append to ack p50 %,.0f µs", a.getValueAtPercentile(50) / 1e3);
    return f.getTotalCount() == 0
        ? appendPart + " (queue + write)"
        : appendPart
            + String.format(
                " (queue + write + fsync), fsync p50 %,.0f µs", f.getValueAtPercentile(50) / 1e3);
  }
}
