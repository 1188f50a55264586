package io.github.elasticq.persistence.wal;

import static io.github.elasticq.persistence.wal.WriteAheadLogTest.write;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link WriteAheadLog#appendsSettled}: what a reader of the highest sequence number waits for, so
 * that a write still under way (one that already failed for its caller, say) is never handed out
 * again. The log keeps it, so every caller sees the appends of every other (a restarted journal
 * actor those of its previous incarnation: {@code JournalRestartRecoveryTest}).
 */
class AppendsSettledTest {
  private static final long WAIT_SECONDS = 30;

  @TempDir Path dir;

  /**
   * Holds the writer thread after the fsync of a group commit, before its records are indexed and
   * its futures complete, as many times as {@link #hold} says: a slow device, made deterministic.
   */
  static final class Hold implements WalListener {
    private final Semaphore entered = new Semaphore(0);
    private final Semaphore released = new Semaphore(0);
    private volatile int holds;

    void hold(int commits) {
      holds = commits;
    }

    /** Waits until the writer holds the next commit. */
    void awaitHeld() throws InterruptedException {
      assertThat(entered.tryAcquire(WAIT_SECONDS, TimeUnit.SECONDS))
          .as("the writer reached a held commit")
          .isTrue();
    }

    void release() {
      released.release();
    }

    @Override
    public void recordsSynced(long records) {
      if (holds > 0) {
        holds--;
        entered.release();
        try {
          released.tryAcquire(WAIT_SECONDS, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }
    }
  }

  private WriteAheadLog open() throws IOException {
    return WriteAheadLog.open(
        WalSettings.builder(dir)
            .syncMode(SyncMode.EVERY_WRITE)
            .preallocate(0)
            .compactionEnabled(false)
            .build());
  }

  @Test
  void settled_waitsForEveryAppendOfTheIdUnderWay_thenTheHighestReflectsThem() throws Exception {
    try (WriteAheadLog wal = open()) {
      assertThat(wal.appendsSettled("a")).as("nothing ever written").isDone();
      wal.append(write("a", 1, 1)).get();
      assertThat(wal.appendsSettled("a")).as("nothing under way").isDone();

      Hold hold = new Hold();
      wal.setListener(hold);
      hold.hold(2);
      CompletableFuture<Void> first = wal.append(write("a", 2, 2));
      hold.awaitHeld(); // commit 1 (seq 2) is forced, not yet indexed
      CompletableFuture<Void> second = wal.append(write("a", 3, 4)); // queued behind it
      CompletableFuture<Void> other = wal.append(write("b", 1, 1));
      CompletableFuture<Void> settled = wal.appendsSettled("a");
      assertThat(settled).isNotDone();
      assertThat(wal.highestSequenceNr("a")).isEqualTo(1);

      hold.release(); // commit 1 done; commit 2 (seq 3 - 4 and b) is held in its turn
      hold.awaitHeld();
      assertThat(first).isCompleted();
      assertThat(wal.highestSequenceNr("a")).isEqualTo(2);
      assertThat(settled).as("the later append of a is still under way").isNotDone();
      assertThat(wal.appendsSettled("b")).isNotDone();

      hold.release();
      settled.get(WAIT_SECONDS, TimeUnit.SECONDS);
      assertThat(second).isCompleted();
      assertThat(wal.highestSequenceNr("a")).isEqualTo(4);
      other.get(WAIT_SECONDS, TimeUnit.SECONDS);
      assertThat(wal.appendsSettled("a")).isDone();
      assertThat(wal.appendsSettled("b")).isDone();
    }
  }

  @Test
  void settled_completesNormallyWhenAnAppendFails_andCannotBeCompletedForTheLog() throws Exception {
    try (WriteAheadLog wal = open()) {
      wal.append(write("a", 1, 1)).get();
      Hold hold = new Hold();
      wal.setListener(hold);
      hold.hold(1);
      CompletableFuture<Void> stored = wal.append(write("a", 2, 2));
      hold.awaitHeld();
      CompletableFuture<Void> failing = wal.append(write("a", 3, 3));
      CompletableFuture<Void> settled = wal.appendsSettled("a");
      // a caller completing its own future (a timeout, say) must not end the log's wait
      settled.complete(null);
      CompletableFuture<Void> settledAgain = wal.appendsSettled("a");
      assertThat(settledAgain).isNotDone();
      WalTestHooks.breakActiveChannel(wal); // the next commit, seq 3, fails to write
      hold.release();

      assertThat(settledAgain.get(WAIT_SECONDS, TimeUnit.SECONDS)).isNull();
      stored.get(WAIT_SECONDS, TimeUnit.SECONDS);
      assertThatThrownBy(() -> failing.get(WAIT_SECONDS, TimeUnit.SECONDS))
          .isInstanceOf(ExecutionException.class)
          .hasCauseInstanceOf(IOException.class);
      assertThat(wal.highestSequenceNr("a")).isEqualTo(2);
      assertThat(wal.appendsSettled("a")).isDone();
    }
  }

  @Test
  void settled_onAClosedLog_isDone() throws Exception {
    WriteAheadLog wal = open();
    wal.close();
    CompletableFuture<Void> refused = wal.append(write("a", 1, 1));
    assertThat(refused).isCompletedExceptionally();
    assertThat(wal.appendsSettled("a")).isDone();
    assertThat(wal.appendsSettled("a").isCompletedExceptionally()).isFalse();
  }
}
