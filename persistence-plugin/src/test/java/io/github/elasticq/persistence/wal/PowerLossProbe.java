package io.github.elasticq.persistence.wal;

import static io.github.elasticq.persistence.wal.WriteAheadLogTest.write;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

/**
 * Child-process main for the power-loss tests, run on ext4 (no journal) over a loop image on a
 * tmpfs. The device under the file system is the image file: what a crash leaves on disk is what
 * the kernel has written to it, so a copy of the image taken while the log is open (nothing synced
 * since) is the disk after a power loss. Scenarios, each {@code <scenario> <fs> <image> <copy>},
 * copy the image and halt the JVM without closing the log: {@code compaction}: a periodic-sync log
 * (the periodic sync never runs), id {@code a} fills sealed segments, id {@code b} goes on, {@code
 * a} is deleted, a compaction pass runs; {@code every-write}: 500 appends to an every-write log
 * over many segment rolls. {@code read <fs>}: opens the log found there and prints {@code HIGHEST
 * a=<n> b=<n>}.
 */
public final class PowerLossProbe {
  private PowerLossProbe() {}

  public static void main(String[] args) throws Exception {
    if (args[0].equals("read")) {
      try (WriteAheadLog wal = WriteAheadLog.open(settings(Path.of(args[1]), SyncMode.PERIODIC))) {
        System.out.println(
            "HIGHEST a=" + wal.highestSequenceNr("a") + " b=" + wal.highestSequenceNr("b"));
      }
      return;
    }
    if (args[0].equals("every-write")) {
      WriteAheadLog wal = WriteAheadLog.open(settings(Path.of(args[1]), SyncMode.EVERY_WRITE));
      for (long seq = 1; seq <= 500; seq++) {
        wal.append(write("a", seq, seq)).get();
      }
      System.out.println(
          "BEFORE-CRASH a="
              + wal.highestSequenceNr("a")
              + " segments="
              + wal.segmentFiles().size());
      Files.copy(Path.of(args[2]), Path.of(args[3]));
      System.out.flush();
      Runtime.getRuntime().halt(0);
    }
    WriteAheadLog wal = WriteAheadLog.open(settings(Path.of(args[1]), SyncMode.PERIODIC));
    for (long seq = 1; seq <= 200; seq++) {
      wal.append(write("a", seq, seq)).get();
    }
    for (long seq = 1; seq <= 20; seq++) {
      wal.append(write("b", seq, seq)).get();
    }
    wal.deleteTo("a", 200).get();
    int compacted = wal.compact(0.5);
    System.out.println(
        "BEFORE-CRASH a="
            + wal.highestSequenceNr("a")
            + " compacted="
            + compacted
            + " segments="
            + wal.segmentFiles().size());
    Files.copy(Path.of(args[2]), Path.of(args[3]));
    System.out.flush();
    Runtime.getRuntime().halt(0);
  }

  private static WalSettings settings(Path fs, SyncMode mode) {
    return WalSettings.builder(fs.resolve("wal"))
        .compactionEnabled(false)
        .syncMode(mode)
        .syncInterval(Duration.ofHours(1))
        .segmentSize(4096)
        .build();
  }
}
