package io.github.elasticq.persistence.wal;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The segment format change that added event metadata (version 2): a log written by the previous
 * format (a real version 1 segment, written by ElasticQ before the change and kept under {@code
 * src/test/resources/wal-format-v1}) opens and replays; new writes go to a new version 2 segment,
 * never into the old one; compaction keeps the metadata of the records it copies.
 */
class WalFormatCompatibilityTest {
  static final String V1_SEGMENT = "00000000000000000001.wal";

  @TempDir Path dir;

  static WalSettings settings(Path dir) {
    return WalSettings.builder(dir)
        .syncMode(SyncMode.NO_SYNC)
        .compactionEnabled(false)
        .segmentSize(4096)
        .build();
  }

  byte[] copyV1Fixture() throws IOException {
    try (InputStream in = getClass().getResourceAsStream("/wal-format-v1/" + V1_SEGMENT)) {
      byte[] bytes = in.readAllBytes();
      Files.write(dir.resolve(V1_SEGMENT), bytes);
      return bytes;
    }
  }

  static List<String> payloads(List<WalEvent> events) {
    List<String> out = new ArrayList<>();
    for (WalEvent e : events) {
      out.add(e.sequenceNr() + ":" + new String(e.payload(), StandardCharsets.UTF_8));
    }
    return out;
  }

  static int headerVersion(Path segment) throws IOException {
    return ByteBuffer.wrap(Files.readAllBytes(segment)).getInt(4);
  }

  static WalEvent withMetadata(String pid, long seq, String payload, String metadata) {
    return new WalEvent(
        pid,
        seq,
        "writer-2",
        "",
        20,
        "",
        1L,
        payload.getBytes(StandardCharsets.UTF_8),
        20,
        "m",
        metadata.getBytes(StandardCharsets.UTF_8));
  }

  @Test
  void open_ofVersion1Log_replaysEverythingAndHonoursItsTombstone() throws IOException {
    byte[] original = copyV1Fixture();
    assertThat(ByteBuffer.wrap(original).getInt(4)).isEqualTo(1);
    try (WriteAheadLog wal = WriteAheadLog.open(settings(dir))) {
      // written as old-a 1..10, old-b 1..3, then old-a deleted up to 4
      assertThat(payloads(wal.readAll("old-a")))
          .containsExactly("5:e-5", "6:e-6", "7:e-7", "8:e-8", "9:e-9", "10:e-10");
      assertThat(payloads(wal.readAll("old-b"))).containsExactly("1:e-1", "2:e-2", "3:e-3");
      assertThat(wal.highestSequenceNr("old-a")).isEqualTo(10);
      assertThat(wal.readAll("old-a").get(0).writerUuid()).isEqualTo("writer-1");
      assertThat(wal.readAll("old-a").get(0).hasMetadata()).isFalse();
    }
  }

  @Test
  void append_toVersion1Log_goesToANewVersion2Segment_andSurvivesRestart() throws IOException {
    byte[] original = copyV1Fixture();
    WalEvent added = withMetadata("old-a", 11, "e-11", "meta-11");
    try (WriteAheadLog wal = WriteAheadLog.open(settings(dir))) {
      wal.append(WalWrite.of(List.of(added))).join();
      assertThat(wal.segmentFiles()).hasSize(2);
    }
    assertThat(Files.readAllBytes(dir.resolve(V1_SEGMENT)))
        .as("the version 1 segment is never appended to")
        .isEqualTo(original);
    assertThat(headerVersion(dir.resolve("00000000000000000002.wal")))
        .isEqualTo(SegmentRecordDescriptor.SEGMENT_VERSION);

    try (WriteAheadLog wal = WriteAheadLog.open(settings(dir))) {
      List<WalEvent> events = wal.readAll("old-a");
      assertThat(payloads(events)).endsWith("10:e-10", "11:e-11");
      assertThat(events.get(events.size() - 1)).isEqualTo(added);
      assertThat(wal.highestSequenceNr("old-a")).isEqualTo(11);
      // compaction rewrites the old segment (it holds deleted records) with a version 2 header
      assertThat(wal.compact(0.01)).isEqualTo(1);
      assertThat(headerVersion(dir.resolve(V1_SEGMENT)))
          .isEqualTo(SegmentRecordDescriptor.SEGMENT_VERSION);
      assertThat(payloads(wal.readAll("old-b"))).containsExactly("1:e-1", "2:e-2", "3:e-3");
    }
    try (WriteAheadLog wal = WriteAheadLog.open(settings(dir))) {
      assertThat(payloads(wal.readAll("old-a")))
          .containsExactly("5:e-5", "6:e-6", "7:e-7", "8:e-8", "9:e-9", "10:e-10", "11:e-11");
      assertThat(wal.readAll("old-a").get(6)).isEqualTo(added);
    }
  }

  @Test
  void compaction_ofRecordsWithMetadata_keepsTheirMetadata() throws IOException {
    List<WalEvent> written = new ArrayList<>();
    try (WriteAheadLog wal = WriteAheadLog.open(settings(dir))) {
      for (int i = 1; i <= 200; i++) {
        WalEvent e = withMetadata("p", i, "payload-" + i, "meta-" + i);
        written.add(e);
        // pairs as atomic writes: compaction must also clear the batch flag and keep the other
        if (i % 2 == 0) {
          wal.append(WalWrite.of(List.of(written.get(i - 2), e))).join();
        }
      }
      wal.deleteTo("p", 101).join(); // 101 shares its segment with 102
      assertThat(wal.segmentFiles().size()).isGreaterThan(2);
      assertThat(wal.compact(0.01)).isPositive();
    }
    try (WriteAheadLog wal = WriteAheadLog.open(settings(dir))) {
      assertThat(wal.readAll("p")).containsExactlyElementsOf(written.subList(101, 200));
    }
  }

  @Test
  void record_withMetadataFlagButNoTrailer_isRejectedAsMalformed() {
    WalEvent plain = WalEvent.of("p", 1, new byte[] {1, 2, 3});
    WalWrite w = WalWrite.of(List.of(plain));
    byte[] frame = w.frames.clone();
    frame[SegmentRecordDescriptor.FLAGS_OFFSET] |= SegmentRecordDescriptor.FLAG_HAS_METADATA;
    int body = frame.length - SegmentRecordDescriptor.FRAME_HEADER_LENGTH;
    ByteBuffer.wrap(frame)
        .putInt(
            SegmentRecordDescriptor.CRC_OFFSET, SegmentRecordDescriptor.checksum(frame, 0, body));
    assertThat(RecordCodec.validate(frame, 0, frame.length)).isEqualTo("malformed body");
    assertThat(RecordCodec.validate(w.frames, 0, frame.length)).isNull();
  }
}
