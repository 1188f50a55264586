package io.github.elasticq.multijvm;

import io.github.elasticq.persistence.wal.SyncMode;
import io.github.elasticq.persistence.wal.WalEvent;
import io.github.elasticq.persistence.wal.WalSettings;
import io.github.elasticq.persistence.wal.WalStats;
import io.github.elasticq.persistence.wal.WalWrite;
import io.github.elasticq.persistence.wal.WriteAheadLog;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * Child-process main of the compaction crash test, on the plain {@link WriteAheadLog} API: one
 * thread appends atomic writes of 1 to 3 events to a few persistence ids and now and then deletes a
 * prefix of one of them, while a second thread compacts in a loop, until the parent kills the JVM.
 *
 * <p>Arguments: {@code <log dir> <seed> <persistence ids>}. Output: {@code OPENED <truncated
 * bytes>} (or {@code X open failed ...}), then per id {@code R <id> <highest> <ranges of live
 * events>}, {@code READY}, then {@code A <id> <seqNr>} per acknowledged event, {@code d <id> <to>}
 * before and {@code D <id> <to>} after each acknowledged delete, and {@code C <total>} after each
 * compaction that rewrote or dropped segments. Segments are small (16 KiB) so that many are sealed
 * and compacted.
 */
public final class CompactingChild {
  static final int PAYLOAD_BYTES = 200;

  private CompactingChild() {}

  /** Runs until killed; stops by itself when the parent goes away. */
  public static void main(String[] args) throws Exception {
    ChildOutput.exitWhenParentGoes();
    Path dir = Path.of(args[0]);
    Random random = new Random(Long.parseLong(args[1]));
    int ids = Integer.parseInt(args[2]);
    WriteAheadLog wal;
    try {
      wal =
          WriteAheadLog.open(
              WalSettings.builder(dir)
                  .syncMode(SyncMode.EVERY_WRITE)
                  .segmentSize(16 * 1024)
                  .compactionEnabled(false)
                  .build());
    } catch (Exception e) {
      ChildOutput.line("X open failed: " + e);
      System.exit(3);
      return;
    }
    ChildOutput.line("OPENED " + wal.stats().truncatedBytes());
    List<String> pids = new ArrayList<>();
    long[] next = new long[ids];
    for (int i = 0; i < ids; i++) {
      String pid = "p" + i;
      pids.add(pid);
      SeqRanges live = new SeqRanges();
      wal.replay(
          pid,
          1,
          Long.MAX_VALUE,
          Long.MAX_VALUE,
          e -> {
            long carried = ChildOutput.seqNrOf(pid, e.payload());
            if (carried != e.sequenceNr()) {
              ChildOutput.line("X " + pid + " event " + e.sequenceNr() + " carries " + carried);
            }
            live.add(e.sequenceNr());
          });
      long highest = wal.highestSequenceNr(pid);
      ChildOutput.line("R " + pid + " " + highest + " " + live.format());
      next[i] = highest + 1;
    }
    ChildOutput.line("READY");

    Thread compactor =
        new Thread(
            () -> {
              try {
                while (true) {
                  if (wal.compact(0.3) > 0) {
                    WalStats s = wal.stats();
                    ChildOutput.line("C " + s.compactedSegments());
                  }
                  Thread.sleep(random.nextInt(3));
                }
              } catch (Exception e) {
                ChildOutput.line("X compaction failed: " + e);
              }
            },
            "compactor");
    compactor.setDaemon(true);
    compactor.start();

    Random r = new Random(random.nextLong());
    while (true) {
      List<WalWrite> writes = new ArrayList<>();
      for (int i = 0; i < ids; i++) {
        int n = 1 + r.nextInt(3);
        List<WalEvent> events = new ArrayList<>(n);
        for (int k = 0; k < n; k++) {
          long seqNr = next[i]++;
          events.add(
              WalEvent.of(
                  pids.get(i), seqNr, ChildOutput.payload(pids.get(i), seqNr, PAYLOAD_BYTES)));
        }
        writes.add(WalWrite.of(events));
      }
      wal.append(writes).get();
      for (int i = 0; i < ids; i++) {
        ChildOutput.line("A " + pids.get(i) + " " + (next[i] - 1));
      }
      if (r.nextInt(8) == 0) {
        int i = r.nextInt(ids);
        long highest = next[i] - 1;
        // Mostly keep a tail; sometimes delete everything, so a compaction can drop every event of
        // the id while its highest sequence number must survive.
        long to = r.nextInt(4) == 0 ? highest : Math.max(0, highest - r.nextInt(40));
        ChildOutput.line("d " + pids.get(i) + " " + to);
        wal.deleteTo(pids.get(i), to).get();
        ChildOutput.line("D " + pids.get(i) + " " + to);
      }
    }
  }
}
