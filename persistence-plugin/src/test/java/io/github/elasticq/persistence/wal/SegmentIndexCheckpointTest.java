package io.github.elasticq.persistence.wal;

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
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Index checkpoints of sealed segments: an open from checkpoints builds the same index as an open
 * that scans every segment, and a checkpoint that is damaged, stale or missing is ignored with a
 * warning (the segment is scanned and checkpointed again).
 */
class SegmentIndexCheckpointTest {
  @TempDir Path dir;
  RecordingLogger logger;

  static final int IDS = 12;

  @BeforeEach
  void setUp() {
    logger = new RecordingLogger();
  }

  WalSettings settings(boolean checkpoints) {
    return WalSettings.builder(dir)
        .compactionEnabled(false)
        .segmentSize(4096)
        .indexCheckpoint(checkpoints)
        .logger(logger)
        .build();
  }

  /** What an open knows: the index as text and every id's replay. */
  record Opened(String index, Map<String, List<WalEvent>> replays, int checkpointed, int scanned) {}

  Opened open(boolean checkpoints) throws IOException {
    try (WriteAheadLog wal = WriteAheadLog.open(settings(checkpoints))) {
      Map<String, List<WalEvent>> replays = new HashMap<>();
      for (String pid : wal.persistenceIds(0)) {
        replays.put(pid, wal.readAll(pid));
      }
      int[] counts = wal.openCountsForTesting();
      return new Opened(wal.describeIndexForTesting(), replays, counts[0], counts[1]);
    }
  }

  static void assertSameIndex(Opened actual, Opened expected) {
    assertThat(actual.index()).isEqualTo(expected.index());
    assertThat(actual.replays()).isEqualTo(expected.replays());
  }

  /**
   * A seeded mix of atomic writes of one or several ids, deletes (tombstones, some of everything),
   * rewrites of a sequence number, and, if {@code compact}, a compaction half way; then closes.
   */
  void writeWorkload(long seed, boolean checkpoints, boolean compact) throws Exception {
    Random rnd = new Random(seed);
    long[] highest = new long[IDS];
    try (WriteAheadLog wal = WriteAheadLog.open(settings(checkpoints))) {
      for (int step = 0; step < 600; step++) {
        int id = rnd.nextInt(IDS);
        String pid = "pid-" + id;
        int op = rnd.nextInt(100);
        if (op < 70) {
          int n = 1 + rnd.nextInt(4);
          wal.append(event(pid, highest[id] + 1, highest[id] + n, rnd)).get();
          highest[id] += n;
        } else if (op < 80) {
          int other = (id + 1) % IDS;
          wal.append(
                  List.of(
                      event(pid, highest[id] + 1, highest[id] + 2, rnd),
                      event("pid-" + other, highest[other] + 1, highest[other] + 1, rnd)))
              .get();
          highest[id] += 2;
          highest[other] += 1;
        } else if (op < 92) {
          long to = rnd.nextInt(5) == 0 ? Long.MAX_VALUE : rnd.nextInt((int) highest[id] + 1);
          wal.deleteTo(pid, to).get();
        } else if (highest[id] > 2) {
          highest[id] -= 1; // the next append rewrites the highest sequence number
        }
        if (compact && step == 400) {
          assertThat(wal.compact(0.2)).isPositive();
        }
      }
      assertThat(wal.segmentFiles()).hasSizeGreaterThan(10);
    }
  }

  static WalWrite event(String pid, long from, long to, Random rnd) {
    List<WalEvent> events = new ArrayList<>();
    for (long s = from; s <= to; s++) {
      byte[] payload = new byte[10 + rnd.nextInt(200)];
      rnd.nextBytes(payload);
      events.add(WalEvent.of(pid, s, payload));
    }
    return WalWrite.of(events);
  }

  List<Path> segments() throws IOException {
    try (Stream<Path> s = Files.list(dir)) {
      return s.filter(p -> Segment.FILE_NAME.matcher(p.getFileName().toString()).matches())
          .sorted()
          .toList();
    }
  }

  static long idOf(Path segment) {
    return Long.parseLong(segment.getFileName().toString().substring(0, 20));
  }

  /** The records of a (sealed, undamaged) segment file, as a scan at open finds them. */
  static List<SegmentScanner.Entry> entriesOf(Path segment) throws IOException {
    try (FileChannel ch = FileChannel.open(segment, StandardOpenOption.READ)) {
      return new SegmentScanner(ch).scan(idOf(segment)).entries();
    }
  }

  @Test
  void open_fromCheckpoints_buildsTheIndexOfAScan() throws Exception {
    writeWorkload(1, true, false);
    int sealed = segments().size() - 1;
    Opened scan = open(false);
    assertThat(scan.scanned()).isEqualTo(sealed + 1);
    Opened fromCheckpoints = open(true);
    assertThat(fromCheckpoints.checkpointed()).isEqualTo(sealed);
    assertThat(fromCheckpoints.scanned()).isEqualTo(1);
    assertSameIndex(fromCheckpoints, scan);
    assertThat(logger.all()).doesNotContain("WARNING");
  }

  @Test
  void open_fromCheckpointsWrittenByCompaction_buildsTheIndexOfAScan() throws Exception {
    writeWorkload(2, true, true);
    Opened scan = open(false);
    Opened fromCheckpoints = open(true);
    assertThat(fromCheckpoints.checkpointed()).isEqualTo(segments().size() - 1);
    assertSameIndex(fromCheckpoints, scan);
    assertThat(logger.all()).doesNotContain("WARNING");
  }

  @Test
  void open_withStaleCheckpointOfSegmentBeforeCompaction_scansIt() throws Exception {
    writeWorkload(3, true, false);
    Map<Path, byte[]> before = new HashMap<>();
    Map<Path, Long> sizes = new HashMap<>();
    for (Path s : segments()) {
      Path idx = SegmentIndexCheckpoint.path(dir, idOf(s));
      if (Files.exists(idx)) {
        before.put(idx, Files.readAllBytes(idx));
        sizes.put(s, Files.size(s));
      }
    }
    try (WriteAheadLog wal = WriteAheadLog.open(settings(true))) {
      for (int i = 0; i < IDS; i++) {
        wal.deleteTo("pid-" + i, wal.highestSequenceNr("pid-" + i) / 2).get();
      }
      assertThat(wal.compact(0.1)).isPositive();
    }
    // put back the checkpoints of the segments compaction rewrote: stale, same file names
    int restored = 0;
    for (Path s : segments()) {
      Long old = sizes.get(s);
      if (old != null && old != Files.size(s)) {
        Path idx = SegmentIndexCheckpoint.path(dir, idOf(s));
        Files.write(idx, before.get(idx));
        restored++;
      }
    }
    assertThat(restored).isPositive();
    Opened scan = open(false);
    logger.messages.clear();
    Opened opened = open(true);
    assertSameIndex(opened, scan);
    assertThat(opened.scanned()).isEqualTo(1 + restored);
    assertThat(logger.all()).contains("WARNING").contains("describes a segment of");
    assertThat(open(true).checkpointed()).isEqualTo(segments().size() - 1);
  }

  /** Damages the checkpoint of a sealed segment in the middle; the open must fall back. */
  void assertFallback(Damage damage, String reason) throws Exception {
    writeWorkload(4, true, false);
    List<Path> segs = segments();
    Path target = segs.get(segs.size() / 2);
    Path idx = SegmentIndexCheckpoint.path(dir, idOf(target));
    assertThat(idx).exists();
    Opened scan = open(false);
    damage.apply(target, idx);
    logger.messages.clear();
    Opened opened = open(true);
    assertSameIndex(opened, scan);
    assertThat(opened.checkpointed()).isEqualTo(segs.size() - 2);
    assertThat(opened.scanned()).isEqualTo(2);
    assertThat(logger.all()).contains("WARNING").contains(target.toString()).contains(reason);
    // the segment was checkpointed again after the open
    logger.messages.clear();
    Opened again = open(true);
    assertThat(again.checkpointed()).isEqualTo(segs.size() - 1);
    assertSameIndex(again, scan);
    assertThat(logger.all()).doesNotContain("WARNING");
  }

  @FunctionalInterface
  interface Damage {
    void apply(Path segment, Path checkpoint) throws IOException;
  }

  @Test
  void open_withFlippedByteInCheckpoint_scansTheSegment() throws Exception {
    // a byte of the sequence number of a live event in the middle of the entries: only the
    // checksum can see it, and accepting it would change the index
    assertFallback(
        (seg, idx) -> {
          String live = open(false).index();
          ByteBuffer b = ByteBuffer.wrap(Files.readAllBytes(idx));
          int entries = b.getInt(28); // entry count
          int first =
              b.capacity()
                  - SegmentIndexCheckpoint.CRC_LENGTH
                  - entries * SegmentIndexCheckpoint.ENTRY_LENGTH;
          long offset = SegmentRecordDescriptor.SEGMENT_HEADER_LENGTH;
          int chosen = -1;
          for (int i = 0; i < entries - 1; i++) {
            int p = first + i * SegmentIndexCheckpoint.ENTRY_LENGTH;
            if (i > 0
                && b.get(p) == SegmentRecordDescriptor.TYPE_EVENT
                && live.contains(":" + idOf(seg) + "@" + offset + "+")) {
              chosen = p;
              if (i >= entries / 2) {
                break;
              }
            }
            offset += b.getInt(p + 13);
          }
          assertThat(chosen).as("a live event in the middle of the segment").isNotNegative();
          WalRecoveryTest.flipByte(idx, chosen + 1 + 4 + 7);
        },
        "checksum mismatch");
  }

  @Test
  void open_withTruncatedCheckpoint_scansTheSegment() throws Exception {
    assertFallback(
        (seg, idx) -> {
          try (FileChannel ch = FileChannel.open(idx, StandardOpenOption.WRITE)) {
            ch.truncate(ch.size() - 7);
          }
        },
        "truncated");
  }

  @Test
  void open_withCheckpointOfShorterSegment_scansTheSegment() throws Exception {
    // a well-formed checkpoint of the segment's first records only (as a stale one of an older,
    // shorter file of this name would be): its own records, checksum and ends are consistent
    assertFallback(
        (seg, idx) -> {
          List<SegmentScanner.Entry> entries = entriesOf(seg);
          List<SegmentScanner.Entry> prefix = entries.subList(0, entries.size() - 3);
          long length = SegmentRecordDescriptor.SEGMENT_HEADER_LENGTH;
          for (SegmentScanner.Entry e : prefix) {
            length += e.frameLength();
          }
          SegmentIndexCheckpoint.write(dir, idOf(seg), length, prefix);
        },
        "describes a segment of");
  }

  @Test
  void open_withCheckpointMissingARecord_scansTheSegment() throws Exception {
    // header, checksum, segment length and both end records are right, but a record in the middle
    // is left out: the frame lengths do not add up, and the offsets after it would be wrong
    assertFallback(
        (seg, idx) -> {
          List<SegmentScanner.Entry> entries = new ArrayList<>(entriesOf(seg));
          assertThat(entries).hasSizeGreaterThan(2);
          entries.remove(entries.size() / 2);
          SegmentIndexCheckpoint.write(dir, idOf(seg), Files.size(seg), entries);
        },
        "its records end at offset");
  }

  @Test
  void open_withCheckpointOfAnotherSegment_scansTheSegment() throws Exception {
    assertFallback(
        (seg, idx) ->
            Files.copy(
                SegmentIndexCheckpoint.path(dir, idOf(seg) - 1),
                idx,
                java.nio.file.StandardCopyOption.REPLACE_EXISTING),
        "it is the checkpoint of segment");
  }

  @Test
  void open_withMissingCheckpoint_scansTheSegment() throws Exception {
    assertFallback((seg, idx) -> Files.delete(idx), "no index checkpoint");
  }

  @Test
  void open_withDamagedFirstRecordOfCheckpointedSegment_failsLikeAScan() throws Exception {
    writeWorkload(5, true, false);
    Path first = segments().get(0);
    WalRecoveryTest.flipByte(first, SegmentRecordDescriptor.SEGMENT_HEADER_LENGTH + 20);
    assertThatThrownBy(() -> WriteAheadLog.open(settings(true)))
        .isInstanceOf(WalCorruptionException.class)
        .hasMessageContaining(first.toString());
    assertThat(logger.all()).contains("does not match it");
  }

  /** The last record of a checkpointed segment is validated at open too, as the first is. */
  @Test
  void open_withDamagedLastRecordOfCheckpointedSegment_failsLikeAScan() throws Exception {
    writeWorkload(5, true, false);
    Path first = segments().get(0);
    assertThat(SegmentIndexCheckpoint.path(dir, idOf(first))).exists();
    WalRecoveryTest.flipByte(first, Files.size(first) - 1);
    assertThatThrownBy(() -> WriteAheadLog.open(settings(true)))
        .isInstanceOf(WalCorruptionException.class)
        .hasMessageContaining(first.toString());
    assertThat(logger.all()).contains("does not match it");
  }

  @Test
  void replay_findsDamageInsideCheckpointedSegment_thatTheOpenSkipped() throws Exception {
    // the documented trade-off: records between the first and the last are verified when read
    try (WriteAheadLog wal = WriteAheadLog.open(settings(true))) {
      for (int i = 1; i <= 200; i++) {
        wal.append(write("a", i, i)).get();
      }
    }
    Path first = segments().get(0);
    long frame; // every record of "a" has the same size
    try (FileChannel ch = FileChannel.open(first, StandardOpenOption.READ)) {
      ByteBuffer length = ByteBuffer.allocate(4);
      ch.read(length, SegmentRecordDescriptor.SEGMENT_HEADER_LENGTH);
      frame = SegmentRecordDescriptor.FRAME_HEADER_LENGTH + length.getInt(0);
    }
    long middle = SegmentRecordDescriptor.SEGMENT_HEADER_LENGTH + 5 * frame;
    WalRecoveryTest.flipByte(first, middle + frame - 1);
    try (WriteAheadLog wal = WriteAheadLog.open(settings(true))) {
      assertThatThrownBy(() -> wal.readAll("a"))
          .isInstanceOfSatisfying(
              WalCorruptionException.class, e -> assertThat(e.offset()).isEqualTo(middle))
          .hasMessageContaining(first.toString());
    }
    assertThatThrownBy(() -> WriteAheadLog.open(settings(false)))
        .isInstanceOf(WalCorruptionException.class)
        .hasMessageContaining(first.toString());
  }

  @Test
  void open_deletesOrphanAndTemporaryCheckpoints() throws Exception {
    writeWorkload(6, true, false);
    Path orphan = SegmentIndexCheckpoint.path(dir, 999_999);
    Path tmp = dir.resolve(SegmentIndexCheckpoint.path(dir, 1).getFileName() + ".tmp");
    Files.write(orphan, new byte[] {1, 2, 3});
    Files.write(tmp, new byte[] {4, 5});
    assertThat(open(true).checkpointed()).isEqualTo(segments().size() - 1);
    assertThat(orphan).doesNotExist();
    assertThat(tmp).doesNotExist();
  }

  /**
   * Damage inside a checkpointed segment (the open accepts it, and compaction reports it): a pass
   * skips that segment, reclaims the others, then reports the damage. The pass used to stop at the
   * damaged segment every time, so the newer, entirely deleted segments were never reclaimed and
   * the log grew without bound.
   */
  @Test
  void damageInOneCheckpointedSegment_isReported_andTheOthersAreStillCompacted() throws Exception {
    WalSettings s =
        WalSettings.builder(dir)
            .compactionEnabled(false)
            .segmentSize(4096)
            .indexCheckpoint(true)
            .build();
    List<Path> files;
    try (WriteAheadLog wal = WriteAheadLog.open(s)) {
      long k = 0;
      while (wal.segmentFiles().size() < 2) {
        wal.append(write("keep", ++k, k)).get(); // segment 1 (its last event may open segment 2)
      }
      long g = 0;
      while (wal.segmentFiles().size() < 6) {
        wal.append(write("gone", ++g, g)).get(); // segments 2 - 5
      }
      files = wal.segmentFiles();
    }
    WalRecoveryTest.flipByte(files.get(0), 2000);
    try (WriteAheadLog wal = WriteAheadLog.open(s)) {
      wal.deleteTo("keep", wal.highestSequenceNr("keep") - 3).get(); // segment 1 eligible too
      wal.deleteTo("gone", Long.MAX_VALUE).get(); // segments 2 - 5 entirely dead
      assertThatThrownBy(() -> wal.compact(0.5))
          .isInstanceOf(WalCorruptionException.class)
          .hasMessageContaining(files.get(0).getFileName().toString());
      assertThat(wal.segmentFiles()).as("segment 1 kept as it is").contains(files.get(0));
      // segment 2 may hold the last events of "keep" (rewritten, not dropped); 3 - 5 hold none
      for (Path reclaimed : files.subList(2, 5)) {
        assertThat(wal.segmentFiles()).as("reclaimed despite segment 1").doesNotContain(reclaimed);
      }
      assertThat(wal.readAll("gone")).isEmpty();
    }
  }

  @Test
  void compaction_deletesTheCheckpointOfADroppedSegment() throws Exception {
    try (WriteAheadLog wal = WriteAheadLog.open(settings(true))) {
      for (int i = 1; i <= 100; i++) {
        wal.append(write("a", i, i)).get();
      }
      wal.deleteTo("a", Long.MAX_VALUE).get();
    }
    List<Path> before = segments();
    Path firstCheckpoint = SegmentIndexCheckpoint.path(dir, idOf(before.get(0)));
    assertThat(firstCheckpoint).exists();
    try (WriteAheadLog wal = WriteAheadLog.open(settings(true))) {
      assertThat(wal.compact(0.5)).isPositive();
    }
    assertThat(before.get(0)).doesNotExist();
    assertThat(firstCheckpoint).doesNotExist();
  }

  @Test
  void indexCheckpointOff_writesNone_andOnScansOnceThenUsesThem() throws Exception {
    writeWorkload(7, false, false);
    try (Stream<Path> s = Files.list(dir)) {
      assertThat(s.filter(p -> p.toString().endsWith(".idx"))).isEmpty();
    }
    Opened scan = open(false);
    Opened first = open(true);
    assertThat(first.checkpointed()).isZero();
    assertThat(logger.all()).contains("WARNING").contains("no index checkpoint");
    assertSameIndex(first, scan);
    Opened second = open(true);
    assertThat(second.checkpointed()).isEqualTo(segments().size() - 1);
    assertSameIndex(second, scan);
  }

  @Test
  void fromConfig_indexCheckpointIsOffByDefault_andRejectsAnInvalidValue() {
    Config ref = ConfigFactory.defaultReference().getConfig("elasticq.journal");
    assertThat(WalSettings.fromConfig(ref, "elasticq.journal").indexCheckpoint()).isFalse();
    assertThat(WalSettings.builder(Path.of("x")).build().indexCheckpoint()).isFalse();
    Config on = ConfigFactory.parseString("index-checkpoint = on").withFallback(ref);
    assertThat(WalSettings.fromConfig(on, "elasticq.journal").indexCheckpoint()).isTrue();
    Config bad = ConfigFactory.parseString("index-checkpoint = sometimes").withFallback(ref);
    assertThatThrownBy(() -> WalSettings.fromConfig(bad, "elasticq.journal"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("elasticq.journal.index-checkpoint")
        .hasMessageContaining("sometimes");
  }
}
