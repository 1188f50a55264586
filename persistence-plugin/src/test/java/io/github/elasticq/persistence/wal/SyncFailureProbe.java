package io.github.elasticq.persistence.wal;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Child-process main for the failed-fsync test, run on an ext4 file system (no journal) whose loop
 * image lies on a tmpfs smaller than the image: writes reach the page cache, the fsync that writes
 * them back fails. Appends to a periodic-sync log until a periodic sync fails, then appends once
 * more and prints {@code SYNC-FAILURE <e>}, {@code APPEND-AFTER ok|<e>} and {@code
 * FAILURE-AFTER-APPEND <e>|null} (the health read right after that append), or {@code NO-FAILURE}.
 * Then deletes the filler file given as the second argument (room on the tmpfs again), appends,
 * waits for a periodic sync that succeeds and prints {@code SYNCED-AGAIN true|false} and {@code
 * FAILURE-AFTER-SYNC <e>|null}.
 */
public final class SyncFailureProbe {
  private SyncFailureProbe() {}

  public static void main(String[] args) throws Exception {
    Path dir = Path.of(args[0]).resolve("wal");
    WalSettings s =
        WalSettings.builder(dir)
            .compactionEnabled(false)
            .syncMode(SyncMode.PERIODIC)
            .syncInterval(Duration.ofMillis(300))
            .segmentSize(32L << 20)
            .build();
    byte[] payload = new byte[64 * 1024];
    new java.util.Random(7).nextBytes(payload);
    try (WriteAheadLog wal = WriteAheadLog.open(s)) {
      Exception failure = null;
      long seq = 1;
      for (; seq <= 400 && failure == null; seq++) {
        wal.append(WalWrite.of(List.of(WalEvent.of("a", seq, payload)))).get();
        Thread.sleep(10);
        failure = wal.lastWriteFailure();
      }
      if (failure == null) {
        System.out.println("NO-FAILURE");
        return;
      }
      System.out.println("SYNC-FAILURE " + failure);
      String append;
      try {
        wal.append(WalWrite.of(List.of(WalEvent.of("a", seq, payload)))).get();
        append = "ok";
      } catch (Exception e) {
        append = e.toString();
      }
      Exception after = wal.lastWriteFailure();
      System.out.println("APPEND-AFTER " + append);
      System.out.println("FAILURE-AFTER-APPEND " + after);
      // room again: later periodic syncs succeed, but what the kernel dropped stays dropped
      Files.delete(Path.of(args[1]));
      AtomicLong synced = new AtomicLong();
      wal.setListener(
          new WalListener() {
            @Override
            public void recordsSynced(long records) {
              synced.incrementAndGet();
            }
          });
      wal.append(WalWrite.of(List.of(WalEvent.of("a", seq + 1, payload)))).get();
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
      while (synced.get() == 0 && System.nanoTime() < deadline) {
        Thread.sleep(20);
      }
      System.out.println("SYNCED-AGAIN " + (synced.get() > 0));
      System.out.println("FAILURE-AFTER-SYNC " + wal.lastWriteFailure());
    } catch (Exception closeFailure) {
      // close forces the log, which fails on this file system: not what this probe is about
      System.out.println("CLOSE " + closeFailure);
    }
  }
}
