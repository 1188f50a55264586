package io.github.elasticq.persistence.snapshot;

import io.github.elasticq.persistence.wal.Utf8;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.zip.CRC32C;

/**
 * Layout of one snapshot file, and its encoder and verifying decoder.
 *
 * <p>All integers are big-endian. A file is a fixed 56-byte header followed by five variable
 * sections whose lengths the header gives:
 *
 * <pre>
 *   0                   1                   2                   3
 *   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *  +---------------------------------------------------------------+
 *  |                   magic 'E' 'Q' 'S' 'S'                       |  0
 *  +-------------------------------+-------------------------------+
 *  |          version = 1          |   flags (bit 0: has metadata) |  4
 *  +-------------------------------+-------------------------------+
 *  |      CRC32C of every byte of the file except these 4         |  8
 *  +---------------------------------------------------------------+
 *  |                      sequence number (long)                  |  12
 *  |                                                               |
 *  +---------------------------------------------------------------+
 *  |                timestamp, epoch milliseconds (long)           |  20
 *  |                                                               |
 *  +---------------------------------------------------------------+
 *  |                     snapshot serializer id                    |  28
 *  +---------------------------------------------------------------+
 *  |                persistence id length P (bytes)                |  32
 *  +---------------------------------------------------------------+
 *  |                snapshot manifest length M (bytes)             |  36
 *  +---------------------------------------------------------------+
 *  |                snapshot payload length L (bytes)              |  40
 *  +---------------------------------------------------------------+
 *  |           metadata serializer id (0 without metadata)         |  44
 *  +---------------------------------------------------------------+
 *  |           metadata manifest length N (0 without metadata)     |  48
 *  +---------------------------------------------------------------+
 *  |           metadata payload length K (0 without metadata)      |  52
 *  +---------------------------------------------------------------+
 *  |  persistence id, UTF-8 (P bytes)                             ...  56
 *  +---------------------------------------------------------------+
 *  |  snapshot manifest, UTF-8 (M bytes)                          ...
 *  +---------------------------------------------------------------+
 *  |  snapshot payload (L bytes)                                  ...
 *  +---------------------------------------------------------------+
 *  |  metadata manifest, UTF-8 (N bytes)                          ...
 *  +---------------------------------------------------------------+
 *  |  metadata payload (K bytes)                                  ...
 *  +---------------------------------------------------------------+
 * </pre>
 *
 * <p><b>Validity rule.</b> A file is a valid snapshot if and only if it is at least 56 bytes long,
 * starts with the magic, has version 1 and no unknown flag, its length is exactly {@code 56 + P + M
 * + L + N + K}, and the CRC32C computed over bytes {@code [0, 8)} and {@code [12, end)} equals the
 * stored one. The exact-length rule catches truncation and trailing garbage; the CRC catches
 * flipped bits anywhere, including in the header. A file becomes visible under its final name only
 * by an atomic rename after it was written and forced, so a reader normally never meets a partial
 * one; the rule is for media errors and foreign writes.
 *
 * <p>Stateless; any thread may call it.
 */
final class SnapshotFileDescriptor {

  /** {@code "EQSS"}: ElasticQ snapshot store. */
  static final int MAGIC = 0x45515353;

  static final short VERSION = 1;

  static final short FLAG_HAS_METADATA = 1;

  static final int MAGIC_OFFSET = 0;
  static final int VERSION_OFFSET = 4;
  static final int FLAGS_OFFSET = 6;
  static final int CRC_OFFSET = 8;
  static final int SEQUENCE_NR_OFFSET = 12;
  static final int TIMESTAMP_OFFSET = 20;
  static final int SERIALIZER_ID_OFFSET = 28;
  static final int PERSISTENCE_ID_LENGTH_OFFSET = 32;
  static final int MANIFEST_LENGTH_OFFSET = 36;
  static final int PAYLOAD_LENGTH_OFFSET = 40;
  static final int METADATA_SERIALIZER_ID_OFFSET = 44;
  static final int METADATA_MANIFEST_LENGTH_OFFSET = 48;
  static final int METADATA_PAYLOAD_LENGTH_OFFSET = 52;

  /** Length of the fixed header; the persistence id starts here. */
  static final int HEADER_LENGTH = 56;

  private SnapshotFileDescriptor() {}

  /**
   * Encodes {@code record} into the bytes of a complete snapshot file, CRC included.
   *
   * @throws IllegalArgumentException if the file would exceed the largest Java array
   */
  static byte[] encode(SnapshotRecord record) {
    byte[] pid = Utf8.encode(record.persistenceId(), "persistence id");
    byte[] manifest = Utf8.encode(record.snapshot().manifest(), "snapshot serializer manifest");
    byte[] payload = record.snapshot().bytes();
    SerializedObject meta = record.metadata();
    byte[] metaManifest =
        meta == null ? new byte[0] : Utf8.encode(meta.manifest(), "metadata serializer manifest");
    byte[] metaPayload = meta == null ? new byte[0] : meta.bytes();

    long total =
        (long) HEADER_LENGTH
            + pid.length
            + manifest.length
            + payload.length
            + metaManifest.length
            + metaPayload.length;
    if (total > Integer.MAX_VALUE - 8) {
      throw new IllegalArgumentException(
          "Snapshot of persistence id ["
              + record.persistenceId()
              + "] at sequence nr "
              + record.sequenceNr()
              + " is too large for one file: "
              + total
              + " bytes");
    }

    ByteBuffer buf = ByteBuffer.allocate((int) total).order(ByteOrder.BIG_ENDIAN);
    buf.putInt(MAGIC_OFFSET, MAGIC);
    buf.putShort(VERSION_OFFSET, VERSION);
    buf.putShort(FLAGS_OFFSET, meta == null ? 0 : FLAG_HAS_METADATA);
    buf.putLong(SEQUENCE_NR_OFFSET, record.sequenceNr());
    buf.putLong(TIMESTAMP_OFFSET, record.timestamp());
    buf.putInt(SERIALIZER_ID_OFFSET, record.snapshot().serializerId());
    buf.putInt(PERSISTENCE_ID_LENGTH_OFFSET, pid.length);
    buf.putInt(MANIFEST_LENGTH_OFFSET, manifest.length);
    buf.putInt(PAYLOAD_LENGTH_OFFSET, payload.length);
    buf.putInt(METADATA_SERIALIZER_ID_OFFSET, meta == null ? 0 : meta.serializerId());
    buf.putInt(METADATA_MANIFEST_LENGTH_OFFSET, metaManifest.length);
    buf.putInt(METADATA_PAYLOAD_LENGTH_OFFSET, metaPayload.length);
    buf.position(HEADER_LENGTH);
    buf.put(pid).put(manifest).put(payload).put(metaManifest).put(metaPayload);

    byte[] file = buf.array();
    buf.putInt(CRC_OFFSET, crcOf(file));
    return file;
  }

  /**
   * Verifies {@code file} against the validity rule and decodes it.
   *
   * @param source the path the bytes were read from, named in error messages
   * @throws CorruptSnapshotException if the bytes break the validity rule; the message says how
   */
  static SnapshotRecord decode(byte[] file, Path source) throws CorruptSnapshotException {
    if (file.length < HEADER_LENGTH) {
      throw new CorruptSnapshotException(
          source,
          "truncated: "
              + file.length
              + " bytes, shorter than the "
              + HEADER_LENGTH
              + "-byte header");
    }
    ByteBuffer buf = ByteBuffer.wrap(file).order(ByteOrder.BIG_ENDIAN);
    int magic = buf.getInt(MAGIC_OFFSET);
    if (magic != MAGIC) {
      throw new CorruptSnapshotException(
          source, "bad magic 0x" + Integer.toHexString(magic) + ", expected 0x45515353 (EQSS)");
    }
    short version = buf.getShort(VERSION_OFFSET);
    if (version != VERSION) {
      throw new CorruptSnapshotException(
          source, "unsupported format version " + version + ", this build reads " + VERSION);
    }
    int pidLength = buf.getInt(PERSISTENCE_ID_LENGTH_OFFSET);
    int manifestLength = buf.getInt(MANIFEST_LENGTH_OFFSET);
    int payloadLength = buf.getInt(PAYLOAD_LENGTH_OFFSET);
    int metaManifestLength = buf.getInt(METADATA_MANIFEST_LENGTH_OFFSET);
    int metaPayloadLength = buf.getInt(METADATA_PAYLOAD_LENGTH_OFFSET);
    if ((pidLength | manifestLength | payloadLength | metaManifestLength | metaPayloadLength) < 0) {
      throw new CorruptSnapshotException(source, "negative section length in header");
    }
    long expected =
        (long) HEADER_LENGTH
            + pidLength
            + manifestLength
            + payloadLength
            + metaManifestLength
            + metaPayloadLength;
    if (expected != file.length) {
      throw new CorruptSnapshotException(
          source,
          (file.length < expected ? "truncated" : "trailing bytes")
              + ": header describes "
              + expected
              + " bytes, file has "
              + file.length);
    }
    int storedCrc = buf.getInt(CRC_OFFSET);
    int actualCrc = crcOf(file);
    if (storedCrc != actualCrc) {
      throw new CorruptSnapshotException(
          source,
          "CRC32C mismatch: stored 0x"
              + Integer.toHexString(storedCrc)
              + ", computed 0x"
              + Integer.toHexString(actualCrc));
    }
    short flags = buf.getShort(FLAGS_OFFSET);
    if ((flags & ~FLAG_HAS_METADATA) != 0) {
      throw new CorruptSnapshotException(
          source, "unknown flags 0x" + Integer.toHexString(flags & 0xFFFF));
    }

    int offset = HEADER_LENGTH;
    String pid = new String(file, offset, pidLength, StandardCharsets.UTF_8);
    offset += pidLength;
    String manifest = new String(file, offset, manifestLength, StandardCharsets.UTF_8);
    offset += manifestLength;
    byte[] payload = copy(file, offset, payloadLength);
    offset += payloadLength;
    SerializedObject metadata = null;
    if ((flags & FLAG_HAS_METADATA) == 0) {
      if (metaManifestLength != 0 || metaPayloadLength != 0) {
        throw new CorruptSnapshotException(source, "metadata sections present but flag not set");
      }
    } else {
      String metaManifest = new String(file, offset, metaManifestLength, StandardCharsets.UTF_8);
      offset += metaManifestLength;
      metadata =
          new SerializedObject(
              buf.getInt(METADATA_SERIALIZER_ID_OFFSET),
              metaManifest,
              copy(file, offset, metaPayloadLength));
    }
    return new SnapshotRecord(
        pid,
        buf.getLong(SEQUENCE_NR_OFFSET),
        buf.getLong(TIMESTAMP_OFFSET),
        new SerializedObject(buf.getInt(SERIALIZER_ID_OFFSET), manifest, payload),
        metadata);
  }

  private static byte[] copy(byte[] source, int offset, int length) {
    byte[] out = new byte[length];
    System.arraycopy(source, offset, out, 0, length);
    return out;
  }

  /** CRC32C over the whole file except the CRC field itself. */
  private static int crcOf(byte[] file) {
    CRC32C crc = new CRC32C();
    crc.update(file, 0, CRC_OFFSET);
    crc.update(file, SEQUENCE_NR_OFFSET, file.length - SEQUENCE_NR_OFFSET);
    return (int) crc.getValue();
  }
}
