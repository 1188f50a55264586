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
 *
 * <p>With a third argument, the fsyncs that periodic mode makes besides the periodic sync:
 *
 * <ul>
 *   <li>{@code seal}: no periodic sync within the run (an interval of an hour), segments of 1 MiB;
 *       appends half a segment, fills the tmpfs by writing the second argument until it is full,
 *       appends until a write fails (the first fsync is the segment's seal at a roll), frees the
 *       room and appends once more; when the failed write was the seal's fsync, prints the health
 *       then ({@code SYNC-FAILURE}). Some runs the kernel fails the new segment's creation instead
 *       of the seal; then it tries again, up to six times ({@code NO-FAILURE} if never). Then
 *       appends until two more seals succeeded ({@code SEALED-AGAIN}) and prints {@code
 *       FAILURE-AFTER-SYNC}.
 *   <li>{@code compaction}: writes three segments of id {@code a} while there is room (their seals
 *       succeed), deletes {@code a} (the tombstone only in the page cache), fills the tmpfs by
 *       writing the second argument until it is full, appends to the active segment, and compacts:
 *       prints {@code COMPACT <n>|<e>}, {@code FAILURE <e>|null} and {@code SEGMENTS <before>
 *       <after>}; then frees the room, compacts again and prints {@code COMPACT-AGAIN} and {@code
 *       FAILURE-AFTER-COMPACTION}.
 * </ul>
 */
public final class SyncFailureProbe {
  private SyncFailureProbe() {}

  public static void main(String[] args) throws Exception {
    Path dir = Path.of(args[0]).resolve("wal");
    String mode = args.length > 2 ? args[2] : "periodic";
    if (mode.equals("seal")) {
      seal(dir, Path.of(args[1]));
      return;
    } else if (mode.equals("compaction")) {
      compaction(dir, Path.of(args[1]));
      return;
    }
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

  private static WalSettings.Builder noPeriodicSyncWithinTheRun(Path dir) {
    return WalSettings.builder(dir)
        .compactionEnabled(false)
        .syncMode(SyncMode.PERIODIC)
        .syncInterval(Duration.ofHours(1))
        .segmentSize(1L << 20);
  }

  private static byte[] payload() {
    byte[] payload = new byte[64 * 1024];
    new java.util.Random(7).nextBytes(payload);
    return payload;
  }

  private static String append(WriteAheadLog wal, String pid, long seq, byte[] payload) {
    try {
      wal.append(WalWrite.of(List.of(WalEvent.of(pid, seq, payload)))).get();
      return "ok";
    } catch (Exception e) {
      return e.toString();
    }
  }

  private static void seal(Path dir, Path filler) throws Exception {
    byte[] payload = payload();
    try (WriteAheadLog wal = WriteAheadLog.open(noPeriodicSyncWithinTheRun(dir).build())) {
      long seq = 1;
      String failure = null;
      for (int attempt = 1; attempt <= 6 && failure == null; attempt++) {
        for (int i = 0; i < 8; i++) { // half a segment, acknowledged, in the page cache
          String r = append(wal, "a", seq++, payload);
          if (!r.equals("ok")) {
            System.out.println("SETUP-FAILED " + r);
            return;
          }
        }
        fill(filler);
        Exception first = null;
        for (int i = 0; i < 40 && first == null; i++) {
          append(wal, "a", seq++, payload);
          first = wal.lastWriteFailure();
        }
        Files.delete(filler); // room again: the next append repairs the log
        String r = append(wal, "a", seq++, payload);
        System.out.println("ATTEMPT " + attempt + " " + first + ", then " + r);
        // Some runs the kernel lets the seal's fsync succeed and fails the new segment's creation
        // instead (not a sync failure: nothing acknowledged is in a new segment): try again.
        if (first != null && failedIn(first, "forceSealed")) {
          failure = String.valueOf(wal.lastWriteFailure());
        }
      }
      if (failure == null) {
        System.out.println("NO-FAILURE");
        return;
      }
      System.out.println("SYNC-FAILURE " + failure);
      int segments = wal.segmentFiles().size();
      for (int i = 0; i < 40 && wal.segmentFiles().size() < segments + 2; i++) {
        append(wal, "a", seq++, payload);
      }
      System.out.println("SEALED-AGAIN " + (wal.segmentFiles().size() >= segments + 2));
      System.out.println("FAILURE-AFTER-SYNC " + wal.lastWriteFailure());
    } catch (Exception closeFailure) {
      System.out.println("CLOSE " + closeFailure);
    }
  }

  private static void compaction(Path dir, Path filler) throws Exception {
    byte[] payload = payload();
    try (WriteAheadLog wal = WriteAheadLog.open(noPeriodicSyncWithinTheRun(dir).build())) {
      long seq = 1;
      while (wal.segmentFiles().size() < 4) {
        String r = append(wal, "a", seq++, payload);
        if (!r.equals("ok")) {
          System.out.println("SETUP-FAILED " + r);
          return;
        }
      }
      wal.deleteTo("a", Long.MAX_VALUE).get();
      fill(filler);
      // new blocks in the active segment after the tmpfs is full: its force cannot succeed
      System.out.println("APPEND-B " + append(wal, "b", 1, payload));
      int before = wal.segmentFiles().size();
      System.out.println("COMPACT " + compact(wal));
      System.out.println("FAILURE " + wal.lastWriteFailure());
      System.out.println("SEGMENTS " + before + " " + wal.segmentFiles().size());
      Files.delete(filler);
      System.out.println("COMPACT-AGAIN " + compact(wal));
      System.out.println("FAILURE-AFTER-COMPACTION " + wal.lastWriteFailure());
    } catch (Exception closeFailure) {
      System.out.println("CLOSE " + closeFailure);
    }
  }

  /** How many segments a compaction of the half-dead ones rewrote or dropped, or its failure. */
  private static String compact(WriteAheadLog wal) {
    try {
      return Integer.toString(wal.compact(0.5));
    } catch (Exception e) {
      return e.toString();
    }
  }

  /** Whether {@code e} was thrown from a method named {@code method} (the writer's own frames). */
  private static boolean failedIn(Throwable e, String method) {
    for (StackTraceElement f : e.getStackTrace()) {
      if (f.getMethodName().equals(method)) {
        return true;
      }
    }
    return false;
  }

  /** Writes {@code filler} until its file system is full. */
  private static void fill(Path filler) throws java.io.IOException {
    byte[] chunk = new byte[64 * 1024];
    try (java.io.OutputStream out = Files.newOutputStream(filler)) {
      while (true) {
        out.write(chunk);
      }
    } catch (java.io.IOException full) {
      // no space left: what this is for
    }
  }
}
