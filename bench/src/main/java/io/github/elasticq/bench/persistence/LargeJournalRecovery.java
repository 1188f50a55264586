package io.github.elasticq.bench.persistence;

import io.github.elasticq.persistence.wal.SyncMode;
import io.github.elasticq.persistence.wal.WalEvent;
import io.github.elasticq.persistence.wal.WalLogger;
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

  /**
   * @param openSeconds the first open after the journal was written
   * @param reopenSeconds the opens after it (the same files, a warm page cache)
   * @param openReport the log's own line about the first open (index checkpoints vs scan)
   */
  record Opened(
      double openSeconds,
      double[] reopenSeconds,
      String openReport,
      long replayedEvents,
      double replaySeconds,
      int segments) {}

  /**
   * Appends events of {@code payloadBytes} round-robin over {@code ids} until {@code bytes}, with
   * index checkpoints of sealed segments if {@code indexCheckpoint} (written in the background; the
   * close waits for them).
   */
  static Built build(Path dir, long bytes, int ids, int payloadBytes, boolean indexCheckpoint)
      throws IOException, InterruptedException, ExecutionException {
    long start = System.nanoTime();
    long events = 0;
    byte[] payload = new byte[payloadBytes];
    long[] next = new long[ids];
    try (WriteAheadLog wal =
        WriteAheadLog.open(
            WalSettings.builder(dir)
                .syncMode(SyncMode.NO_SYNC)
                .compactionEnabled(false)
                .indexCheckpoint(indexCheckpoint)
                .build())) {
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

  /**
   * Opens the log (timed), replays every id (timed), then opens it {@code reopens} more times
   * (timed).
   */
  static Opened openAndReplay(Path dir, int ids, int reopens, boolean indexCheckpoint)
      throws IOException {
    List<String> report = new ArrayList<>();
    WalLogger logger =
        (level, message) -> {
          if (message.contains("opened ")) {
            report.add(message);
          }
          WalLogger.system().log(level, message);
        };
    WalSettings settings =
        WalSettings.builder(dir)
            .compactionEnabled(false)
            .indexCheckpoint(indexCheckpoint)
            .logger(logger)
            .build();
    Opened first = openAndReplay(settings, ids, report);
    double[] reopen = new double[reopens];
    for (int i = 0; i < reopens; i++) {
      long start = System.nanoTime();
      WriteAheadLog wal = WriteAheadLog.open(settings);
      reopen[i] = (System.nanoTime() - start) / 1e9;
      wal.close();
    }
    return new Opened(
        first.openSeconds(),
        reopen,
        String.join(" / ", report),
        first.replayedEvents(),
        first.replaySeconds(),
        first.segments());
  }

  private static Opened openAndReplay(WalSettings settings, int ids, List<String> report)
      throws IOException {
    long start = System.nanoTime();
    try (WriteAheadLog wal = WriteAheadLog.open(settings)) {
      double open = (System.nanoTime() - start) / 1e9;
      long replayStart = System.nanoTime();
      long n = 0;
      for (int i = 0; i < ids; i++) {
        n += wal.replay("pid-" + i, 1, Long.MAX_VALUE, Long.MAX_VALUE, e -> {});
      }
      double replay = (System.nanoTime() - replayStart) / 1e9;
      return new Opened(
          open, new double[0], String.join(" / ", report), n, replay, wal.stats().segments());
    }
  }
}
