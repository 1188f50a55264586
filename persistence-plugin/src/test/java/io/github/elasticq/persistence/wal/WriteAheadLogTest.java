package io.github.elasticq.persistence.wal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class WriteAheadLogTest {
  @TempDir Path dir;

  static WalSettings.Builder settings(Path dir) {
    return WalSettings.builder(dir).compactionEnabled(false);
  }

  static byte[] payload(String pid, long seq) {
    return String.format("%s:%08d", pid, seq).getBytes(StandardCharsets.UTF_8);
  }

  static WalWrite write(String pid, long from, long to) {
    List<WalEvent> events = new ArrayList<>();
    for (long s = from; s <= to; s++) {
      events.add(WalEvent.of(pid, s, payload(pid, s)));
    }
    return WalWrite.of(events);
  }

  static List<Long> seqs(WriteAheadLog wal, String pid, long from, long to, long max)
      throws IOException {
    List<Long> out = new ArrayList<>();
    wal.replay(
        pid,
        from,
        to,
        max,
        e -> {
          assertThat(e.payload()).isEqualTo(payload(pid, e.sequenceNr()));
          out.add(e.sequenceNr());
        });
    return out;
  }

  static List<Long> range(long from, long to) {
    List<Long> l = new ArrayList<>();
    for (long s = from; s <= to; s++) {
      l.add(s);
    }
    return l;
  }

  @Test
  void replay_respectsFromToAndMax() throws Exception {
    try (WriteAheadLog wal = WriteAheadLog.open(settings(dir).build())) {
      wal.append(write("a", 1, 10)).get();
      wal.append(List.of(write("b", 1, 3), write("a", 11, 12))).get();
      assertThat(seqs(wal, "a", 1, Long.MAX_VALUE, Long.MAX_VALUE)).isEqualTo(range(1, 12));
      assertThat(seqs(wal, "a", 3, 7, Long.MAX_VALUE)).isEqualTo(range(3, 7));
      assertThat(seqs(wal, "a", 3, 7, 2)).isEqualTo(range(3, 4));
      assertThat(seqs(wal, "a", 1, 12, 0)).isEmpty();
      assertThat(seqs(wal, "a", 8, 5, 100)).isEmpty();
      assertThat(seqs(wal, "unknown", 1, Long.MAX_VALUE, 100)).isEmpty();
      assertThat(wal.highestSequenceNr("unknown")).isZero();
      assertThat(seqs(wal, "b", 1, Long.MAX_VALUE, Long.MAX_VALUE)).isEqualTo(range(1, 3));
      assertThat(wal.highestSequenceNr("a")).isEqualTo(12);
      assertThat(wal.persistenceIds(0)).containsExactly("a", "b");
      assertThat(wal.persistenceIds(1)).containsExactly("b");
      assertThat(wal.persistenceIds(0, 1)).containsExactly("a");
      assertThat(wal.persistenceIds(1, 5)).containsExactly("b");
      assertThat(wal.persistenceIds(2, 5)).isEmpty();
      assertThat(wal.persistenceIds(0, 0)).isEmpty();
      assertThat(wal.persistenceIdCount()).isEqualTo(2);
    }
  }

  @Test
  void replay_roundTripsEveryField() throws Exception {
    WalEvent e =
        new WalEvent(
            "pid/../ü:1",
            7,
            "writer-uuid",
            "evt-manifest",
            42,
            "ser-manifest",
            1234L,
            new byte[] {1, 2, 3});
    try (WriteAheadLog wal = WriteAheadLog.open(settings(dir).build())) {
      wal.append(WalWrite.of(List.of(e))).get();
      assertThat(wal.readAll("pid/../ü:1")).containsExactly(e);
    }
    try (WriteAheadLog wal = WriteAheadLog.open(settings(dir).build())) {
      assertThat(wal.readAll("pid/../ü:1")).containsExactly(e);
    }
  }

  @Test
  void replay_afterSequenceNumbersAreWrittenAgain_isStrictlyIncreasing() throws Exception {
    // Two incarnations of one persistence id writing the same sequence numbers: the newer write
    // replaces the older one and everything after it, so a replay never sees a sequence number
    // twice or out of order (why reference.conf can switch Pekko's replay filter off).
    try (WriteAheadLog wal = WriteAheadLog.open(settings(dir).segmentSize(4096).build())) {
      wal.append(write("p", 1, 30)).get();
      wal.append(write("p", 21, 25)).get();
      assertThat(seqs(wal, "p", 1, Long.MAX_VALUE, Long.MAX_VALUE)).isEqualTo(range(1, 25));
      wal.append(write("p", 26, 40)).get();
      assertThat(seqs(wal, "p", 1, Long.MAX_VALUE, Long.MAX_VALUE)).isEqualTo(range(1, 40));
      assertThat(wal.highestSequenceNr("p")).isEqualTo(40);
    }
    try (WriteAheadLog wal = WriteAheadLog.open(settings(dir).segmentSize(4096).build())) {
      assertThat(seqs(wal, "p", 1, Long.MAX_VALUE, Long.MAX_VALUE)).isEqualTo(range(1, 40));
    }
  }

  @Test
  void encoder_reusedAcrossWrites_producesTheSameRecordsAsAFreshEncoding() throws Exception {
    WalWrite.Encoder encoder = new WalWrite.Encoder();
    List<WalEvent> events = new ArrayList<>();
    for (int i = 1; i <= 6; i++) {
      String pid = i % 2 == 0 ? "even/ü" : "odd";
      // equal strings that are different instances, and changing writers and manifests
      String writer = new String((i <= 3 ? "w-1" : "w-2").toCharArray());
      events.add(
          new WalEvent(
              pid,
              i,
              writer,
              i == 5 ? "m" : "",
              7,
              i == 6 ? "sm" : "",
              1000L + i,
              payload(pid, i)));
    }
    try (WriteAheadLog wal = WriteAheadLog.open(settings(dir).build())) {
      for (WalEvent e : events) {
        WalWrite encoded = encoder.encode(List.of(e));
        assertThat(encoded.frames).isEqualTo(WalWrite.of(List.of(e)).frames);
        wal.append(encoded).get();
      }
      assertThat(wal.readAll("odd")).containsExactly(events.get(0), events.get(2), events.get(4));
      assertThat(wal.readAll("even/ü"))
          .containsExactly(events.get(1), events.get(3), events.get(5));
    }
  }

  @Test
  void reopen_rebuildsIndexAcrossSegments() throws Exception {
    try (WriteAheadLog wal = WriteAheadLog.open(settings(dir).segmentSize(4096).build())) {
      for (int i = 0; i < 200; i++) {
        wal.append(List.of(write("x", i * 2L + 1, i * 2L + 2), write("y", i + 1, i + 1))).get();
      }
      assertThat(wal.segmentFiles()).hasSizeGreaterThan(3);
    }
    try (WriteAheadLog wal = WriteAheadLog.open(settings(dir).segmentSize(4096).build())) {
      assertThat(seqs(wal, "x", 1, Long.MAX_VALUE, Long.MAX_VALUE)).isEqualTo(range(1, 400));
      assertThat(seqs(wal, "y", 1, Long.MAX_VALUE, Long.MAX_VALUE)).isEqualTo(range(1, 200));
      assertThat(wal.stats().truncatedBytes()).isZero();
    }
  }

  @Test
  void deleteTo_hidesEventsAndNeverLowersHighest_acrossCompactionAndRestart() throws Exception {
    WalSettings s = settings(dir).segmentSize(4096).build();
    long sizeBefore;
    try (WriteAheadLog wal = WriteAheadLog.open(s)) {
      wal.append(write("a", 1, 100)).get();
      for (int i = 1; i <= 100; i++) {
        wal.append(write("keep", i, i)).get();
      }
      wal.deleteTo("a", 40).get();
      assertThat(seqs(wal, "a", 1, Long.MAX_VALUE, Long.MAX_VALUE)).isEqualTo(range(41, 100));
      wal.deleteTo("a", 20).get(); // lower delete: no effect
      assertThat(seqs(wal, "a", 1, Long.MAX_VALUE, Long.MAX_VALUE)).isEqualTo(range(41, 100));
      wal.deleteTo("a", Long.MAX_VALUE).get();
      assertThat(seqs(wal, "a", 1, Long.MAX_VALUE, Long.MAX_VALUE)).isEmpty();
      assertThat(wal.highestSequenceNr("a")).isEqualTo(100);
      wal.deleteTo("never-written", Long.MAX_VALUE).get();
      assertThat(wal.highestSequenceNr("never-written")).isZero();
      sizeBefore = totalSize(wal);
      assertThat(wal.compact(0.01)).isPositive();
      assertThat(wal.stats().reclaimedBytes()).isPositive();
      assertThat(totalSize(wal)).isLessThan(sizeBefore);
      assertThat(wal.highestSequenceNr("a")).isEqualTo(100);
      assertThat(seqs(wal, "keep", 1, Long.MAX_VALUE, Long.MAX_VALUE)).isEqualTo(range(1, 100));
    }
    try (WriteAheadLog wal = WriteAheadLog.open(s)) {
      assertThat(wal.highestSequenceNr("a")).isEqualTo(100);
      assertThat(seqs(wal, "a", 1, Long.MAX_VALUE, Long.MAX_VALUE)).isEmpty();
      assertThat(seqs(wal, "keep", 1, Long.MAX_VALUE, Long.MAX_VALUE)).isEqualTo(range(1, 100));
      // a second compaction pass after restart keeps the tombstone, hence the highest
      wal.compact(0.01);
      wal.append(write("a", 101, 102)).get();
      assertThat(seqs(wal, "a", 1, Long.MAX_VALUE, Long.MAX_VALUE)).isEqualTo(range(101, 102));
    }
    try (WriteAheadLog wal = WriteAheadLog.open(s)) {
      assertThat(wal.highestSequenceNr("a")).isEqualTo(102);
      assertThat(seqs(wal, "a", 1, Long.MAX_VALUE, Long.MAX_VALUE)).isEqualTo(range(101, 102));
    }
  }

  /**
   * A rewrite of sequence numbers 21 – 25 supersedes 21 – 30; compaction then used to drop the old
   * 26 – 30 and a restart found the highest at 25 (found by an audit). Compaction now keeps the
   * superseded record that carries the highest until a later write reaches it; it is never
   * replayed.
   */
  @Test
  void highest_afterARewrite_survivesCompactionAndRestart() throws Exception {
    WalSettings s = settings(dir).segmentSize(4096).build();
    String indexBefore;
    try (WriteAheadLog wal = WriteAheadLog.open(s)) {
      wal.append(write("p", 1, 30)).get();
      wal.append(write("p", 21, 25)).get(); // a second incarnation rewrites 21..25
      for (int i = 1; i <= 100; i++) {
        wal.append(write("f", i, i)).get(); // seals the segments holding p
      }
      assertThat(wal.compact(0.01)).isPositive();
      assertThat(wal.highestSequenceNr("p")).isEqualTo(30);
      assertThat(seqs(wal, "p", 1, Long.MAX_VALUE, Long.MAX_VALUE)).isEqualTo(range(1, 25));
      indexBefore = wal.describeIndexForTesting();
    }
    try (WriteAheadLog wal = WriteAheadLog.open(s)) {
      assertThat(wal.highestSequenceNr("p")).as("after compaction and restart").isEqualTo(30);
      assertThat(seqs(wal, "p", 1, Long.MAX_VALUE, Long.MAX_VALUE)).isEqualTo(range(1, 25));
      assertThat(wal.describeIndexForTesting()).isEqualTo(indexBefore);
      wal.append(write("p", 26, 31)).get(); // reaches the highest: the holder is dead bytes now
      wal.compact(0.01);
    }
    try (WriteAheadLog wal = WriteAheadLog.open(s)) {
      assertThat(wal.highestSequenceNr("p")).isEqualTo(31);
      assertThat(seqs(wal, "p", 1, Long.MAX_VALUE, Long.MAX_VALUE)).isEqualTo(range(1, 31));
      assertThat(wal.describeIndexForTesting()).doesNotContain("highestHolder");
    }
  }

  /**
   * A rewrite, then a delete between its start and the old highest, then compaction of every
   * segment: the superseded old events must not come back after a restart (found by a review of the
   * highest holder: the holder was replayed live once the rewrite's records were compacted away).
   */
  @Test
  void rewriteThenDelete_compactedEverywhere_nothingComesBackAfterRestart() throws Exception {
    WalSettings s = settings(dir).segmentSize(4096).build();
    String indexBefore;
    try (WriteAheadLog wal = WriteAheadLog.open(s)) {
      wal.append(write("p", 1, 30)).get();
      wal.append(write("p", 21, 25)).get();
      wal.deleteTo("p", 25).get();
      for (int i = 1; i <= 100; i++) {
        wal.append(write("f", i, i)).get(); // seals the segments holding p
      }
      assertThat(wal.compact(0.01)).isPositive();
      assertThat(seqs(wal, "p", 1, Long.MAX_VALUE, Long.MAX_VALUE)).isEmpty();
      indexBefore = wal.describeIndexForTesting();
    }
    try (WriteAheadLog wal = WriteAheadLog.open(s)) {
      assertThat(seqs(wal, "p", 1, Long.MAX_VALUE, Long.MAX_VALUE)).as("after restart").isEmpty();
      assertThat(wal.highestSequenceNr("p")).isEqualTo(30);
      assertThat(wal.describeIndexForTesting()).isEqualTo(indexBefore);
    }
  }

  /**
   * The older segment (mostly live events of another id) is not compacted, the newer one holding a
   * deleted rewrite is: the rewrite's first record must stay, or a restart replays the old
   * superseded events as live (a defect older than the highest holder, found by the same review).
   */
  @Test
  void deletedRewriteCompactedAway_olderSegmentKept_nothingComesBackAfterRestart()
      throws Exception {
    WalSettings s = settings(dir).segmentSize(4096).build();
    try (WriteAheadLog wal = WriteAheadLog.open(s)) {
      wal.append(write("p", 1, 30)).get();
      long f = 0;
      while (wal.segmentFiles().size() < 2) {
        f++;
        wal.append(write("f", f, f)).get(); // live events of another id fill the first segment
      }
      wal.append(write("p", 21, 25)).get(); // the rewrite, in the second segment
      wal.deleteTo("p", 25).get();
      long g = 0;
      while (wal.segmentFiles().size() < 3) {
        g++;
        wal.append(write("g", g, g)).get();
      }
      wal.deleteTo("g", Long.MAX_VALUE).get(); // the second segment is nearly all dead now
      assertThat(wal.compact(0.7)).as("the second segment only").isEqualTo(1);
      assertThat(seqs(wal, "p", 1, Long.MAX_VALUE, Long.MAX_VALUE)).isEmpty();
    }
    try (WriteAheadLog wal = WriteAheadLog.open(s)) {
      assertThat(seqs(wal, "p", 1, Long.MAX_VALUE, Long.MAX_VALUE)).as("after restart").isEmpty();
      assertThat(wal.highestSequenceNr("p")).isEqualTo(30);
    }
  }

  /**
   * A replay takes the index in slices of at most 1024 entries: every event is passed exactly once
   * across the slices, also when {@code max} ends the replay inside one.
   */
  @Test
  void replay_acrossIndexSlices_passesEveryEventOnce() throws Exception {
    try (WriteAheadLog wal = WriteAheadLog.open(settings(dir).build())) {
      for (long s = 1; s <= 2500; s += 500) {
        wal.append(write("p", s, s + 499)).get();
      }
      assertThat(seqs(wal, "p", 1, Long.MAX_VALUE, Long.MAX_VALUE)).isEqualTo(range(1, 2500));
      assertThat(seqs(wal, "p", 1000, 2100, Long.MAX_VALUE)).isEqualTo(range(1000, 2100));
      assertThat(seqs(wal, "p", 1, Long.MAX_VALUE, 2048)).isEqualTo(range(1, 2048));
    }
  }

  /**
   * A delete is ordered after the appends enqueued before it, also when the writer takes them into
   * the same group commit: the delete's bound is clamped to the highest sequence number including
   * those appends (it used to be clamped to the highest before the batch, and the batch's events,
   * or all of a new id's, stayed live). The writer is held in a listener so that the appends and
   * the deletes queue up behind it and form one batch.
   */
  @Test
  void deleteTo_inTheSameGroupCommitAsTheAppendsBeforeIt_deletesThem() throws Exception {
    WalSettings s = settings(dir).build();
    try (WriteAheadLog wal = WriteAheadLog.open(s)) {
      wal.append(write("p", 1, 5)).get();
      CountDownLatch writerHeld = new CountDownLatch(1);
      CountDownLatch release = new CountDownLatch(1);
      wal.setListener(
          new WalListener() {
            @Override
            public void appendCompleted(long nanos) {
              if (writerHeld.getCount() > 0) {
                writerHeld.countDown();
                try {
                  release.await();
                } catch (InterruptedException e) {
                  Thread.currentThread().interrupt();
                }
              }
            }
          });
      CompletableFuture<Void> holder = wal.append(write("other", 1, 1));
      writerHeld.await(); // the writer waits in the listener: what follows queues up behind it
      List<CompletableFuture<Void>> batch =
          List.of(
              wal.append(write("p", 6, 10)),
              wal.append(write("q", 1, 3)),
              wal.deleteTo("p", Long.MAX_VALUE),
              wal.deleteTo("q", Long.MAX_VALUE));
      release.countDown();
      holder.get();
      CompletableFuture.allOf(batch.toArray(CompletableFuture[]::new)).get();
      wal.setListener(null);
      assertThat(wal.readAll("p")).isEmpty();
      assertThat(wal.readAll("q")).isEmpty();
      assertThat(wal.highestSequenceNr("p")).isEqualTo(10);
      assertThat(wal.highestSequenceNr("q")).isEqualTo(3);
    }
    try (WriteAheadLog wal = WriteAheadLog.open(s)) {
      assertThat(wal.readAll("p")).as("after restart").isEmpty();
      assertThat(wal.readAll("q")).as("after restart").isEmpty();
      assertThat(wal.highestSequenceNr("p")).isEqualTo(10);
    }
  }

  /**
   * An event written again (a stale incarnation) with a sequence number the id's deletion covers,
   * up to and including its bound, stays deleted: it is not replayed, in the open log or after a
   * restart, and it is dead bytes, so compaction drops the segment that holds it with nothing live.
   */
  @Test
  void append_ofDeletedSequenceNumbersAgain_staysDeleted_andIsCompactedAway() throws Exception {
    WalSettings s = settings(dir).segmentSize(4096).build();
    try (WriteAheadLog wal = WriteAheadLog.open(s)) {
      wal.append(write("p", 1, 5)).get();
      wal.deleteTo("p", 5).get();
      long f = 0;
      while (wal.segmentFiles().size() < 2) {
        wal.append(write("f", ++f, f)).get(); // seals segment 1: p, its tombstone, filler
      }
      wal.append(write("p", 4, 5)).get(); // in segment 2
      assertThat(wal.readAll("p")).isEmpty();
      assertThat(wal.highestSequenceNr("p")).isEqualTo(5);
      while (wal.segmentFiles().size() < 3) {
        wal.append(write("f", ++f, f)).get(); // seals segment 2: the rewrite and filler
      }
      wal.deleteTo("f", Long.MAX_VALUE).get();
      wal.compact(0.01);
      assertThat(wal.segmentFiles())
          .as("segment 2 holds nothing live: dropped; segment 1 keeps the tombstone")
          .hasSize(2);
    }
    try (WriteAheadLog wal = WriteAheadLog.open(s)) {
      assertThat(wal.readAll("p")).as("after restart").isEmpty();
      assertThat(wal.highestSequenceNr("p")).isEqualTo(5);
      wal.append(write("p", 6, 6)).get();
      assertThat(seqs(wal, "p", 1, Long.MAX_VALUE, Long.MAX_VALUE)).containsExactly(6L);
    }
  }

  /**
   * A deletion makes dead every event up to and including its bound: once an id is deleted, every
   * sealed segment holding only its events is dropped by compaction, also the one with its last
   * event (which used to stay counted live and kept, with its segment, forever).
   */
  @Test
  void compaction_afterDeletingAnId_dropsEverySegmentOfIt() throws Exception {
    WalSettings s = settings(dir).segmentSize(4096).build();
    try (WriteAheadLog wal = WriteAheadLog.open(s)) {
      long seq = 0;
      while (wal.segmentFiles().size() < 3) {
        seq++;
        wal.append(write("a", seq, seq)).get();
      }
      // the last event opened segment 3: delete up to the one before it, which ends segment 2
      wal.deleteTo("a", seq - 1).get();
      assertThat(wal.compact(1.0)).as("segments 1 and 2 are wholly dead").isEqualTo(2);
      assertThat(wal.segmentFiles()).hasSize(1);
      assertThat(seqs(wal, "a", 1, Long.MAX_VALUE, Long.MAX_VALUE)).containsExactly(seq);
    }
    try (WriteAheadLog wal = WriteAheadLog.open(s)) {
      assertThat(wal.readAll("a")).hasSize(1);
    }
  }

  private static long totalSize(WriteAheadLog wal) throws IOException {
    long total = 0;
    for (Path p : wal.segmentFiles()) {
      total += Files.size(p);
    }
    return total;
  }

  @Test
  void compaction_dropsFullyDeletedSegments_andRemovesLeftoverTempFiles() throws Exception {
    WalSettings s = settings(dir).segmentSize(4096).build();
    try (WriteAheadLog wal = WriteAheadLog.open(s)) {
      for (int i = 1; i <= 300; i++) {
        wal.append(write("gone", i, i)).get();
      }
      int segmentsBefore = wal.segmentFiles().size();
      wal.deleteTo("gone", 300).get();
      wal.compact();
      assertThat(wal.segmentFiles().size()).isLessThan(segmentsBefore);
      assertThat(wal.stats().compactedSegments()).isPositive();
    }
    // a crash during compaction leaves a temp file: it is ignored and removed on open
    Path leftover = dir.resolve("00000000000000000001.wal.compacting");
    Files.write(leftover, new byte[] {1, 2, 3});
    try (WriteAheadLog wal = WriteAheadLog.open(s)) {
      assertThat(leftover).doesNotExist();
      assertThat(wal.highestSequenceNr("gone")).isEqualTo(300);
      assertThat(wal.readAll("gone")).isEmpty();
    }
  }

  @Test
  void compaction_runsConcurrentlyWithWritesAndReplays() throws Exception {
    WalSettings s = settings(dir).segmentSize(8192).build();
    try (WriteAheadLog wal = WriteAheadLog.open(s)) {
      ExecutorService pool = Executors.newFixedThreadPool(3);
      try {
        Future<?> writer =
            pool.submit(
                () -> {
                  for (int i = 1; i <= 400; i++) {
                    wal.append(List.of(write("live", i, i), write("junk", i, i))).get();
                    if (i % 50 == 0) {
                      wal.deleteTo("junk", i).get();
                    }
                  }
                  return null;
                });
        Future<?> compactor =
            pool.submit(
                () -> {
                  while (!writer.isDone()) {
                    wal.compact(0.1);
                  }
                  return null;
                });
        Future<?> reader =
            pool.submit(
                () -> {
                  while (!writer.isDone()) {
                    List<Long> got = seqs(wal, "live", 1, Long.MAX_VALUE, Long.MAX_VALUE);
                    assertThat(got).isEqualTo(range(1, got.size()));
                  }
                  return null;
                });
        writer.get(2, TimeUnit.MINUTES);
        compactor.get(1, TimeUnit.MINUTES);
        reader.get(1, TimeUnit.MINUTES);
      } finally {
        pool.shutdownNow();
      }
      assertThat(seqs(wal, "live", 1, Long.MAX_VALUE, Long.MAX_VALUE)).isEqualTo(range(1, 400));
      assertThat(wal.stats().compactedSegments()).isPositive();
    }
    try (WriteAheadLog wal = WriteAheadLog.open(s)) {
      assertThat(seqs(wal, "live", 1, Long.MAX_VALUE, Long.MAX_VALUE)).isEqualTo(range(1, 400));
      assertThat(seqs(wal, "junk", 1, Long.MAX_VALUE, Long.MAX_VALUE)).isEqualTo(range(401, 400));
      assertThat(wal.highestSequenceNr("junk")).isEqualTo(400);
    }
  }

  @Test
  void groupCommit_concurrentWritersShareFsyncs() throws Exception {
    int writers = 100;
    int perWriter = 20;
    try (WriteAheadLog wal = WriteAheadLog.open(settings(dir).build())) {
      ExecutorService pool = Executors.newFixedThreadPool(writers);
      try {
        List<Future<?>> fs = new ArrayList<>();
        for (int w = 0; w < writers; w++) {
          String pid = "w" + w;
          fs.add(
              pool.submit(
                  () -> {
                    for (int i = 1; i <= perWriter; i++) {
                      wal.append(write(pid, i, i)).get();
                    }
                    return null;
                  }));
        }
        for (Future<?> f : fs) {
          f.get(2, TimeUnit.MINUTES);
        }
      } finally {
        pool.shutdownNow();
      }
      WalStats st = wal.stats();
      System.out.printf(
          "group commit: %d writers, %d records, %d writes, %d fsyncs, %.1f events/fsync%n",
          writers,
          st.recordsWritten(),
          st.writes(),
          st.fsyncs(),
          (double) st.recordsWritten() / st.fsyncs());
      assertThat(st.recordsWritten()).isEqualTo((long) writers * perWriter);
      assertThat(st.fsyncs()).isPositive().isLessThan(st.recordsWritten());
      assertThat(st.writes()).isLessThan(st.recordsWritten());
      for (int w = 0; w < writers; w++) {
        assertThat(seqs(wal, "w" + w, 1, Long.MAX_VALUE, Long.MAX_VALUE))
            .isEqualTo(range(1, perWriter));
      }
    }
  }

  @Test
  void syncModes_forceAsDocumented() throws Exception {
    try (WriteAheadLog wal =
        WriteAheadLog.open(settings(dir.resolve("nosync")).syncMode(SyncMode.NO_SYNC).build())) {
      for (int i = 1; i <= 20; i++) {
        wal.append(write("n", i, i)).get();
      }
      assertThat(wal.stats().fsyncs()).isZero();
    }
    try (WriteAheadLog wal =
        WriteAheadLog.open(
            settings(dir.resolve("periodic"))
                .syncMode(SyncMode.PERIODIC)
                .syncInterval(Duration.ofMillis(20))
                .build())) {
      wal.append(write("p", 1, 1)).get();
      org.awaitility.Awaitility.await()
          .atMost(Duration.ofSeconds(10))
          .until(() -> wal.stats().fsyncs() > 0);
    }
    try (WriteAheadLog wal =
        WriteAheadLog.open(settings(dir.resolve("every")).syncMode(SyncMode.EVERY_WRITE).build())) {
      for (int i = 1; i <= 5; i++) {
        wal.append(write("e", i, i)).get();
      }
      assertThat(wal.stats().fsyncs()).isGreaterThanOrEqualTo(5);
    }
  }

  @Test
  void storageFailure_failsTheFuture_andTheLogRepairsItself() throws Exception {
    try (WriteAheadLog wal = WriteAheadLog.open(settings(dir).build())) {
      wal.append(write("a", 1, 3)).get();
      WalTestHooks.breakActiveChannel(wal);
      CompletableFuture<Void> failed = wal.append(write("a", 4, 5));
      assertThatThrownBy(failed::get)
          .isInstanceOf(ExecutionException.class)
          .hasCauseInstanceOf(IOException.class);
      assertThat(seqs(wal, "a", 1, Long.MAX_VALUE, Long.MAX_VALUE)).isEqualTo(range(1, 3));
      wal.append(write("a", 4, 6)).get();
      assertThat(seqs(wal, "a", 1, Long.MAX_VALUE, Long.MAX_VALUE)).isEqualTo(range(1, 6));
    }
    try (WriteAheadLog wal = WriteAheadLog.open(settings(dir).build())) {
      assertThat(seqs(wal, "a", 1, Long.MAX_VALUE, Long.MAX_VALUE)).isEqualTo(range(1, 6));
      assertThat(wal.stats().truncatedBytes()).isZero();
    }
  }

  /**
   * A replay on an interrupted thread (a cancelled task of the caller's executor) fails, and the
   * interrupt closes the segment channel it was reading, for every thread: that channel is shared.
   * The other readers, and the writer, must not pay for it: before, every later replay of a sealed
   * segment failed with ClosedChannelException until the log was reopened (an actor with events
   * there could no longer recover), and the next group commit on the active segment failed.
   */
  @Test
  void replay_onAnInterruptedThread_leavesTheSegmentsReadableAndWritableForOthers()
      throws Exception {
    try (WriteAheadLog wal = WriteAheadLog.open(settings(dir).segmentSize(4096).build())) {
      for (long s = 1; s <= 300; s++) {
        wal.append(write("a", s, s)).get();
      }
      assertThat(wal.segmentFiles()).hasSizeGreaterThan(2);
      wal.append(write("b", 1, 2)).get(); // in the active segment only
      for (String pid : List.of("a", "b")) {
        CompletableFuture<Throwable> interrupted = new CompletableFuture<>();
        Thread reader =
            new Thread(
                () -> {
                  Thread.currentThread().interrupt();
                  try {
                    wal.readAll(pid);
                    interrupted.complete(null);
                  } catch (Throwable t) {
                    interrupted.complete(t);
                  } finally {
                    Thread.interrupted();
                  }
                });
        reader.start();
        reader.join();
        assertThat(interrupted.get())
            .as("the interrupted replay of " + pid)
            .isInstanceOf(java.nio.channels.ClosedByInterruptException.class);
      }
      assertThat(seqs(wal, "a", 1, Long.MAX_VALUE, Long.MAX_VALUE))
          .as("a replay of the sealed segments after the interrupted one")
          .isEqualTo(range(1, 300));
      wal.append(write("b", 3, 3)).get();
      assertThat(seqs(wal, "b", 1, Long.MAX_VALUE, Long.MAX_VALUE)).isEqualTo(range(1, 3));
    }
    try (WriteAheadLog wal = WriteAheadLog.open(settings(dir).segmentSize(4096).build())) {
      assertThat(seqs(wal, "a", 1, Long.MAX_VALUE, Long.MAX_VALUE)).isEqualTo(range(1, 300));
      assertThat(seqs(wal, "b", 1, Long.MAX_VALUE, Long.MAX_VALUE)).isEqualTo(range(1, 3));
    }
  }

  /**
   * A group commit that fails after it wrote part of its records (here its roll fails: a file
   * already has the new segment's name) is cut back to where it began before its future fails: the
   * written part is not found after a restart (it was, as events whose write had failed).
   */
  @Test
  void failedGroupCommit_afterWritingPartOfIt_isCutBack() throws Exception {
    WalSettings s = settings(dir).segmentSize(4096).build();
    Path blocker = dir.resolve(Segment.fileName(2));
    long n = 1;
    try (WriteAheadLog wal = WriteAheadLog.open(s)) {
      wal.append(write("a", 1, 1)).get();
      Path first = wal.segmentFiles().get(0);
      long frame = Files.size(first) - SegmentRecordDescriptor.SEGMENT_HEADER_LENGTH;
      while (Files.size(first) + 2 * frame <= 4096) {
        n++;
        wal.append(write("a", n, n)).get(); // room is left for one more event, not two
      }
      Files.createDirectory(blocker);
      CompletableFuture<Void> failed =
          wal.append(List.of(write("a", n + 1, n + 1), write("a", n + 2, n + 2)));
      assertThatThrownBy(failed::get).isInstanceOf(ExecutionException.class);
      assertThat(wal.highestSequenceNr("a")).isEqualTo(n);
      assertThat(Files.size(first))
          .as("the part written to the first segment is cut")
          .isEqualTo(SegmentRecordDescriptor.SEGMENT_HEADER_LENGTH + n * frame);
    }
    Files.delete(blocker);
    try (WriteAheadLog wal = WriteAheadLog.open(s)) {
      assertThat(wal.highestSequenceNr("a")).as("after restart").isEqualTo(n);
      assertThat(seqs(wal, "a", 1, Long.MAX_VALUE, Long.MAX_VALUE)).isEqualTo(range(1, n));
    }
  }

  @Test
  void checkWrites_afterAFailedWrite_clearsTheFailureOnceTheDirectoryTakesWritesAgain()
      throws Exception {
    try (WriteAheadLog wal = WriteAheadLog.open(settings(dir).build())) {
      wal.append(write("a", 1, 3)).get();
      WalTestHooks.breakActiveChannel(wal);
      assertThatThrownBy(() -> wal.append(write("a", 4, 5)).get())
          .hasCauseInstanceOf(IOException.class);
      assertThat(wal.lastWriteFailure()).isNotNull();

      // the directory refuses the check's file: the check fails and the failure says so
      // (a directory that is not empty, so that the check's clean-up cannot remove it)
      Path plug = Files.createDirectory(wal.directory().resolve("write-check.tmp"));
      Path inPlug = Files.createFile(plug.resolve("x"));
      assertThatThrownBy(() -> wal.checkWrites().get())
          .hasCauseInstanceOf(IOException.class)
          .hasMessageContaining("write check failed");
      assertThat(wal.lastWriteFailure()).hasMessageContaining("write check failed");

      Files.delete(inPlug);
      Files.delete(plug);
      CompletableFuture<Void> first = wal.checkWrites();
      first.get();
      assertThat(wal.lastWriteFailure()).isNull();
      assertThat(Files.exists(wal.directory().resolve("write-check.tmp"))).isFalse();
      // nothing was written to the log: the events are those before the failed write
      assertThat(seqs(wal, "a", 1, Long.MAX_VALUE, Long.MAX_VALUE)).isEqualTo(range(1, 3));
      assertThat(wal.checkWrites()).isNotSameAs(first); // a finished check is not reused
      wal.append(write("a", 4, 6)).get();
      assertThat(seqs(wal, "a", 1, Long.MAX_VALUE, Long.MAX_VALUE)).isEqualTo(range(1, 6));
    }
  }

  @Test
  void checkWrites_onAClosedLog_fails() throws Exception {
    WriteAheadLog wal = WriteAheadLog.open(settings(dir).build());
    wal.close();
    assertThatThrownBy(() -> wal.checkWrites().get())
        .hasCauseInstanceOf(IllegalStateException.class)
        .hasMessageContaining("closed");
  }

  @Test
  void recovery_deletesAWriteCheckFileACrashLeftBehind() throws Exception {
    try (WriteAheadLog wal = WriteAheadLog.open(settings(dir).build())) {
      wal.append(write("a", 1, 2)).get();
    }
    Path left = Files.write(dir.resolve("write-check.tmp"), new byte[4096]);
    try (WriteAheadLog wal = WriteAheadLog.open(settings(dir).build())) {
      assertThat(Files.exists(left)).isFalse();
      assertThat(seqs(wal, "a", 1, Long.MAX_VALUE, Long.MAX_VALUE)).isEqualTo(range(1, 2));
    }
  }

  @Test
  void append_afterClose_fails() throws Exception {
    WriteAheadLog wal = WriteAheadLog.open(settings(dir).build());
    wal.close();
    assertThatThrownBy(() -> wal.append(write("a", 1, 1)).get())
        .hasCauseInstanceOf(IllegalStateException.class)
        .hasMessageContaining("closed");
  }

  @Test
  void lock_secondOpenInSameJvm_failsNamingTheDirectory() throws Exception {
    try (WriteAheadLog wal = WriteAheadLog.open(settings(dir).build())) {
      assertThatThrownBy(() -> WriteAheadLog.open(settings(dir).build()))
          .isInstanceOf(WalLockedException.class)
          .hasMessageContaining(wal.directory().toString());
    }
    // released on close
    WriteAheadLog.open(settings(dir).build()).close();
  }

  /**
   * A refused second open in this JVM leaves the first log's lock in place: it used to open and
   * close its own channel of the lock file, which dropped the process's lock, and a second process
   * could then open the directory while the first log was still writing (found by an audit).
   */
  @Test
  void lock_refusedSecondOpenInSameJvm_keepsOtherProcessesOut() throws Exception {
    try (WriteAheadLog wal = WriteAheadLog.open(settings(dir).build())) {
      assertThatThrownBy(() -> WriteAheadLog.open(settings(dir).build()))
          .isInstanceOf(WalLockedException.class);
      assertThatThrownBy(() -> WriteAheadLog.open(settings(dir.resolve(".")).build()))
          .as("the same directory under another name")
          .isInstanceOf(WalLockedException.class);
      assertThat(runProbe(dir))
          .as("another process after the refused opens")
          .startsWith("LOCKED")
          .contains(wal.directory().toString());
    }
    assertThat(runProbe(dir)).startsWith("OPENED");
  }

  @Test
  void lock_secondProcess_failsNamingTheDirectory() throws Exception {
    try (WriteAheadLog wal = WriteAheadLog.open(settings(dir).build())) {
      String out = runProbe(dir);
      assertThat(out).startsWith("LOCKED").contains(wal.directory().toString());
    }
    assertThat(runProbe(dir)).startsWith("OPENED");
  }

  private static String runProbe(Path dir) throws Exception {
    Path java = Path.of(System.getProperty("java.home"), "bin", "java");
    Process p =
        new ProcessBuilder(
                java.toString(),
                "-cp",
                System.getProperty("java.class.path"),
                LockProbe.class.getName(),
                dir.toString())
            .redirectErrorStream(true)
            .start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
    assertThat(p.waitFor(1, TimeUnit.MINUTES)).isTrue();
    return out;
  }

  @Test
  void walWrite_rejectsInvalidAtomicWrites() {
    assertThatThrownBy(() -> WalWrite.of(List.of())).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(
            () ->
                WalWrite.of(
                    List.of(WalEvent.of("a", 1, new byte[0]), WalEvent.of("b", 2, new byte[0]))))
        .hasMessageContaining("one persistence id");
    assertThatThrownBy(
            () ->
                WalWrite.of(
                    List.of(WalEvent.of("a", 2, new byte[0]), WalEvent.of("a", 2, new byte[0]))))
        .hasMessageContaining("must increase");
  }

  @Test
  void settings_invalidValues_nameTheKey() {
    assertThatThrownBy(() -> WalSettings.builder(dir).segmentSize(10).build())
        .hasMessageContaining("segment-size");
    assertThatThrownBy(() -> WalSettings.builder(dir).syncInterval(Duration.ZERO).build())
        .hasMessageContaining("sync-interval");
    assertThatThrownBy(() -> WalSettings.builder(dir).compactionMinDeadRatio(0).build())
        .hasMessageContaining("compaction.min-dead-ratio");
    com.typesafe.config.Config c =
        com.typesafe.config.ConfigFactory.parseString("sync-mode = sometimes")
            .withFallback(
                com.typesafe.config.ConfigFactory.defaultReference().getConfig("elasticq.journal"));
    assertThatThrownBy(() -> WalSettings.fromConfig(c, "elasticq.journal"))
        .hasMessageContaining("elasticq.journal.sync-mode")
        .hasMessageContaining("sometimes");
    com.typesafe.config.Config c2 =
        com.typesafe.config.ConfigFactory.parseString("segment-size = lots")
            .withFallback(
                com.typesafe.config.ConfigFactory.defaultReference().getConfig("elasticq.journal"));
    assertThatThrownBy(() -> WalSettings.fromConfig(c2, "elasticq.journal"))
        .hasMessageContaining("elasticq.journal.segment-size");
    WalSettings ok =
        WalSettings.fromConfig(
            com.typesafe.config.ConfigFactory.defaultReference().getConfig("elasticq.journal"),
            "elasticq.journal");
    assertThat(ok.syncMode()).isEqualTo(SyncMode.EVERY_WRITE);
    assertThat(ok.segmentSize()).isEqualTo(64L * 1024 * 1024);
  }
}
