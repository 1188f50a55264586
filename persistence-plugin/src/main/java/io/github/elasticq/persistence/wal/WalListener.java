package io.github.elasticq.persistence.wal;

/**
 * Receives the timings of a {@link WriteAheadLog} that its counters ({@link WalStats}) cannot
 * carry: latencies and per-fsync batch sizes. Set with {@link WriteAheadLog#setListener}; metrics
 * integrations use it. Methods are called on the log's writer, sync or replaying threads: keep them
 * short and non-blocking; an exception thrown by one is ignored.
 */
public interface WalListener {

  /** One {@code FileChannel.force} of a segment took {@code nanos}. */
  default void fsyncCompleted(long nanos) {}

  /** One durable point (a group commit's fsync or a periodic sync) covered {@code records}. */
  default void recordsSynced(long records) {}

  /** An append's (or delete's) future completed {@code nanos} after the append was called. */
  default void appendCompleted(long nanos) {}

  /** A replay passed {@code events} events to its consumer. */
  default void replayed(long events) {}
}
