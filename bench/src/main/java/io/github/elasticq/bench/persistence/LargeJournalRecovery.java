package io.github.elasticq.bench.persistence;

import io.github.elasticq.persistence.wal.SyncMode;
import io.github.elasticq.persistence.wal.WalEvent;
import io.github.elasticq.persistence.wal.WalSettings;
import io.github.elasticq.persistence.wal.WalWrite;
import io.github.elasticq.persistence.wal.WriteAheadLog;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;

/**
 * Builds a journal of a given size with the plain {@link WriteAheadLog} API (events whose payload
 * is a Pekko byte-array serialization, so Pekko can replay them), then measures the time to open it
 * (segment scan and index rebuild) and to replay every event.
 */
final class LargeJournalRecovery {
  /** Pekko's {@code ByteArraySerializer} id: the events can be replayed by persistent actors. */
  static final int BYTE_ARRAY_SERIALIZER_ID = 4;

  private LargeJournalRecovery() {}

  record Built(long events, long bytes, int persistenceIds, double writeSeconds) {}

  record Opened(double openSeconds, long replayedEvents, double replaySeconds, int segments) {}

  /** Appends events of {@code payloadBytes} round-robin over {@code ids} until {@code bytes}. */
  static Built build(Path dir, long bytes, int ids, int payloadBytes)
      throws IOException, InterruptedException, ExecutionException {
    long start = System.nanoTime();
    long events = 0;
    byte[] payload = new byte[payloadBytes];
    long[] next = new long[ids];
    try (WriteAheadLog wal =
        WriteAheadLog.open(
            WalSettings.builder(dir).syncMode(SyncMode.NO_SYNC).compactionEnabled(false).build())) {
      while (wal.stats().bytesWritten() < bytes) {
        List<WalWrite> writes = new ArrayList<>(ids);
        for (int i = 0; i < ids; i++) {
          List<WalEvent> batch = new ArrayList<>(10);
          for (int k = 0; k < 10; k++) {
            batch.add(
                new WalEvent(
                    "pid-" + i,
                    ++next[i],
                    "bench",
                    "",
                    BYTE_ARRAY_SERIALIZER_ID,
                    "",
                    System.currentTimeMillis(),
                    payload));
          }
          writes.add(WalWrite.of(batch));
          events += batch.size();
        }
        wal.append(writes).get();
      }
      long written = wal.stats().bytesWritten();
      return new Built(events, written, ids, (System.nanoTime() - start) / 1e9);
    }
  }

  /** Opens the log (timed), then replays every id (timed). */
  static Opened openAndReplay(Path dir, int ids) throws IOException {
    long start = System.nanoTime();
    try (WriteAheadLog wal =
        WriteAheadLog.open(WalSettings.builder(dir).compactionEnabled(false).build())) {
      double open = (System.nanoTime() - start) / 1e9;
      long replayStart = System.nanoTime();
      long n = 0;
      for (int i = 0; i < ids; i++) {
        n += wal.replay("pid-" + i, 1, Long.MAX_VALUE, Long.MAX_VALUE, e -> {});
      }
      double replay = (System.nanoTime() - replayStart) / 1e9;
      return new Opened(open, n, replay, wal.stats().segments());
    }
  }
}
