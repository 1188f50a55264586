package io.github.elasticq.persistence.wal;

import static io.github.elasticq.persistence.wal.WriteAheadLogTest.write;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Child-process main for the power-loss tests, run on ext4 (no journal) over a loop image on a
 * tmpfs. The device under the file system is the image file: what a crash leaves on disk is what
 * the kernel has written to it, so a copy of the image taken while the log is open (nothing synced
 * since) is the disk after a power loss. Each scenario, {@code <scenario> <fs> <image> <copy>},
 * prints {@code BEFORE-CRASH ...}, copies the image and halts the JVM without closing the log:
 *
 * <ul>
 *   <li>{@code compaction}: a periodic-sync log (whose periodic sync never runs): id {@code a}
 *       fills sealed segments, id {@code b} goes on, {@code a} is deleted, a compaction pass runs;
 *   <li>{@code compaction-rewrite}: an every-write log, ids {@code a} and {@code b} alternating
 *       over several segments, {@code a} deleted, then a compaction pass that rewrites the sealed
 *       segments with {@code b}'s events only;
 *   <li>{@code every-write}: 500 appends to an every-write log over many segment rolls;
 *   <li>{@code every-write-batched}: the same 500 events, ten atomic writes per append, so that a
 *       group commit writes the end of one segment and the start of the next;
 *   <li>{@code periodic}: 100 appends to a periodic-sync log (100 ms), until a periodic sync has
 *       covered them, then 10 more;
 *   <li>{@code no-sync}: 100 appends to a no-sync log.
 *   <li>{@code reopen-every-write}: the second step of a killed run: opens, as an every-write log,
 *       the log that {@code no-sync-killed <fs>} (100 appends to a no-sync log over several
 *       segments, then a halt: no copy, nothing forced) left in the page cache, prints {@code
 *       REOPENED a=<highest>}, and appends event 101, acknowledged as durable.
 * </ul>
 *
 * Each scenario first writes a canary file that is never forced. {@code read <fs>}: prints {@code
 * CANARY absent} (or its size, if the kernel wrote it back: then the copy was not a power loss) and
 * opens the log found there, printing {@code HIGHEST a=<n> b=<n> COUNT a=<n> b=<n>} (COUNT: live
 * events).
 */
public final class PowerLossProbe {
  private static final String CANARY = "canary";

  private PowerLossProbe() {}

  public static void main(String[] args) throws Exception {
    Path fs = Path.of(args[1]);
    if (!args[0].equals("read") && !args[0].equals("reopen-every-write")) {
      // written first and never forced: if the copy holds it, the kernel wrote dirty pages back
      // during the scenario (a sync by another process, memory pressure) and the copy is not the
      // disk after a power loss
      Files.write(fs.resolve(CANARY), new byte[64 * 1024]);
    }
    switch (args[0]) {
      case "read" -> {
        Path canary = fs.resolve(CANARY);
        System.out.println(
            "CANARY " + (Files.exists(canary) ? Files.size(canary) + " bytes" : "absent"));
        try (WriteAheadLog wal = WriteAheadLog.open(settings(fs, SyncMode.PERIODIC))) {
          System.out.println(
              "HIGHEST a="
                  + wal.highestSequenceNr("a")
                  + " b="
                  + wal.highestSequenceNr("b")
                  + " COUNT a="
                  + wal.readAll("a").size()
                  + " b="
                  + wal.readAll("b").size());
        }
        return;
      }
      case "compaction" -> {
        WriteAheadLog wal = WriteAheadLog.open(settings(fs, SyncMode.PERIODIC));
        append(wal, "a", 1, 200);
        append(wal, "b", 1, 20);
        wal.deleteTo("a", 200).get();
        int compacted = wal.compact(0.5);
        System.out.println(
            "BEFORE-CRASH a=" + wal.highestSequenceNr("a") + " compacted=" + compacted);
      }
      case "compaction-rewrite" -> {
        WriteAheadLog wal = WriteAheadLog.open(settings(fs, SyncMode.EVERY_WRITE));
        for (long seq = 1; seq <= 100; seq++) {
          wal.append(write("a", seq, seq)).get();
          wal.append(write("b", seq, seq)).get();
        }
        wal.deleteTo("a", 100).get();
        int compacted = wal.compact(0.3);
        System.out.println("BEFORE-CRASH b=" + wal.readAll("b").size() + " compacted=" + compacted);
      }
      case "every-write" -> {
        WriteAheadLog wal = WriteAheadLog.open(settings(fs, SyncMode.EVERY_WRITE));
        append(wal, "a", 1, 500);
        System.out.println(
            "BEFORE-CRASH a="
                + wal.highestSequenceNr("a")
                + " segments="
                + wal.segmentFiles().size());
      }
      case "every-write-batched" -> {
        WriteAheadLog wal = WriteAheadLog.open(settings(fs, SyncMode.EVERY_WRITE));
        for (long seq = 1; seq <= 500; seq += 10) {
          List<WalWrite> writes = new ArrayList<>();
          for (long s = seq; s < seq + 10; s++) {
            writes.add(write("a", s, s));
          }
          wal.append(writes).get(); // one group commit, which may roll the segment in between
        }
        System.out.println(
            "BEFORE-CRASH a="
                + wal.highestSequenceNr("a")
                + " segments="
                + wal.segmentFiles().size());
      }
      case "periodic" -> {
        WriteAheadLog wal =
            WriteAheadLog.open(settings(fs, SyncMode.PERIODIC, Duration.ofMillis(100)));
        AtomicLong synced = new AtomicLong();
        wal.setListener(
            new WalListener() {
              @Override
              public void recordsSynced(long records) {
                synced.addAndGet(records);
              }
            });
        append(wal, "a", 1, 100);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (synced.get() < 100 && System.nanoTime() < deadline) {
          Thread.sleep(10);
        }
        append(wal, "a", 101, 110);
        System.out.println("BEFORE-CRASH a=" + wal.highestSequenceNr("a") + " synced=" + synced);
      }
      case "no-sync" -> {
        WriteAheadLog wal = WriteAheadLog.open(settings(fs, SyncMode.NO_SYNC));
        append(wal, "a", 1, 100);
        System.out.println("BEFORE-CRASH a=" + wal.highestSequenceNr("a"));
      }
      case "no-sync-killed" -> {
        WriteAheadLog wal = WriteAheadLog.open(settings(fs, SyncMode.NO_SYNC));
        append(wal, "a", 1, 100);
        System.out.println(
            "KILLED a=" + wal.highestSequenceNr("a") + " segments=" + wal.segmentFiles().size());
        System.out.flush();
        Runtime.getRuntime().halt(0); // a kill: the log's pages stay in the page cache, unforced
      }
      case "reopen-every-write" -> {
        WriteAheadLog wal = WriteAheadLog.open(settings(fs, SyncMode.EVERY_WRITE));
        System.out.println("REOPENED a=" + wal.highestSequenceNr("a"));
        append(wal, "a", 101, 101);
        System.out.println("BEFORE-CRASH a=" + wal.highestSequenceNr("a"));
      }
      default -> throw new IllegalArgumentException("unknown scenario " + args[0]);
    }
    Files.copy(Path.of(args[2]), Path.of(args[3]));
    System.out.flush();
    Runtime.getRuntime().halt(0);
  }

  private static void append(WriteAheadLog wal, String pid, long from, long to) throws Exception {
    for (long seq = from; seq <= to; seq++) {
      wal.append(write(pid, seq, seq)).get();
    }
  }

  private static WalSettings settings(Path fs, SyncMode mode) {
    return settings(fs, mode, Duration.ofHours(1));
  }

  private static WalSettings settings(Path fs, SyncMode mode, Duration syncInterval) {
    return WalSettings.builder(fs.resolve("wal"))
        .compactionEnabled(false)
        .syncMode(mode)
        .syncInterval(syncInterval)
        .segmentSize(4096)
        .build();
  }
}
