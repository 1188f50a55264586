package io.github.elasticq.persistence.wal;

import static io.github.elasticq.persistence.wal.WriteAheadLogTest.write;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Close and failure paths of the write-ahead log found by an audit: close racing a periodic fsync,
 * a listener's Error in the periodic sync, the final force of a no-sync log, and a full disk at a
 * segment roll (on a real 1 MiB tmpfs in a child JVM).
 */
class WalCloseAndFailureTest {
  @TempDir Path dir;

  /**
   * close() used to stop the periodic sync with an interrupt, which closed the active segment's
   * channel under a running fsync: close then threw ClosedChannelException before its final force
   * (41 of 150 trials). Writes keep coming while it closes.
   */
  @Test
  void periodicLog_closedUnderLoad_forcesAndDoesNotThrow() throws Exception {
    for (int t = 0; t < 60; t++) {
      RecordingLogger log = new RecordingLogger();
      WriteAheadLog wal =
          WriteAheadLog.open(
              WriteAheadLogTest.settings(dir.resolve("t" + t))
                  .syncMode(SyncMode.PERIODIC)
                  .syncInterval(Duration.ofMillis(1))
                  .logger(log)
                  .build());
      AtomicBoolean stop = new AtomicBoolean();
      Thread app =
          new Thread(
              () -> {
                for (long seq = 1; !stop.get(); seq++) {
                  try {
                    wal.append(write("a", seq, seq)).get();
                  } catch (Exception closed) {
                    return;
                  }
                }
              });
      app.start();
      Thread.sleep(20);
      long before = wal.stats().fsyncs();
      try {
        wal.close();
      } finally {
        stop.set(true);
        app.join();
      }
      assertThat(wal.stats().fsyncs()).as("trial %d: the final force", t).isGreaterThan(before);
      assertThat(log.all()).as("trial %d", t).doesNotContain("ClosedByInterruptException");
    }
  }

  /**
   * close() called on a thread whose interrupt status is set (a shutdown hook, an interrupted actor
   * system's thread): the final forces must not run with it set, or the channel is closed by the
   * interrupt and the force is lost; the status is set again when close returns.
   */
  @Test
  void close_onAnInterruptedThread_forcesAndKeepsTheInterrupt() throws Exception {
    WriteAheadLog wal =
        WriteAheadLog.open(
            WriteAheadLogTest.settings(dir).syncMode(SyncMode.NO_SYNC).segmentSize(4096).build());
    for (int i = 1; i <= 100; i++) {
      wal.append(write("a", i, i)).get();
    }
    long before = wal.stats().fsyncs();
    Thread.currentThread().interrupt();
    try {
      wal.close();
      assertThat(Thread.currentThread().isInterrupted()).as("the status is kept").isTrue();
    } finally {
      Thread.interrupted(); // never leak the flag into other tests
    }
    assertThat(wal.stats().fsyncs() - before).as("forces at close").isGreaterThan(1);
    try (WriteAheadLog reopened = WriteAheadLog.open(WriteAheadLogTest.settings(dir).build())) {
      assertThat(reopened.highestSequenceNr("a")).isEqualTo(100);
    }
  }

  /**
   * close() from an append's completion callback runs on the writer thread, which close() waits
   * for: it hung for ever, with the log half closed (no writes taken, no final force, the directory
   * lock held). It is refused naming the thread, and the log goes on.
   */
  @Test
  void close_fromAnAppendsCompletionCallback_isRefused_andTheLogGoesOn() throws Exception {
    WriteAheadLog wal = WriteAheadLog.open(WriteAheadLogTest.settings(dir).build());
    long seq = 0;
    try {
      // A callback attached after the append completed runs on the attaching thread, not on the
      // writer: appends until one callback runs on the writer (almost always the first, since an
      // every-write append waits for its fsync).
      Object outcome = null;
      while (outcome == null && seq < 100) {
        seq++;
        CompletableFuture<Object> called = new CompletableFuture<>();
        wal.append(write("a", seq, seq))
            .whenComplete(
                (r, e) -> {
                  if (!Thread.currentThread().getName().startsWith("elasticq-wal-writer")) {
                    called.complete("not on the writer thread");
                    return;
                  }
                  try {
                    wal.close();
                    called.complete("closed on the writer thread");
                  } catch (Throwable t) {
                    called.complete(t);
                  }
                });
        Object o = called.get(10, TimeUnit.SECONDS); // the old close() never returned here
        if (!"not on the writer thread".equals(o)) {
          outcome = o;
        }
      }
      assertThat(outcome)
          .as("close() on the writer thread, after " + seq + " appends")
          .isInstanceOf(IllegalStateException.class);
      assertThat(((Throwable) outcome).getMessage())
          .contains("writer thread")
          .contains("completion callback");
      seq++;
      wal.append(write("a", seq, seq)).get(10, TimeUnit.SECONDS);
    } finally {
      wal.close();
    }
    try (WriteAheadLog reopened = WriteAheadLog.open(WriteAheadLogTest.settings(dir).build())) {
      assertThat(reopened.highestSequenceNr("a")).isEqualTo(seq);
    }
  }

  /**
   * An Error thrown by a listener during the periodic sync used to escape the scheduled task, which
   * cancelled every later periodic fsync, silently. WalListener promises its exceptions are
   * ignored.
   */
  @Test
  void periodicSync_goesOnAfterAListenerError() throws Exception {
    try (WriteAheadLog wal =
        WriteAheadLog.open(
            WriteAheadLogTest.settings(dir)
                .syncMode(SyncMode.PERIODIC)
                .syncInterval(Duration.ofMillis(5))
                .logger(new RecordingLogger())
                .build())) {
      AtomicBoolean thrown = new AtomicBoolean();
      wal.setListener(
          new WalListener() {
            @Override
            public void recordsSynced(long records) {
              if (thrown.compareAndSet(false, true)) {
                throw new AssertionError("listener bug");
              }
            }
          });
      wal.append(write("a", 1, 1)).get();
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
      while (!thrown.get() && System.nanoTime() < deadline) {
        Thread.sleep(5);
      }
      assertThat(thrown).as("the listener was called").isTrue();
      long fsyncs = wal.stats().fsyncs();
      wal.append(write("a", 2, 2)).get();
      while (wal.stats().fsyncs() == fsyncs && System.nanoTime() < deadline) {
        Thread.sleep(5);
      }
      assertThat(wal.stats().fsyncs()).as("a periodic fsync after the Error").isGreaterThan(fsyncs);
    }
  }

  /**
   * A no-sync log is forced at close: every segment it sealed, not only the active one (close used
   * to make one fsync for any number of segments).
   */
  @Test
  void noSyncLog_closeForcesEverySealedSegment() throws Exception {
    WriteAheadLog wal =
        WriteAheadLog.open(
            WriteAheadLogTest.settings(dir).syncMode(SyncMode.NO_SYNC).segmentSize(4096).build());
    for (int i = 1; i <= 300; i++) {
      wal.append(write("a", i, i)).get();
    }
    int segments = wal.segmentFiles().size();
    assertThat(segments).isGreaterThan(3);
    assertThat(wal.stats().fsyncs()).as("no-sync: nothing forced before close").isZero();
    wal.close();
    assertThat(wal.stats().fsyncs()).as("forces at close").isGreaterThanOrEqualTo(segments);
  }

  /**
   * A full disk at a segment roll used to leave a new segment file without its header, and once
   * later rolls put segments after it, the next open refused the log as corrupt. Run in a child JVM
   * in its own mount namespace on a 1 MiB tmpfs (needs unshare and mount: skipped where the machine
   * does not allow them).
   */
  @Test
  void diskFullAtARoll_leavesNoHeaderlessSegment_andTheLogReopens() throws Exception {
    Path mnt = Files.createDirectories(dir.resolve("small"));
    String out =
        runProbeInMountNamespace(
            "mount -t tmpfs -o size=1m tmpfs \"$0\"", mnt, "\"$0\"", DiskFullProbe.class);
    assertThat(out).contains("FIRST-FAILURE java.").contains("EMPTY-SEGMENTS 0");
    assertThat(out).contains("REOPENED highest=").doesNotContain("FAILED");
    String highest = out.replaceAll("(?s).*REOPENED highest=(\\d+) appended=(\\d+).*", "$1 $2");
    String[] pair = highest.split(" ");
    assertThat(pair[0])
        .as("highest after reopen, against what was appended: " + out)
        .isEqualTo(pair[1]);
  }

  /**
   * A failed periodic fsync used to be reported by the health check only until the next group
   * commit, a few milliseconds later: in periodic mode that commit only reaches the page cache, so
   * the log reported itself healthy while nothing was being made durable. Nor does a later sync
   * that succeeds clear it: the kernel drops the pages it could not write back ("lost async page
   * write"), so the events acknowledged before the failure may be gone from the disk. Run in a
   * child JVM on a real failing fsync: ext4 on a loop image larger than the tmpfs under it, then
   * room again (needs unshare, mount, a loop device and mkfs.ext4: skipped where the machine does
   * not allow them).
   */
  @Test
  void failedPeriodicSync_isStillReportedAfterAWriteAndAfterALaterSyncSucceed() throws Exception {
    Path root = Files.createDirectories(dir.resolve("loop"));
    Files.createDirectories(root.resolve("back"));
    Files.createDirectories(root.resolve("fs"));
    String out =
        runProbeInMountNamespace(
            loopExt4("4m")
                + " && dd if=/dev/zero of=\"$0/back/filler\" bs=64k count=16 2>/dev/null",
            root,
            "\"$0/fs\" \"$0/back/filler\"",
            SyncFailureProbe.class);
    assertThat(out).as(out).contains("SYNC-FAILURE java.io.IOException").contains("periodic sync");
    assertThat(out).as(out).contains("APPEND-AFTER ok");
    assertThat(out)
        .as("the health right after a write that reached the page cache: " + out)
        .containsPattern("FAILURE-AFTER-APPEND java.io.IOException: write-ahead log .* periodic");
    assertThat(out).as(out).contains("SYNCED-AGAIN true");
    assertThat(out)
        .as("the health after a later periodic sync succeeded: " + out)
        .containsPattern("FAILURE-AFTER-SYNC java.io.IOException: write-ahead log .* periodic");
  }

  /**
   * In periodic mode a segment's seal at a roll forces records acknowledged since the last periodic
   * sync: its failure is a sync failure, reported until the log is reopened, even after a later
   * seal succeeded. On the failing fsync of {@link
   * #failedPeriodicSync_isStillReportedAfterAWriteAndAfterALaterSyncSucceed}, with no periodic sync
   * within the run, so the first fsync is a seal.
   */
  @Test
  void failedSealAtARoll_isStillReportedAfterALaterSealSucceeds() throws Exception {
    String out = runSyncFailure("seal");
    Assumptions.assumeFalse(
        out.contains("NO-FAILURE"),
        "in six tries the kernel failed a new segment's creation, never a seal: " + out);
    assertThat(out)
        .as("the health after a write that followed the failed seal: " + out)
        .containsPattern("SYNC-FAILURE java.io.IOException: write-ahead log .* sealed segment");
    assertThat(out).as(out).contains("SEALED-AGAIN true");
    assertThat(out)
        .as("the health after a later seal succeeded: " + out)
        .containsPattern(
            "FAILURE-AFTER-SYNC java.io.IOException: write-ahead log .* sealed segment");
  }

  /**
   * Compaction forces the segment holding a tombstone before it removes what the tombstone killed;
   * when that force fails, nothing is removed, and the failure is reported until the log is
   * reopened (a compaction that succeeds later does not clear it).
   */
  @Test
  void failedCompactionForce_removesNothing_andIsReported() throws Exception {
    String out = runSyncFailure("compaction");
    assertThat(out).as(out).contains("APPEND-B ok").contains("COMPACT java.io.IOException");
    assertThat(out)
        .as(out)
        .containsPattern("FAILURE java.io.IOException: write-ahead log .* compaction's fsync");
    String counts = out.replaceAll("(?s).*SEGMENTS (\\d+) (\\d+).*", "$1 $2");
    String[] pair = counts.split(" ");
    assertThat(pair[1]).as("segments after the failed compaction: " + out).isEqualTo(pair[0]);
    assertThat(out).as(out).containsPattern("COMPACT-AGAIN [1-9]");
    assertThat(out)
        .as(out)
        .containsPattern(
            "FAILURE-AFTER-COMPACTION java.io.IOException: write-ahead log .* compaction's fsync");
  }

  /** Runs {@link SyncFailureProbe}'s {@code mode} on ext4 over a loop image on a 16 MiB tmpfs. */
  private String runSyncFailure(String mode) throws Exception {
    Path root = Files.createDirectories(dir.resolve("loop-" + mode));
    Files.createDirectories(root.resolve("back"));
    Files.createDirectories(root.resolve("fs"));
    return runProbeInMountNamespace(
        loopExt4("16m"), root, "\"$0/fs\" \"$0/back/filler\" " + mode, SyncFailureProbe.class);
  }

  /**
   * Compaction made the records a tombstone had killed durably gone while the tombstone itself was
   * not durable yet (periodic mode, the active segment): a power loss then lost both, and the
   * deleted id's highest sequence number went down (a restarted actor would reuse its numbers). The
   * power loss is real as far as the disk goes: the log runs on ext4 over a loop image, and a copy
   * of the image taken before anything else is synced is opened by a second JVM.
   */
  @Test
  void powerLossAfterCompaction_keepsTheHighestOfADeletedId() throws Exception {
    String out = afterPowerLoss("compaction");
    assertThat(out).as(out).containsPattern("BEFORE-CRASH a=200 compacted=[1-9]");
    assertThat(out)
        .as("the deleted id's highest after the power loss: " + out)
        .contains("HIGHEST a=200 ");
  }

  /**
   * A compaction that rewrites a segment forces the new file before it renames it over the old one:
   * after a power loss right after the pass, the live events it copied are all there.
   */
  @Test
  void powerLossAfterCompactionRewrite_keepsTheLiveEventsItCopied() throws Exception {
    String out = afterPowerLoss("compaction-rewrite");
    assertThat(out).as(out).containsPattern("BEFORE-CRASH b=100 compacted=[1-9]");
    assertThat(out)
        .as("after the power loss: " + out)
        .contains("HIGHEST a=100 b=100 COUNT a=0 b=100");
  }

  /**
   * Every-write's promise (nothing acknowledged is lost, also by an OS crash or power loss), across
   * segment rolls: the disk after a power loss (see the test above) holds every acknowledged event.
   */
  @Test
  void everyWrite_powerLoss_losesNothingAcknowledged_acrossRolls() throws Exception {
    String out = afterPowerLoss("every-write");
    assertThat(out).as(out).containsPattern("BEFORE-CRASH a=500 segments=([2-9]|[1-9][0-9]+)");
    assertThat(out).as("after the power loss: " + out).contains("HIGHEST a=500 ");
  }

  /**
   * As above, with group commits that span a roll: the records a batch wrote to the segment it
   * seals are forced with that segment, before the batch's own force of the new one; else the power
   * loss leaves a gap in the middle of the acknowledged events.
   */
  @Test
  void everyWrite_powerLoss_losesNothingAcknowledged_whenABatchSpansARoll() throws Exception {
    String out = afterPowerLoss("every-write-batched");
    assertThat(out).as(out).containsPattern("BEFORE-CRASH a=500 segments=([2-9]|[1-9][0-9]+)");
    assertThat(out).as("after the power loss: " + out).contains("HIGHEST a=500 ");
    assertThat(out).as("after the power loss: " + out).contains("COUNT a=500");
  }

  /**
   * Periodic's promise: a power loss loses at most what was acknowledged since the last periodic
   * sync. 100 appends, a sync that covers them, 10 more: at least the 100 are on the disk after.
   */
  @Test
  void periodic_powerLoss_keepsWhatTheLastSyncCovered() throws Exception {
    String out = afterPowerLoss("periodic");
    assertThat(out).as(out).containsPattern("BEFORE-CRASH a=110 synced=(10[0-9]|110)");
    String highest = out.replaceAll("(?s).*HIGHEST a=(\\d+) .*", "$1");
    assertThat(Long.parseLong(highest)).as("after the power loss: " + out).isBetween(100L, 110L);
  }

  /**
   * A log reopened after a kill makes durable what it recovered before it takes writes: a no-sync
   * run killed (its records in the page cache, never forced), then an every-write run that replays
   * them and acknowledges event 101 as durable, then a power loss. Every-write forced only the
   * active segment, so the sealed segments of the killed run were lost with the power while the
   * event written after them was kept: the log the power loss left did not open (a damaged sealed
   * segment), or opened with event 101 and without the events before it, which the second run had
   * replayed (and an actor had built its state and its snapshots on).
   */
  @Test
  void reopenedAfterAKill_makesWhatItRecoveredDurable_beforeItAcknowledgesMore() throws Exception {
    String out = afterPowerLoss("no-sync-killed", "reopen-every-write");
    assertThat(out).as(out).containsPattern("KILLED a=100 segments=([2-9]|[1-9][0-9]+)");
    assertThat(out).as(out).contains("REOPENED a=100").contains("BEFORE-CRASH a=101");
    assertThat(out).as("after the power loss: " + out).contains("HIGHEST a=101 ");
    assertThat(out).as("after the power loss: " + out).contains("COUNT a=101");
  }

  /**
   * The harness's negative control: a no-sync log forces nothing, and the disk after the power loss
   * lacks what was appended (if this failed, the copy would not be a power loss and the tests above
   * could not fail).
   */
  @Test
  void noSync_powerLoss_losesWhatWasNeverForced() throws Exception {
    String out = afterPowerLoss("no-sync");
    assertThat(out).as(out).contains("BEFORE-CRASH a=100");
    assertThat(out).as("the log opens after the power loss: " + out).contains("HIGHEST a=");
    String highest = out.replaceAll("(?s).*HIGHEST a=(\\d+) .*", "$1");
    assertThat(Long.parseLong(highest)).as("after the power loss: " + out).isLessThan(100L);
  }

  /**
   * Runs {@link PowerLossProbe}'s {@code scenario} on a loop-mounted ext4, then reads the copy;
   * aborts the test if the never-forced canary reached the copy (the copy is then no power loss).
   */
  private String afterPowerLoss(String scenario) throws Exception {
    return afterPowerLoss(null, scenario);
  }

  /** As above, after {@code killedRun} (a probe scenario that ends in a halt) if not null. */
  private String afterPowerLoss(String killedRun, String scenario) throws Exception {
    String out = runPowerLoss(killedRun, scenario);
    Assumptions.assumeTrue(
        out.contains("CANARY absent"),
        "the kernel wrote dirty pages back during the scenario, so the copy is not the disk after a"
            + " power loss: "
            + out);
    return out;
  }

  private String runPowerLoss(String killedRun, String scenario) throws Exception {
    Path root = Files.createDirectories(dir.resolve("power"));
    for (String d : new String[] {"back", "fs", "crash"}) {
      Files.createDirectories(root.resolve(d));
    }
    return runProbeInMountNamespace(
        loopExt4("160m"),
        root,
        (killedRun == null ? "" : killedRun + " \"$0/fs\" && \"$1\" -cp \"$2\" \"$3\" ")
            + scenario
            + " \"$0/fs\" \"$0/back/img\" \"$0/back/crash.img\""
            + " && mount -o loop \"$0/back/crash.img\" \"$0/crash\""
            + " && \"$1\" -cp \"$2\" \"$3\" read \"$0/crash\"",
        PowerLossProbe.class);
  }

  /**
   * Shell text that mounts a 64 MiB ext4 (no journal: its own journal would abort on a failed
   * write-back) from the image $0/back/img, on a tmpfs of {@code tmpfsSize} at $0/back, at $0/fs.
   */
  private static String loopExt4(String tmpfsSize) {
    return "mount -t tmpfs -o size="
        + tmpfsSize
        + " tmpfs \"$0/back\" && truncate -s 64M \"$0/back/img\""
        + " && mkfs.ext4 -q -O ^has_journal \"$0/back/img\""
        + " && mount -o loop \"$0/back/img\" \"$0/fs\"";
  }

  /**
   * Runs {@code setup} (a shell command given the directory as $0) in a new mount namespace, then
   * {@code probe}'s main in a child JVM in that namespace; {@code probeArgs} is shell text after
   * the class name ($1 $2 $3 are java, the class path and the class, for a later command). Skips
   * the test where the machine does not allow the setup.
   */
  private static String runProbeInMountNamespace(
      String setup, Path root, String probeArgs, Class<?> probe) throws Exception {
    String tried = run("unshare", "-m", "sh", "-c", setup, root.toString());
    if ("true".equals(System.getenv("CI"))) {
      // CI provides them (.ci/run runs as root and installs e2fsprogs): a skip would hide a gap
      assertThat(tried).as("setup under CI=true: " + setup).startsWith("rc=0");
    }
    Assumptions.assumeTrue(tried.startsWith("rc=0"), "not allowed or not installed here: " + setup);
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    return run(
        "unshare",
        "-m",
        "sh",
        "-c",
        setup + " && \"$1\" -cp \"$2\" \"$3\" " + probeArgs,
        root.toString(),
        java,
        System.getProperty("java.class.path"),
        probe.getName());
  }

  private static String run(String... command) throws IOException, InterruptedException {
    Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!p.waitFor(2, TimeUnit.MINUTES)) {
      p.destroyForcibly();
      throw new AssertionError("timed out: " + String.join(" ", command) + "\n" + out);
    }
    return "rc=" + p.exitValue() + "\n" + out;
  }
}
