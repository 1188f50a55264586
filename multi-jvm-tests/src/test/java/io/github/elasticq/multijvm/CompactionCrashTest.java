package io.github.elasticq.multijvm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Kill -9 while the write-ahead log appends, deletes and compacts: a child JVM ({@link
 * CompactingChild}) writes to {@value #IDS} persistence ids, deletes prefixes (sometimes
 * everything) and compacts 16 KiB segments in a loop; the test kills it with SIGKILL after a seeded
 * random delay and restarts it on the same directory.
 *
 * <p>Checked after every kill, per persistence id: the log opens (no corruption error, whatever
 * step of a compaction the kill interrupted); the highest sequence number is at least every
 * acknowledged one and every one recovered before (compaction and deletes never lower it, even when
 * every event of the id is deleted and its segments dropped); the live events are one contiguous
 * run that ends at the highest sequence number and starts right after a delete point between the
 * last acknowledged delete and the last requested one (deleted events never come back, acknowledged
 * events that were not deleted are all there); each event's payload carries its own id and sequence
 * number (checked by the child).
 *
 * <p>Run: {@code ./mvnw -pl multi-jvm-tests verify} (10 kills) or {@code -Pcrash-long} (200).
 */
class CompactionCrashTest {
  static final int IDS = 3;
  static final int MAX_KILL_DELAY_MS = 700;

  @TempDir Path tmp;

  @Test
  void compaction_killedRepeatedly_keepsHighestAndEveryLiveAcknowledgedEvent() throws Exception {
    CrashSchedule schedule = CrashSchedule.fromSystemProperties("compaction");
    Path dir = tmp.resolve("wal");
    Path stderr = Transcripts.reset("compaction").resolve("child-stderr.log");
    Ledger ledger = new Ledger(schedule);
    long compactions = 0;
    int leftoverCompactionFiles = 0;
    for (int cycle = 0; cycle <= schedule.kills; cycle++) {
      try (ChildJvm child =
          ChildJvm.start(
              CompactingChild.class,
              stderr,
              dir.toString(),
              Long.toString(schedule.random.nextLong()),
              Integer.toString(IDS))) {
        List<String> lines;
        try {
          child.awaitLine("READY", 2, TimeUnit.MINUTES);
          if (cycle < schedule.kills) {
            Thread.sleep(schedule.delayMillis(MAX_KILL_DELAY_MS));
          }
        } finally {
          child.kill();
          lines = child.lines();
          Transcripts.write("compaction", cycle, lines);
        }
        compactions += ledger.check(cycle, lines);
      }
      leftoverCompactionFiles += countCompactionOutputs(dir);
    }
    System.out.println(
        "compaction: "
            + schedule.kills
            + " kills, "
            + compactions
            + " segments compacted, "
            + leftoverCompactionFiles
            + " kills left an unfinished compaction file behind, "
            + ledger.totalAcks
            + " acknowledged events, "
            + ledger.deletes
            + " acknowledged deletes, final highest "
            + ledger.highest);
    assertThat(compactions).as("segments compacted over the run, %s", schedule).isPositive();
    assertThat(ledger.deletes).as("acknowledged deletes, %s", schedule).isPositive();
    assertThat(ledger.recoveriesChecked)
        .as("recoveries checked, %s", schedule)
        .isEqualTo((schedule.kills + 1) * IDS);
  }

  private static int countCompactionOutputs(Path dir) throws IOException {
    try (Stream<Path> files = Files.list(dir)) {
      return (int) files.filter(p -> p.getFileName().toString().endsWith(".compacting")).count();
    }
  }

  /** What the parent knows about each persistence id across all incarnations of the child. */
  static final class Ledger {
    final CrashSchedule schedule;
    final Map<String, Long> highest = new HashMap<>();
    final Map<String, Long> ackedDelete = new HashMap<>();
    final Map<String, Long> requestedDelete = new HashMap<>();
    int recoveriesChecked;
    long totalAcks;
    long deletes;

    Ledger(CrashSchedule schedule) {
      this.schedule = schedule;
    }

    /** Checks one incarnation; returns the segments it compacted. */
    long check(int cycle, List<String> lines) {
      assertThat(lines).as("cycle %d, %s", cycle, schedule).isNotEmpty();
      assertThat(lines.get(0))
          .as("first line, cycle %d, %s", cycle, schedule)
          .startsWith("OPENED ");
      long compacted = 0;
      Map<String, Long> lastInRun = new HashMap<>();
      for (String line : lines) {
        String[] f = line.split(" ");
        String where = "cycle " + cycle + ", line '" + line + "', " + schedule;
        switch (f[0]) {
          case "X" -> fail("the child reported a failed check: " + where);
          case "R" -> {
            String pid = f[1];
            long recovered = Long.parseLong(f[2]);
            List<long[]> runs = SeqRanges.parse(f[3]);
            long mustHave = highest.getOrDefault(pid, 0L);
            long minDeleted = ackedDelete.getOrDefault(pid, 0L);
            long maxDeleted = requestedDelete.getOrDefault(pid, 0L);
            assertThat(recovered)
                .as("highest vs acknowledged or earlier recovered %d, %s", mustHave, where)
                .isGreaterThanOrEqualTo(mustHave);
            assertThat(runs).as("live events must be one run, %s", where).hasSizeLessThan(2);
            long deletedTo;
            if (runs.isEmpty()) {
              deletedTo = recovered;
            } else {
              assertThat(runs.get(0)[1])
                  .as("live run ends at highest, %s", where)
                  .isEqualTo(recovered);
              deletedTo = runs.get(0)[0] - 1;
            }
            assertThat(deletedTo)
                .as(
                    "events deleted up to %d (acked delete %d, requested %d), %s",
                    deletedTo, minDeleted, maxDeleted, where)
                .isBetween(minDeleted, Math.max(minDeleted, maxDeleted));
            // what this recovery saw is now the floor: a later recovery may not see less
            highest.put(pid, recovered);
            ackedDelete.put(pid, deletedTo);
            requestedDelete.merge(pid, deletedTo, Math::max);
            lastInRun.put(pid, recovered);
            recoveriesChecked++;
          }
          case "A" -> {
            String pid = f[1];
            long seqNr = Long.parseLong(f[2]);
            assertThat(seqNr).as("acks increase, %s", where).isGreaterThan(lastInRun.get(pid));
            lastInRun.put(pid, seqNr);
            highest.merge(pid, seqNr, Math::max);
            totalAcks++;
          }
          case "d" -> requestedDelete.merge(f[1], Long.parseLong(f[2]), Math::max);
          case "D" -> {
            ackedDelete.merge(f[1], Long.parseLong(f[2]), Math::max);
            deletes++;
          }
          case "C" -> compacted = Math.max(compacted, Long.parseLong(f[1]));
          default -> {
            // OPENED, READY
          }
        }
      }
      return compacted;
    }
  }
}
