package io.github.elasticq.persistence.wal;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The index names segments through a per-id slot table (so that it holds no references per entry);
 * these tests drive the table through growth, relocation and slot reclamation and check that every
 * entry still resolves to the right segment and offset.
 */
class PidIndexTest {
  @TempDir Path dir;
  private final List<Segment> segments = new ArrayList<>();

  private Segment segment(long id) throws Exception {
    Segment s = Segment.create(dir, id, false);
    segments.add(s);
    return s;
  }

  @AfterEach
  void close() {
    segments.forEach(Segment::retire);
  }

  private static List<String> entries(PidIndex idx, long from, long to) {
    PidIndex.Slice slice = new PidIndex.Slice(1024);
    List<String> out = new ArrayList<>();
    idx.slice(from, to, 1024, slice);
    try {
      for (int i = 0; i < slice.n; i++) {
        out.add(slice.seqs[i] + "@" + slice.segs[i].id + ":" + slice.offs[i]);
      }
    } finally {
      slice.release();
    }
    return out;
  }

  @Test
  void slice_resolvesSegmentsAcrossManySegments_afterRelocationsAndSlotReclaim() throws Exception {
    PidIndex idx = new PidIndex("p");
    Segment[] original = new Segment[40];
    List<String> expected = new ArrayList<>();
    for (int s = 0; s < original.length; s++) {
      original[s] = segment(s + 1);
      for (int k = 0; k < 5; k++) {
        long seq = s * 5L + k + 1;
        idx.append(seq, original[s], 100 + k * 50, 50);
        expected.add(seq + "@" + (s + 1) + ":" + (100 + k * 50));
      }
    }
    assertThat(entries(idx, 1, Long.MAX_VALUE)).isEqualTo(expected);

    // Compaction replaces every second segment by a new object with the same id and new offsets:
    // the old objects' slots become unused and are reclaimed as the table fills up.
    List<String> relocated = new ArrayList<>();
    for (int s = 0; s < original.length; s++) {
      Segment target = original[s];
      if (s % 2 == 0) {
        target = segment(1000 + s);
        for (int k = 0; k < 5; k++) {
          long seq = s * 5L + k + 1;
          assertThat(idx.relocate((byte) 1, seq, original[s], 100 + k * 50, target, 16 + k * 50))
              .isTrue();
          assertThat(idx.isLiveEvent(seq, target, 16 + k * 50)).isTrue();
          assertThat(idx.isLiveEvent(seq, original[s], 100 + k * 50)).isFalse();
        }
      }
      for (int k = 0; k < 5; k++) {
        long seq = s * 5L + k + 1;
        relocated.add(seq + "@" + target.id + ":" + (s % 2 == 0 ? 16 + k * 50 : 100 + k * 50));
      }
    }
    assertThat(entries(idx, 1, Long.MAX_VALUE)).isEqualTo(relocated);

    // A relocation of an entry that already moved is refused (it is dead bytes there).
    assertThat(idx.relocate((byte) 1, 1, original[0], 100, segment(5000), 16)).isFalse();

    // Deleting up to 100 drops the first 20 segments' entries and counts their bytes dead.
    idx.tombstone(100, original[39], 400, 40);
    assertThat(entries(idx, 1, Long.MAX_VALUE)).isEqualTo(relocated.subList(100, 200));
    assertThat(original[1].deadBytes()).isEqualTo(5 * 50);
    assertThat(idx.highest()).isEqualTo(200);

    // More segments after the delete: the reclaimed table keeps resolving old and new entries.
    for (int s = 0; s < 20; s++) {
      Segment extra = segment(2000 + s);
      idx.append(201 + s, extra, 16, 50);
      relocated.add((201 + s) + "@" + extra.id + ":16");
    }
    assertThat(entries(idx, 1, Long.MAX_VALUE)).isEqualTo(relocated.subList(100, 220));
  }

  @Test
  void append_rewritingSequenceNumbers_supersedesThemAndEverythingAfter() throws Exception {
    PidIndex idx = new PidIndex("p");
    Segment a = segment(1);
    Segment b = segment(2);
    for (int i = 1; i <= 10; i++) {
      idx.append(i, a, i * 100, 100);
    }
    idx.append(6, b, 16, 30);
    assertThat(entries(idx, 1, Long.MAX_VALUE))
        .containsExactly("1@1:100", "2@1:200", "3@1:300", "4@1:400", "5@1:500", "6@2:16");
    // 6..9 are dead; the old 10 still carries the highest, so compaction keeps its record
    assertThat(a.deadBytes()).isEqualTo(4 * 100);
    assertThat(idx.highest()).isEqualTo(10);
    assertThat(idx.isHighestHolder(a, 1000)).isTrue();
    assertThat(idx.isLiveEvent(10, a, 1000)).isFalse();
    for (int i = 7; i <= 10; i++) {
      idx.append(i, b, 16 + (i - 6) * 30, 30);
    }
    assertThat(idx.isHighestHolder(a, 1000)).as("a new 10 carries the highest").isFalse();
    assertThat(a.deadBytes()).isEqualTo(5 * 100);
    assertThat(idx.highest()).isEqualTo(10);
  }

  @Test
  void highestHolder_isReleasedByATombstoneReachingTheHighest_andMovesWithCompaction()
      throws Exception {
    PidIndex idx = new PidIndex("p");
    Segment a = segment(1);
    Segment b = segment(2);
    Segment c = segment(3);
    for (int i = 1; i <= 10; i++) {
      idx.append(i, a, i * 100, 100);
    }
    idx.append(3, b, 0, 50); // supersedes 3..10; the old 10 holds the highest
    assertThat(idx.relocate(SegmentRecordDescriptor.TYPE_EVENT, 10, a, 1000, c, 8)).isTrue();
    assertThat(idx.isHighestHolder(c, 8)).isTrue();
    idx.tombstone(5, b, 50, 20); // below the highest: the holder is still needed
    assertThat(idx.isHighestHolder(c, 8)).isTrue();
    idx.tombstone(10, b, 70, 20);
    assertThat(idx.isHighestHolder(c, 8)).isFalse();
    assertThat(c.deadBytes()).isEqualTo(100);
    assertThat(idx.highest()).isEqualTo(10);
  }
}
