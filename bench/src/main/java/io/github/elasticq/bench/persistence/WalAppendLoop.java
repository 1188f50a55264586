package io.github.elasticq.bench.persistence;

import io.github.elasticq.persistence.wal.SyncMode;
import io.github.elasticq.persistence.wal.WalEvent;
import io.github.elasticq.persistence.wal.WalSettings;
import io.github.elasticq.persistence.wal.WalWrite;
import io.github.elasticq.persistence.wal.WriteAheadLog;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * The write-ahead log's own append rate without Pekko: one thread encodes one atomic write per
 * event with one {@link WalWrite.Encoder} (as the journal actor does for {@code persistAsync}) and
 * appends them in lists of {@code burst}, two lists in flight. Separates the journal's cost from
 * Pekko's per-event cost.
 */
final class WalAppendLoop {
  private WalAppendLoop() {}

  /** Events per second over {@code measureMillis}, after {@code warmupMillis}. */
  static double eventsPerSecond(
      Path dir, SyncMode mode, int payloadBytes, int burst, long warmupMillis, long measureMillis)
      throws Exception {
    byte[] payload = new byte[payloadBytes];
    try (WriteAheadLog wal =
        WriteAheadLog.open(
            WalSettings.builder(dir).syncMode(mode).compactionEnabled(false).build())) {
      WalWrite.Encoder encoder = new WalWrite.Encoder();
      long seq = 0;
      CompletableFuture<Void> previous = CompletableFuture.completedFuture(null);
      long warmupEnd = System.nanoTime() + warmupMillis * 1_000_000;
      long start = 0;
      long startSeq = 0;
      long end = Long.MAX_VALUE;
      while (true) {
        List<WalWrite> writes = new ArrayList<>(burst);
        for (int i = 0; i < burst; i++) {
          writes.add(
              encoder.encode(
                  List.of(
                      new WalEvent(
                          "wal-1",
                          ++seq,
                          "writer",
                          "",
                          LargeJournalRecovery.BYTE_ARRAY_SERIALIZER_ID,
                          "",
                          System.currentTimeMillis(),
                          payload))));
        }
        CompletableFuture<Void> current = wal.append(writes);
        previous.get();
        previous = current;
        long now = System.nanoTime();
        if (start == 0 && now >= warmupEnd) {
          start = now;
          startSeq = seq - burst;
          end = now + measureMillis * 1_000_000;
        } else if (now >= end) {
          current.get();
          return (seq - startSeq) * 1e9 / (System.nanoTime() - start);
        }
      }
    }
  }
}
