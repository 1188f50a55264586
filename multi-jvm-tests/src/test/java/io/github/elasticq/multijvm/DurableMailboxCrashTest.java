package io.github.elasticq.multijvm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Kill -9 of a {@code DurableMailbox}: a child JVM ({@link DurableMailboxChild}) runs {@value
 * #INBOXES} durable mailboxes on the {@code elasticq.journal} (every-write), each fed by a producer
 * that prints {@code S <inbox> <seqNr> <value>} when a message is stored, and an inner behavior
 * that prints {@code P <inbox> <seqNr> <value>} when it processes one. The test SIGKILLs the child
 * after a seeded random delay, restarts it on the same directory, and after the last kill starts it
 * once more in drain mode, which stops producing and waits until every mailbox has processed a last
 * marker message.
 *
 * <p>Checked, per inbox: every stored message was processed at least once by the end; within one
 * incarnation the inner behavior sees consecutive sequence numbers in order, and each incarnation
 * starts at most one past the highest number processed before (nothing skipped); a sequence number
 * always carries the same value (a stored message is never lost and its number reused). Messages
 * processed more than once (at-least-once after a crash) are counted and printed.
 *
 * <p>Run: {@code ./mvnw -pl multi-jvm-tests verify -Dtest=DurableMailboxCrashTest} (10 kills) or
 * {@code -Pcrash-long} (200); {@code -Dcrash.seed=...} repeats a schedule.
 */
class DurableMailboxCrashTest {
  static final int INBOXES = 3;

  /** Most kills land up to this long after the first message was stored. */
  static final int MAX_KILL_DELAY_MS = 700;

  /** The other kills land up to this long after the ActorSystem started: in open or recovery. */
  static final int MAX_EARLY_KILL_DELAY_MS = 300;

  @TempDir Path tmp;

  @Test
  void killedRepeatedly_everyStoredMessageProcessedInOrder() throws Exception {
    CrashSchedule schedule = CrashSchedule.fromSystemProperties("durable mailbox");
    Path dir = tmp.resolve("durable");
    Path stderr = Transcripts.reset("durable-mailbox").resolve("child-stderr.log");
    Ledger ledger = new Ledger(schedule);
    int cyclesWithStores = 0;
    for (int cycle = 0; cycle <= schedule.kills; cycle++) {
      boolean last = cycle == schedule.kills;
      try (ChildJvm child =
          ChildJvm.start(
              DurableMailboxChild.class,
              stderr,
              dir.toString(),
              last ? "drain" : "run",
              Integer.toString(INBOXES))) {
        List<String> lines;
        try {
          child.awaitLine("STARTED", 2, TimeUnit.MINUTES);
          if (last) {
            for (int i = 0; i < INBOXES; i++) {
              child.awaitLine("DRAINED inbox-" + i, 2, TimeUnit.MINUTES);
            }
          } else if (schedule.random.nextInt(5) == 0) {
            Thread.sleep(schedule.delayMillis(MAX_EARLY_KILL_DELAY_MS));
          } else {
            child.awaitLine("S ", 2, TimeUnit.MINUTES);
            Thread.sleep(schedule.delayMillis(MAX_KILL_DELAY_MS));
          }
        } finally {
          child.kill();
          lines = child.lines();
          Transcripts.write("durable-mailbox", cycle, lines);
        }
        if (ledger.check(cycle, lines) > 0 && !last) {
          cyclesWithStores++;
        }
      }
    }
    ledger.assertEverythingStoredWasProcessed();
    System.out.println(
        "durable mailbox: "
            + schedule.kills
            + " kills, "
            + cyclesWithStores
            + " with stored messages, "
            + ledger.totalStored
            + " stored, "
            + ledger.totalProcessed
            + " processed, "
            + ledger.duplicates()
            + " processed more than once (at-least-once after a crash), highest per inbox "
            + ledger.highestProcessed);
    assertThat(cyclesWithStores)
        .as("kill cycles in which messages were stored, %s", schedule)
        .isGreaterThanOrEqualTo(schedule.kills / 4);
    assertThat(ledger.totalStored).as("stored messages, %s", schedule).isPositive();
  }

  /** What the parent knows about each inbox across all incarnations of the child. */
  static final class Ledger {
    final CrashSchedule schedule;
    final Map<String, TreeMap<Long, String>> valueBySeqNr = new HashMap<>();
    final Map<String, Long> highestProcessed = new TreeMap<>();
    final Map<String, Long> highestStored = new HashMap<>();
    long totalStored;
    long totalProcessed;

    Ledger(CrashSchedule schedule) {
      this.schedule = schedule;
    }

    /** Checks one incarnation's output; returns the number of stored messages in it. */
    int check(int cycle, List<String> lines) {
      Map<String, Long> lastInRun = new HashMap<>();
      int stored = 0;
      for (String line : lines) {
        String[] f = line.split(" ");
        String where = "cycle " + cycle + ", line '" + line + "', " + schedule;
        switch (f[0]) {
          case "X" -> fail("the child reported a failed check: " + where);
          case "S" -> {
            long seqNr = Long.parseLong(f[2]);
            sameValue(f[1], seqNr, f[3], where);
            highestStored.merge(f[1], seqNr, Math::max);
            stored++;
          }
          case "P" -> {
            String inbox = f[1];
            long seqNr = Long.parseLong(f[2]);
            sameValue(inbox, seqNr, f[3], where);
            Long previous = lastInRun.get(inbox);
            if (previous != null) {
              assertThat(seqNr)
                  .as("in order within an incarnation, %s", where)
                  .isEqualTo(previous + 1);
            } else {
              assertThat(seqNr)
                  .as("an incarnation starts at most one past what was processed before, %s", where)
                  .isBetween(1L, highestProcessed.getOrDefault(inbox, 0L) + 1);
            }
            lastInRun.put(inbox, seqNr);
            highestProcessed.merge(inbox, seqNr, Math::max);
            totalProcessed++;
          }
          default -> {
            // STARTED, DRAINED and Pekko's own log lines
          }
        }
      }
      totalStored += stored;
      return stored;
    }

    private void sameValue(String inbox, long seqNr, String value, String where) {
      String known =
          valueBySeqNr.computeIfAbsent(inbox, k -> new TreeMap<>()).putIfAbsent(seqNr, value);
      if (known != null) {
        assertThat(value)
            .as(
                "sequence number %d of %s carries one value (stored message lost?), %s",
                seqNr, inbox, where)
            .isEqualTo(known);
      }
    }

    /**
     * Processed numbers of an inbox form one run {@code 1..highestProcessed} (each incarnation
     * starts at most one past the highest before and moves by one), so every stored number up to it
     * was processed.
     */
    void assertEverythingStoredWasProcessed() {
      assertThat(highestProcessed.keySet())
          .as("inboxes that processed messages, %s", schedule)
          .hasSize(INBOXES);
      for (Map.Entry<String, Long> e : highestStored.entrySet()) {
        assertThat(highestProcessed.getOrDefault(e.getKey(), 0L))
            .as("highest processed of %s vs highest stored, %s", e.getKey(), schedule)
            .isGreaterThanOrEqualTo(e.getValue());
      }
    }

    long duplicates() {
      return totalProcessed - highestProcessed.values().stream().mapToLong(Long::longValue).sum();
    }
  }
}
