package io.github.elasticq.persistence.wal;

import static io.github.elasticq.persistence.wal.WriteAheadLogTest.range;
import static io.github.elasticq.persistence.wal.WriteAheadLogTest.seqs;
import static io.github.elasticq.persistence.wal.WriteAheadLogTest.write;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Torn tails are cut on open; damage before the tail fails the open or is quarantined. */
class WalRecoveryTest {
  @TempDir Path dir;
  RecordingLogger logger;

  /** Ten single-event atomic writes of equal size for "a". */
  static final int EVENTS = 10;

  @BeforeEach
  void setUp() {
    logger = new RecordingLogger();
  }

  WalSettings settings(boolean quarantine) {
    return settings(quarantine, logger);
  }

  WalSettings settings(boolean quarantine, WalLogger logger) {
    return WalSettings.builder(dir)
        .compactionEnabled(false)
        .segmentSize(4096)
        .quarantineCorruptSegments(quarantine)
        .logger(logger)
        .build();
  }

  /**
   * Events 1..10 of "a" in segment 1, then {@code deleteTo("a", to)} for each bound: their
   * tombstones in segment 2, which is then damaged after them (a filler record), so that opening
   * with quarantine moves it aside; segment 3 is the active one.
   */
  void damageASegmentOfDeletions(long... deleteTo) throws Exception {
    List<Path> files;
    try (WriteAheadLog wal = WriteAheadLog.open(settings(false))) {
      wal.append(write("a", 1, 10)).get();
      long f = 0;
      while (wal.segmentFiles().size() < 2) {
        wal.append(write("f", ++f, f)).get(); // seals segment 1: a 1..10 and filler
      }
      for (long to : deleteTo) {
        wal.deleteTo("a", to).get(); // the tombstones: in segment 2
      }
      while (wal.segmentFiles().size() < 3) {
        wal.append(write("f", ++f, f)).get(); // seals segment 2
      }
      assertThat(wal.readAll("a")).hasSize((int) (10 - deleteTo[deleteTo.length - 1]));
      files = wal.segmentFiles();
    }
    flipByte(files.get(1), 2000); // a filler record after the tombstones
  }

  /** Writes events 1..n of "a" one per atomic write; returns the last segment and frame size. */
  Path writeEvents(int n) throws Exception {
    try (WriteAheadLog wal = WriteAheadLog.open(settings(false))) {
      for (int i = 1; i <= n; i++) {
        wal.append(write("a", i, i)).get();
      }
      List<Path> files = wal.segmentFiles();
      return files.get(files.size() - 1);
    }
  }

  static long frameSize(Path segment, int records) throws IOException {
    long body = Files.size(segment) - SegmentRecordDescriptor.SEGMENT_HEADER_LENGTH;
    assertThat(body % records).isZero();
    return body / records;
  }

  static void appendBytes(Path file, byte[] bytes) throws IOException {
    Files.write(file, bytes, StandardOpenOption.APPEND);
  }

  static void flipByte(Path file, long offset) throws IOException {
    try (FileChannel ch =
        FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
      ByteBuffer b = ByteBuffer.allocate(1);
      ch.read(b, offset);
      b.put(0, (byte) (b.get(0) ^ 0x5A)).position(0);
      ch.write(b, offset);
    }
  }

  void assertRecoveredAll(int expected, long sizeBefore, Path segment) throws Exception {
    try (WriteAheadLog wal = WriteAheadLog.open(settings(false))) {
      assertThat(seqs(wal, "a", 1, Long.MAX_VALUE, Long.MAX_VALUE)).isEqualTo(range(1, expected));
      assertThat(wal.stats().truncatedBytes()).isPositive();
      assertThat(Files.size(segment)).isEqualTo(sizeBefore);
      assertThat(logger.all()).contains("truncated torn tail").contains(segment.toString());
      // the log is writable after the cut, and the next open is clean
      wal.append(write("a", expected + 1, expected + 1)).get();
    }
    logger.messages.clear();
    try (WriteAheadLog wal = WriteAheadLog.open(settings(false))) {
      assertThat(seqs(wal, "a", 1, Long.MAX_VALUE, Long.MAX_VALUE))
          .isEqualTo(range(1, expected + 1));
      assertThat(wal.stats().truncatedBytes()).isZero();
      assertThat(logger.all()).doesNotContain("truncated");
    }
  }

  @Test
  void recovery_afterZeroFilledTail_endsCleanlyBeforeTheZeros() throws Exception {
    // zeros after the last record are preallocated space, not a torn tail: nothing is cut
    Path seg = writeEvents(EVENTS);
    long size = Files.size(seg);
    appendBytes(seg, new byte[3000]);
    try (WriteAheadLog wal = WriteAheadLog.open(settings(false))) {
      assertThat(seqs(wal, "a", 1, Long.MAX_VALUE, Long.MAX_VALUE)).isEqualTo(range(1, EVENTS));
      assertThat(wal.stats().truncatedBytes()).isZero();
      assertThat(logger.all()).doesNotContain("truncated");
      // appends continue at the end of the last record, over the zeros
      wal.append(write("a", EVENTS + 1, EVENTS + 1)).get();
    }
    long frame = (size - SegmentRecordDescriptor.SEGMENT_HEADER_LENGTH) / EVENTS;
    assertThat(Files.size(seg)).isEqualTo(size + frame); // the zeros are cut at close
    try (WriteAheadLog wal = WriteAheadLog.open(settings(false))) {
      assertThat(seqs(wal, "a", 1, Long.MAX_VALUE, Long.MAX_VALUE)).isEqualTo(range(1, EVENTS + 1));
    }
  }

  @Test
  void recovery_afterJunkTail() throws Exception {
    Path seg = writeEvents(EVENTS);
    long size = Files.size(seg);
    byte[] junk = new byte[777];
    new Random(42).nextBytes(junk);
    appendBytes(seg, junk);
    assertRecoveredAll(EVENTS, size, seg);
  }

  @Test
  void recovery_afterPartialRecord() throws Exception {
    Path seg = writeEvents(EVENTS);
    long frame = frameSize(seg, EVENTS);
    long sizeWithoutLast = Files.size(seg) - frame;
    // cut the last record in half, as a torn write would
    try (FileChannel ch = FileChannel.open(seg, StandardOpenOption.WRITE)) {
      ch.truncate(sizeWithoutLast + frame / 2);
    }
    assertRecoveredAll(EVENTS - 1, sizeWithoutLast, seg);
  }

  @Test
  void recovery_afterBadChecksumOnLastRecord() throws Exception {
    Path seg = writeEvents(EVENTS);
    long frame = frameSize(seg, EVENTS);
    long size = Files.size(seg);
    flipByte(seg, size - 1);
    assertRecoveredAll(EVENTS - 1, size - frame, seg);
  }

  @Test
  void recovery_afterUnfinishedAtomicWrite_dropsTheWholeAtomicWrite() throws Exception {
    Path seg;
    long sizeBefore;
    try (WriteAheadLog wal = WriteAheadLog.open(settings(false))) {
      wal.append(write("a", 1, 2)).get();
      seg = wal.segmentFiles().get(0);
    }
    sizeBefore = Files.size(seg); // after close: without preallocated zeros
    try (WriteAheadLog wal = WriteAheadLog.open(settings(false))) {
      wal.append(write("a", 3, 5)).get();
    }
    long groupFrames = Files.size(seg) - sizeBefore;
    // keep the first two (valid, flagged "continues") records of the 3-record atomic write
    try (FileChannel ch = FileChannel.open(seg, StandardOpenOption.WRITE)) {
      ch.truncate(sizeBefore + groupFrames * 2 / 3);
    }
    try (WriteAheadLog wal = WriteAheadLog.open(settings(false))) {
      assertThat(seqs(wal, "a", 1, Long.MAX_VALUE, Long.MAX_VALUE)).isEqualTo(range(1, 2));
      assertThat(wal.highestSequenceNr("a")).isEqualTo(2);
      assertThat(logger.all()).contains("not completed");
    }
    assertThat(Files.size(seg)).isEqualTo(sizeBefore);
  }

  @Test
  void recovery_failsOnCorruptionBeforeTheTail_namingFileAndOffset() throws Exception {
    Path seg = writeEvents(EVENTS);
    long frame = frameSize(seg, EVENTS);
    long fourth = SegmentRecordDescriptor.SEGMENT_HEADER_LENGTH + 3 * frame;
    flipByte(seg, fourth + frame - 1);
    long size = Files.size(seg);
    assertThatThrownBy(() -> WriteAheadLog.open(settings(false)))
        .isInstanceOfSatisfying(
            WalCorruptionException.class,
            e -> {
              assertThat(e.file()).isEqualTo(seg.toAbsolutePath());
              assertThat(e.offset()).isEqualTo(fourth);
            })
        .hasMessageContaining(seg.toString())
        .hasMessageContaining("offset " + fourth);
    assertThat(Files.size(seg)).as("nothing is cut on corruption").isEqualTo(size);
    // the lock was released by the failed open
    assertThatThrownBy(() -> WriteAheadLog.open(settings(false)))
        .isInstanceOf(WalCorruptionException.class);
  }

  @Test
  void recovery_failsOnCorruptionInAnEarlierSegment() throws Exception {
    List<Path> files;
    try (WriteAheadLog wal = WriteAheadLog.open(settings(false))) {
      for (int i = 1; i <= 200; i++) {
        wal.append(write("a", i, i)).get();
      }
      files = wal.segmentFiles();
    }
    assertThat(files).hasSizeGreaterThan(2);
    Path first = files.get(0);
    flipByte(first, Files.size(first) - 1); // last record of a sealed segment
    assertThatThrownBy(() -> WriteAheadLog.open(settings(false)))
        .isInstanceOf(WalCorruptionException.class)
        .hasMessageContaining(first.toString());
  }

  @Test
  void recovery_quarantinesCorruptSegment_whenEnabled() throws Exception {
    List<Path> files;
    try (WriteAheadLog wal = WriteAheadLog.open(settings(false))) {
      for (int i = 1; i <= 200; i++) {
        wal.append(List.of(write("a", i, i), write("b", i, i))).get();
      }
      files = wal.segmentFiles();
    }
    assertThat(files).hasSizeGreaterThan(3);
    Path second = files.get(1);
    flipByte(second, SegmentRecordDescriptor.SEGMENT_HEADER_LENGTH + 20);
    try (WriteAheadLog wal = WriteAheadLog.open(settings(true))) {
      assertThat(second).doesNotExist();
      try (Stream<Path> q = Files.list(dir.resolve("quarantine"))) {
        assertThat(q.toList()).hasSize(1);
      }
      assertThat(wal.stats().quarantinedSegments()).isEqualTo(1);
      assertThat(logger.all())
          .contains("QUARANTINED")
          .contains(second.toString())
          .contains("a seq");
      List<Long> a = seqs(wal, "a", 1, Long.MAX_VALUE, Long.MAX_VALUE);
      assertThat(a).isNotEmpty().hasSizeLessThan(200).isSorted();
      assertThat(a.get(0)).isEqualTo(1);
      assertThat(wal.highestSequenceNr("a")).isEqualTo(200);
      wal.append(write("a", 201, 201)).get();
    }
    try (WriteAheadLog wal = WriteAheadLog.open(settings(true))) {
      assertThat(wal.stats().quarantinedSegments()).isZero();
      assertThat(wal.highestSequenceNr("a")).isEqualTo(201);
    }
  }

  /**
   * A quarantined segment that held the only record of a deletion (its tombstone, readable before
   * the damage): the open writes that deletion again, so the events it deleted in an older segment
   * stay deleted, also at the next open. They used to be live again, and the log line did not say.
   */
  @Test
  void quarantine_ofASegmentWithATombstone_keepsItsDeletion() throws Exception {
    damageASegmentOfDeletions(10);
    try (WriteAheadLog wal = WriteAheadLog.open(settings(true))) {
      assertThat(wal.stats().quarantinedSegments()).isEqualTo(1);
      assertThat(logger.all()).contains("QUARANTINED").contains("written again").contains("a=10");
      assertThat(seqs(wal, "a", 1, Long.MAX_VALUE, Long.MAX_VALUE))
          .as("events deleted before the quarantine")
          .isEmpty();
      assertThat(wal.highestSequenceNr("a")).isEqualTo(10);
    }
    try (WriteAheadLog wal = WriteAheadLog.open(settings(true))) {
      assertThat(wal.stats().quarantinedSegments()).isZero();
      assertThat(seqs(wal, "a", 1, Long.MAX_VALUE, Long.MAX_VALUE))
          .as("at the next open")
          .isEmpty();
      wal.append(write("a", 11, 11)).get();
      assertThat(seqs(wal, "a", 1, Long.MAX_VALUE, Long.MAX_VALUE)).containsExactly(11L);
    }
  }

  /**
   * A quarantined segment with several tombstones of one id: the open writes the highest of their
   * deletions again, so none of the events they deleted in an older segment comes back.
   */
  @Test
  void quarantine_ofASegmentWithTwoTombstonesOfAnId_keepsTheLaterDeletion() throws Exception {
    damageASegmentOfDeletions(5, 10);
    try (WriteAheadLog wal = WriteAheadLog.open(settings(true))) {
      assertThat(wal.stats().quarantinedSegments()).isEqualTo(1);
      assertThat(logger.all()).contains("a=10");
      assertThat(seqs(wal, "a", 1, Long.MAX_VALUE, Long.MAX_VALUE)).isEmpty();
      assertThat(wal.highestSequenceNr("a")).isEqualTo(10);
    }
    try (WriteAheadLog wal = WriteAheadLog.open(settings(true))) {
      assertThat(seqs(wal, "a", 1, Long.MAX_VALUE, Long.MAX_VALUE)).as("next open").isEmpty();
    }
  }

  /**
   * An open that fails after it decided to quarantine a segment (here its logger throws; a crash
   * does the same) loses none of that segment's deletions: the segment is moved aside only once
   * they are written again, so the next open quarantines it again (the deleted events came back).
   */
  @Test
  void quarantine_whoseOpenFails_keepsItsDeletionAtTheNextOpen() throws Exception {
    damageASegmentOfDeletions(10);
    WalLogger failing =
        (level, message) -> {
          if (message.contains("QUARANTINED")) {
            throw new IllegalStateException("the open stops here");
          }
        };
    assertThatThrownBy(() -> WriteAheadLog.open(settings(true, failing)).close())
        .hasMessageContaining("the open stops here");
    try (WriteAheadLog wal = WriteAheadLog.open(settings(true))) {
      assertThat(seqs(wal, "a", 1, Long.MAX_VALUE, Long.MAX_VALUE))
          .as("events deleted before the quarantine, after an open that failed")
          .isEmpty();
      assertThat(wal.highestSequenceNr("a")).isEqualTo(10);
    }
  }
}
