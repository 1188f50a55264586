package io.github.elasticq.multijvm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Kill -9 crash recovery of the {@code elasticq.journal} through Pekko Persistence: a child JVM
 * ({@link PersistingChild}) runs {@value #ENTITIES} persistent actors that persist sequential
 * events; the test kills it with SIGKILL after a seeded random delay, restarts it on the same
 * directory, and checks what each actor's recovery replayed.
 *
 * <p>The property checked, per persistence id, after every kill: the replay is exactly {@code 1..H}
 * in order (no gap, no duplicate, no reordering; the child also checks that each event's payload
 * carries its own sequence number), and {@code H} is at least the highest sequence number ever
 * acknowledged (an {@code A} line the parent read before the kill) and at least every {@code H}
 * recovered before. Events beyond the last acknowledgement may or may not be there.
 *
 * <p>What {@code reference.conf} promises for a <em>process</em> crash is the same in every sync
 * mode: nothing acknowledged is lost (in {@code periodic} and {@code no-sync} an acknowledged write
 * is in the OS page cache, which survives the process). Only an OS crash or power loss separates
 * the modes, and a test cannot cause one; so both tests check the same property.
 *
 * <p>Run: {@code ./mvnw -pl multi-jvm-tests verify} (10 kills per test) or {@code -Pcrash-long}
 * (200); {@code -Dcrash.seed=...} repeats a schedule.
 */
class JournalCrashRecoveryTest {
  static final int ENTITIES = 5;

  /** Most kills land up to this long after the first actor recovered, while events are written. */
  static final int MAX_KILL_DELAY_MS = 700;

  /** The other kills land up to this long after the ActorSystem started: in open or recovery. */
  static final int MAX_EARLY_KILL_DELAY_MS = 300;

  @TempDir Path tmp;

  @Test
  void everyWrite_killedRepeatedly_replaysEveryAcknowledgedEventOnceInOrder() throws Exception {
    // the default: no preallocation (the 4KiB variant below preallocates)
    killAndRecoverRepeatedly("every-write", null);
  }

  /**
   * Small preallocation chunks: the background extension runs every few kilobytes, so kills land
   * while zeros are written ahead, and recovery meets zero tails of every length.
   */
  @Test
  void everyWrite_preallocatingInSmallChunks_killedRepeatedly_losesNothingAcknowledged()
      throws Exception {
    killAndRecoverRepeatedly("every-write", "4KiB");
  }

  @Test
  void periodic_killedRepeatedly_losesNothingAcknowledgedOnProcessCrash() throws Exception {
    killAndRecoverRepeatedly("periodic", null);
  }

  private void killAndRecoverRepeatedly(String syncMode, String preallocate) throws Exception {
    String name = "journal-" + syncMode + (preallocate == null ? "" : "-prealloc-" + preallocate);
    CrashSchedule schedule = CrashSchedule.fromSystemProperties(name);
    Path dir = tmp.resolve(name);
    Path stderr = Transcripts.reset(name).resolve("child-stderr.log");
    Ledger ledger = new Ledger(schedule);
    int cyclesWithAcks = 0;
    for (int cycle = 0; cycle <= schedule.kills; cycle++) {
      boolean last = cycle == schedule.kills;
      try (ChildJvm child =
          ChildJvm.start(PersistingChild.class, stderr, childArgs(dir, syncMode, preallocate))) {
        List<String> lines;
        try {
          child.awaitLine("STARTED", 2, TimeUnit.MINUTES);
          if (last) {
            // the final start only recovers: every id must report what it replayed
            for (int i = 0; i < ENTITIES; i++) {
              child.awaitLine("R entity-" + i + " ", 2, TimeUnit.MINUTES);
            }
          } else if (schedule.random.nextInt(5) == 0) {
            // one kill in five lands early: while the journal opens or the actors recover
            Thread.sleep(schedule.delayMillis(MAX_EARLY_KILL_DELAY_MS));
          } else {
            child.awaitLine("R ", 2, TimeUnit.MINUTES);
            Thread.sleep(schedule.delayMillis(MAX_KILL_DELAY_MS));
          }
        } finally {
          child.kill();
          lines = child.lines();
          Transcripts.write(name, cycle, lines);
        }
        int acks = ledger.check(cycle, lines);
        if (acks > 0 && !last) {
          cyclesWithAcks++;
        }
      }
    }
    System.out.println(
        name
            + ": "
            + schedule.kills
            + " kills, "
            + cyclesWithAcks
            + " with acknowledged events, "
            + ledger.recoveriesChecked
            + " recoveries checked, "
            + ledger.totalAcks
            + " acknowledged events, highest "
            + ledger.highest
            + ", journal "
            + directorySize(dir)
            + " bytes");
    // The checks above can only fail if the children did real work: make sure they did.
    assertThat(ledger.recoveriesChecked)
        .as("recoveries checked, %s", schedule)
        .isGreaterThanOrEqualTo(ENTITIES);
    assertThat(cyclesWithAcks)
        .as("kill cycles in which events were acknowledged, %s", schedule)
        .isGreaterThanOrEqualTo(schedule.kills / 4);
    assertThat(ledger.highest.values())
        .as("final recovered highest sequence numbers, %s", schedule)
        .allMatch(h -> h > 0);
  }

  private static String[] childArgs(Path dir, String syncMode, String preallocate) {
    String entities = Integer.toString(ENTITIES);
    return preallocate == null
        ? new String[] {dir.toString(), syncMode, entities}
        : new String[] {dir.toString(), syncMode, entities, preallocate};
  }

  private static long directorySize(Path dir) throws java.io.IOException {
    try (var files = Files.list(dir)) {
      return files.mapToLong(p -> p.toFile().length()).sum();
    }
  }

  /** What the parent knows about each persistence id across all incarnations of the child. */
  static final class Ledger {
    final CrashSchedule schedule;

    /** Highest sequence number the journal must still hold: max of acks and earlier recoveries. */
    final Map<String, Long> highest = new HashMap<>();

    int recoveriesChecked;
    long totalAcks;

    Ledger(CrashSchedule schedule) {
      this.schedule = schedule;
    }

    /** Checks one incarnation's output; returns the number of acknowledgements in it. */
    int check(int cycle, List<String> lines) {
      Map<String, Long> lastInRun = new HashMap<>();
      int acks = 0;
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
            assertThat(lastInRun).as("recovery after persisting, %s", where).doesNotContainKey(pid);
            assertThat(recovered)
                .as(
                    "recovered highest vs acknowledged or earlier recovered %d, %s",
                    mustHave, where)
                .isGreaterThanOrEqualTo(mustHave);
            if (recovered == 0) {
              assertThat(runs).as("replay of an empty id, %s", where).isEmpty();
            } else {
              assertThat(runs)
                  .as("replayed runs must be the single run 1-%d, %s", recovered, where)
                  .hasSize(1);
              assertThat(runs.get(0)).as(where).containsExactly(1L, recovered);
            }
            highest.put(pid, recovered);
            lastInRun.put(pid, recovered);
            recoveriesChecked++;
          }
          case "A" -> {
            String pid = f[1];
            long seqNr = Long.parseLong(f[2]);
            Long previous = lastInRun.get(pid);
            assertThat(previous).as("an ack before recovery finished, %s", where).isNotNull();
            assertThat(seqNr).as("acks are sequential, %s", where).isEqualTo(previous + 1);
            lastInRun.put(pid, seqNr);
            highest.merge(pid, seqNr, Math::max);
            acks++;
          }
          default -> {
            // STARTED and Pekko's own log lines
          }
        }
      }
      totalAcks += acks;
      return acks;
    }
  }
}
