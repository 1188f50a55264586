package io.github.elasticq.persistence.wal;

import static io.github.elasticq.persistence.wal.SegmentRecordDescriptor.SEGMENT_HEADER_LENGTH;
import static io.github.elasticq.persistence.wal.WriteAheadLogTest.range;
import static io.github.elasticq.persistence.wal.WriteAheadLogTest.seqs;
import static io.github.elasticq.persistence.wal.WriteAheadLogTest.write;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
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

/**
 * Preallocated segments: zeros written ahead of the records. A "crash" here is a copy of the
 * segment files taken while the log is open (what a process killed at that moment leaves in the
 * page cache); the copy is then opened as a log of its own.
 */
class WalPreallocationTest {
  static final int CHUNK = 16 * 1024;

  @TempDir Path dir;
  @TempDir Path crashed;
  RecordingLogger logger;

  @BeforeEach
  void setUp() {
    logger = new RecordingLogger();
  }

  WalSettings settings(Path d) {
    return WalSettings.builder(d)
        .compactionEnabled(false)
        .segmentSize(1024 * 1024)
        .preallocate(CHUNK)
        .logger(logger)
        .build();
  }

  /** Copies the segment files of the open log at {@code dir} to {@code crashed}. */
  void crashCopy() throws IOException {
    try (Stream<Path> files = Files.list(dir)) {
      for (Path p : files.filter(f -> f.toString().endsWith(".wal")).toList()) {
        Files.copy(p, crashed.resolve(p.getFileName()));
      }
    }
  }

  static Path only(Path d) throws IOException {
    try (Stream<Path> files = Files.list(d)) {
      List<Path> l = files.filter(f -> f.toString().endsWith(".wal")).sorted().toList();
      assertThat(l).hasSize(1);
      return l.get(0);
    }
  }

  static void writeAt(Path file, long offset, byte[] bytes) throws IOException {
    try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE)) {
      ByteBuffer b = ByteBuffer.wrap(bytes);
      while (b.hasRemaining()) {
        ch.write(b, offset + b.position());
      }
    }
  }

  static byte[] readAt(Path file, long offset, int n) throws IOException {
    try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
      ByteBuffer b = ByteBuffer.allocate(n);
      while (b.hasRemaining()) {
        ch.read(b, offset + b.position());
      }
      return b.array();
    }
  }

  /**
   * Writes events 1..n of "a", one per atomic write, and takes the crash copy with the log open.
   */
  long writeAndCrash(int n) throws Exception {
    try (WriteAheadLog wal = WriteAheadLog.open(settings(dir))) {
      for (int i = 1; i <= n; i++) {
        wal.append(write("a", i, i)).get();
      }
      crashCopy();
    }
    return Files.size(only(dir)); // after close: the records only
  }

  @Test
  void newSegment_isPreallocated_andTrimmedAtClose() throws Exception {
    try (WriteAheadLog wal = WriteAheadLog.open(settings(dir))) {
      assertThat(Files.size(only(dir))).isEqualTo(CHUNK);
      wal.append(write("a", 1, 3)).get();
      assertThat(Files.size(only(dir))).isGreaterThanOrEqualTo(CHUNK);
    }
    long size = Files.size(only(dir));
    assertThat(size).isGreaterThan(SEGMENT_HEADER_LENGTH).isLessThan(CHUNK);
    try (WriteAheadLog wal = WriteAheadLog.open(settings(dir))) {
      assertThat(seqs(wal, "a", 1, Long.MAX_VALUE, Long.MAX_VALUE)).isEqualTo(range(1, 3));
      assertThat(wal.stats().truncatedBytes()).isZero();
    }
    assertThat(Files.size(only(dir))).isEqualTo(size);
  }

  @Test
  void reopen_afterPreallocationWithoutWrites_isEmptyAndWritable() throws Exception {
    try (WriteAheadLog wal = WriteAheadLog.open(settings(dir))) {
      assertThat(wal.persistenceIds(0)).isEmpty();
      crashCopy();
    }
    Path seg = only(crashed);
    assertThat(Files.size(seg)).isEqualTo(CHUNK);
    try (WriteAheadLog wal = WriteAheadLog.open(settings(crashed))) {
      assertThat(wal.persistenceIds(0)).isEmpty();
      assertThat(wal.stats().truncatedBytes()).isZero();
      assertThat(logger.all()).doesNotContain("truncated");
      wal.append(write("a", 1, 3)).get();
    }
    try (WriteAheadLog wal = WriteAheadLog.open(settings(crashed))) {
      assertThat(seqs(wal, "a", 1, Long.MAX_VALUE, Long.MAX_VALUE)).isEqualTo(range(1, 3));
    }
  }

  @Test
  void reopen_afterWritesInsidePreallocatedSpace_keepsEveryRecordAndAppendsAfterThem()
      throws Exception {
    long records = writeAndCrash(10);
    Path seg = only(crashed);
    assertThat(Files.size(seg)).isGreaterThan(records);
    try (WriteAheadLog wal = WriteAheadLog.open(settings(crashed))) {
      assertThat(seqs(wal, "a", 1, Long.MAX_VALUE, Long.MAX_VALUE)).isEqualTo(range(1, 10));
      assertThat(wal.stats().truncatedBytes()).isZero();
      assertThat(logger.all()).doesNotContain("truncated");
      wal.append(write("a", 11, 11)).get();
    }
    long frame = (records - SEGMENT_HEADER_LENGTH) / 10;
    assertThat(Files.size(seg)).isEqualTo(records + frame);
    try (WriteAheadLog wal = WriteAheadLog.open(settings(crashed))) {
      assertThat(seqs(wal, "a", 1, Long.MAX_VALUE, Long.MAX_VALUE)).isEqualTo(range(1, 11));
    }
  }

  @Test
  void tornRecordInsidePreallocatedSpace_isCut() throws Exception {
    long records = writeAndCrash(10);
    long frame = (records - SEGMENT_HEADER_LENGTH) / 10;
    Path seg = only(crashed);
    // the last record half written: its second half still zeros, like the space after it
    writeAt(seg, records - frame / 2, new byte[(int) (frame / 2)]);
    try (WriteAheadLog wal = WriteAheadLog.open(settings(crashed))) {
      assertThat(seqs(wal, "a", 1, Long.MAX_VALUE, Long.MAX_VALUE)).isEqualTo(range(1, 9));
      assertThat(wal.stats().truncatedBytes()).isPositive();
      assertThat(logger.all()).contains("truncated torn tail").contains(seg.toString());
      wal.append(write("a", 10, 10)).get();
    }
    assertThat(Files.size(seg)).isEqualTo(records);
    try (WriteAheadLog wal = WriteAheadLog.open(settings(crashed))) {
      assertThat(seqs(wal, "a", 1, Long.MAX_VALUE, Long.MAX_VALUE)).isEqualTo(range(1, 10));
    }
  }

  @Test
  void garbageInsideTheZeros_isATornTail_asAfterAnyLastRecord() throws Exception {
    long records = writeAndCrash(10);
    Path seg = only(crashed);
    long fileSize = Files.size(seg);
    byte[] junk = new byte[100];
    new Random(7).nextBytes(junk);
    writeAt(seg, records + 1000, junk);
    try (WriteAheadLog wal = WriteAheadLog.open(settings(crashed))) {
      assertThat(seqs(wal, "a", 1, Long.MAX_VALUE, Long.MAX_VALUE)).isEqualTo(range(1, 10));
      assertThat(wal.stats().truncatedBytes()).isEqualTo(fileSize - records);
      assertThat(logger.all()).contains("truncated torn tail");
    }
  }

  @Test
  void validRecordInsideTheZeros_isCorruption() throws Exception {
    long records = writeAndCrash(10);
    long frame = (records - SEGMENT_HEADER_LENGTH) / 10;
    Path seg = only(crashed);
    // a copy of the last record, after a gap of zeros: not a clean end, not a torn tail
    long at = records + 512;
    writeAt(seg, at, readAt(seg, records - frame, (int) frame));
    assertThatThrownBy(() -> WriteAheadLog.open(settings(crashed)))
        .isInstanceOf(WalCorruptionException.class)
        .hasMessageContaining(seg.getFileName().toString())
        .hasMessageContaining("valid record at offset " + at);
  }

  @Test
  void sealedSegments_areTrimmedToTheirRecords_whileTheActiveOneRunsAhead() throws Exception {
    WalSettings s =
        WalSettings.builder(dir)
            .compactionEnabled(false)
            .segmentSize(8 * 1024)
            .preallocate(8 * 1024)
            .logger(logger)
            .build();
    try (WriteAheadLog wal = WriteAheadLog.open(s)) {
      for (int i = 1; i <= 1000; i++) {
        wal.append(write("a", i, i)).get();
      }
      List<Path> files = wal.segmentFiles();
      assertThat(files.size()).isGreaterThan(2);
      for (Path p : files.subList(0, files.size() - 1)) {
        try (FileChannel ch = FileChannel.open(p, StandardOpenOption.READ)) {
          SegmentScanner.Result r = new SegmentScanner(ch).scan(idOf(p));
          assertThat(r.clean()).isTrue();
          assertThat(r.committedEnd()).as("sealed %s", p).isEqualTo(r.fileSize());
        }
      }
      assertThat(Files.size(files.get(files.size() - 1))).isEqualTo(8 * 1024);
      assertThat(seqs(wal, "a", 1, Long.MAX_VALUE, Long.MAX_VALUE)).isEqualTo(range(1, 1000));
    }
  }

  @Test
  void activeSegment_isExtendedAhead_andForcedDataOnlyInsideTheDurableLength() throws Exception {
    try (WriteAheadLog wal = WriteAheadLog.open(settings(dir))) {
      byte[] big = new byte[2000];
      for (int i = 1; i <= 40; i++) {
        wal.append(WalWrite.of(List.of(WalEvent.of("a", i, big)))).get();
      }
      Segment active = activeSegment(wal);
      // 40 * ~2 KiB is beyond the first chunk: the extension ran (or runs) in the background
      long deadline = System.nanoTime() + 10_000_000_000L;
      while ((active.extending() || active.durableLength() < active.size)
          && System.nanoTime() < deadline) {
        Thread.sleep(10);
      }
      assertThat(active.size).isGreaterThan(CHUNK);
      assertThat(active.durableLength()).isGreaterThanOrEqualTo(active.size);
      assertThat(active.allocated()).isEqualTo(Files.size(only(dir)));
      assertThat(active.allocated() % CHUNK).isZero();
    }
  }

  private static Segment activeSegment(WriteAheadLog wal) throws Exception {
    var f = WriteAheadLog.class.getDeclaredField("store");
    f.setAccessible(true);
    return ((WalStore) f.get(wal)).active;
  }

  private static long idOf(Path p) {
    String n = p.getFileName().toString();
    return Long.parseLong(n.substring(0, n.indexOf('.')));
  }

  @Test
  void noSync_doesNotPreallocate() throws Exception {
    WalSettings s =
        WalSettings.builder(dir)
            .compactionEnabled(false)
            .syncMode(SyncMode.NO_SYNC)
            .preallocate(CHUNK)
            .logger(logger)
            .build();
    try (WriteAheadLog wal = WriteAheadLog.open(s)) {
      wal.append(write("a", 1, 1)).get();
      assertThat(Files.size(only(dir))).isLessThan(CHUNK);
    }
  }

  @Test
  void settings_invalidPreallocate_namesTheKey() {
    assertThatThrownBy(() -> WalSettings.builder(dir).preallocate(100).build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("preallocate");
    assertThatThrownBy(() -> WalSettings.builder(dir).preallocate(-1).build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("preallocate");
    Config reference = ConfigFactory.defaultReference().getConfig("elasticq.journal");
    assertThatThrownBy(
            () ->
                WalSettings.fromConfig(
                    ConfigFactory.parseString("preallocate = 1000").withFallback(reference),
                    "elasticq.journal"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("elasticq.journal.preallocate");
    assertThatThrownBy(
            () ->
                WalSettings.fromConfig(
                    ConfigFactory.parseString("preallocate = much").withFallback(reference),
                    "elasticq.journal"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("elasticq.journal.preallocate");
    assertThat(WalSettings.fromConfig(reference, "elasticq.journal").preallocate()).isZero();
    assertThat(
            WalSettings.fromConfig(
                    ConfigFactory.parseString("preallocate = 8MiB").withFallback(reference),
                    "elasticq.journal")
                .preallocate())
        .isEqualTo(8L * 1024 * 1024);
  }
}
