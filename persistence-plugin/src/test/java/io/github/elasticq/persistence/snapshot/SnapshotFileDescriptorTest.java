package io.github.elasticq.persistence.snapshot;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

class SnapshotFileDescriptorTest {

  private static final Path SOURCE = Paths.get("dir", "snapshot-7-1234.snap");

  private static SnapshotRecord sample(boolean withMetadata) {
    return new SnapshotRecord(
        "weird/../id:日本",
        7,
        1234,
        new SerializedObject(20, "m", "payload".getBytes(StandardCharsets.UTF_8)),
        withMetadata ? new SerializedObject(21, "meta-manifest", new byte[] {9, 8, 7}) : null);
  }

  @Test
  void decode_ofEncoded_returnsEveryField() throws Exception {
    for (boolean withMetadata : new boolean[] {false, true}) {
      SnapshotRecord in = sample(withMetadata);
      byte[] file = SnapshotFileDescriptor.encode(in);

      SnapshotRecord out = SnapshotFileDescriptor.decode(file, SOURCE);

      assertThat(out.persistenceId()).isEqualTo(in.persistenceId());
      assertThat(out.sequenceNr()).isEqualTo(7);
      assertThat(out.timestamp()).isEqualTo(1234);
      assertThat(out.snapshot().serializerId()).isEqualTo(20);
      assertThat(out.snapshot().manifest()).isEqualTo("m");
      assertThat(out.snapshot().bytes()).isEqualTo(in.snapshot().bytes());
      if (withMetadata) {
        assertThat(out.metadata().serializerId()).isEqualTo(21);
        assertThat(out.metadata().manifest()).isEqualTo("meta-manifest");
        assertThat(out.metadata().bytes()).containsExactly(9, 8, 7);
      } else {
        assertThat(out.metadata()).isNull();
      }
    }
  }

  @Test
  void encode_writesDocumentedHeader() {
    byte[] file = SnapshotFileDescriptor.encode(sample(false));
    ByteBuffer buf = ByteBuffer.wrap(file);
    byte[] pid = "weird/../id:日本".getBytes(StandardCharsets.UTF_8);

    assertThat(Arrays.copyOf(file, 4)).isEqualTo("EQSS".getBytes(StandardCharsets.US_ASCII));
    assertThat(buf.getShort(SnapshotFileDescriptor.VERSION_OFFSET)).isEqualTo((short) 1);
    assertThat(buf.getLong(SnapshotFileDescriptor.SEQUENCE_NR_OFFSET)).isEqualTo(7);
    assertThat(buf.getLong(SnapshotFileDescriptor.TIMESTAMP_OFFSET)).isEqualTo(1234);
    assertThat(buf.getInt(SnapshotFileDescriptor.PERSISTENCE_ID_LENGTH_OFFSET))
        .isEqualTo(pid.length);
    assertThat(file)
        .hasSize(SnapshotFileDescriptor.HEADER_LENGTH + pid.length + 1 + "payload".length());
  }

  @Test
  void decode_withAnySingleBitFlipped_failsAsCorrupt() {
    for (boolean withMetadata : new boolean[] {false, true}) {
      byte[] good = SnapshotFileDescriptor.encode(sample(withMetadata));
      for (int i = 0; i < good.length; i++) {
        for (int bit = 0; bit < 8; bit++) {
          byte[] bad = good.clone();
          bad[i] ^= (byte) (1 << bit);
          assertThatThrownBy(() -> SnapshotFileDescriptor.decode(bad, SOURCE))
              .as("flip of bit %d in byte %d", bit, i)
              .isInstanceOf(CorruptSnapshotException.class)
              .hasMessageContaining(SOURCE.toString());
        }
      }
    }
  }

  @Test
  void decode_ofEveryTruncation_failsAsCorrupt() {
    byte[] good = SnapshotFileDescriptor.encode(sample(true));
    for (int length = 0; length < good.length; length++) {
      byte[] truncated = Arrays.copyOf(good, length);
      assertThatThrownBy(() -> SnapshotFileDescriptor.decode(truncated, SOURCE))
          .as("truncated to %d bytes", length)
          .isInstanceOf(CorruptSnapshotException.class)
          .hasMessageContaining("truncated");
    }
  }

  @Test
  void decode_withTrailingBytes_failsAsCorrupt() {
    byte[] good = SnapshotFileDescriptor.encode(sample(false));
    byte[] longer = Arrays.copyOf(good, good.length + 1);

    assertThatThrownBy(() -> SnapshotFileDescriptor.decode(longer, SOURCE))
        .isInstanceOf(CorruptSnapshotException.class)
        .hasMessageContaining("trailing bytes");
  }

  @Test
  void decode_ofZeroFilledFile_namesBadMagic() {
    byte[] zeros = new byte[SnapshotFileDescriptor.HEADER_LENGTH + 10];

    assertThatThrownBy(() -> SnapshotFileDescriptor.decode(zeros, SOURCE))
        .isInstanceOf(CorruptSnapshotException.class)
        .hasMessageContaining("bad magic");
  }
}
