package io.github.elasticq.examples.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The demo's loss accounting across runs of one data directory. Acknowledged messages that the
 * journal lost from its end (an fsync that never reached the disk) were invisible to it: the inbox
 * numbers new messages after what its journal holds, so they filled the lost numbers, and the demo
 * printed "lost: 0" (found by an audit that cut the journal file short between a crash and the
 * recovery).
 */
class LedgerTest {
  @TempDir Path dir;

  @Test
  void numbersAcknowledgedBeforeAndGivenAgain_countAsLostFromTheJournal() throws Exception {
    try (Ledger first = new Ledger(dir, "inbox")) {
      for (long seqNr = 1; seqNr <= 10; seqNr++) {
        first.accepted(seqNr);
      }
      for (long seqNr = 1; seqNr <= 5; seqNr++) {
        first.processed(seqNr);
      }
    }
    // the journal came back with 1..5 only: the next new message is numbered 6
    try (Ledger second = new Ledger(dir, "inbox")) {
      assertThat(second.acceptedAtStart()).isEqualTo(10);
      second.accepted(6);
      second.processed(6);
      second.accepted(7);
      second.processed(7);
      assertThat(second.gaps()).as("the ledger itself has no gap").isZero();
      assertThat(second.lostFromTheJournal()).as("6..10 of the first run").isEqualTo(5);
    }
  }

  @Test
  void aJournalThatKeptEverything_losesNothing() throws Exception {
    try (Ledger first = new Ledger(dir, "inbox")) {
      for (long seqNr = 1; seqNr <= 10; seqNr++) {
        first.accepted(seqNr);
        first.processed(seqNr);
      }
    }
    try (Ledger second = new Ledger(dir, "inbox")) {
      assertThat(second.lostFromTheJournal()).as("nothing acknowledged yet in this run").isZero();
      second.accepted(11);
      assertThat(second.lostFromTheJournal()).isZero();
    }
  }
}
