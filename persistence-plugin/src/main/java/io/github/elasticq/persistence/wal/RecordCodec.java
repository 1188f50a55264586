package io.github.elasticq.persistence.wal;

import static io.github.elasticq.persistence.wal.SegmentRecordDescriptor.*;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/** Decodes frames laid out by {@link SegmentRecordDescriptor}. Stateless, any thread. */
final class RecordCodec {
  private RecordCodec() {}

  /** The fields recovery needs, without the payload. */
  record Header(byte type, byte flags, String persistenceId, long sequenceNr) {}

  /**
   * Checks the frame at {@code buf.position()} (whose first {@code available} bytes are readable)
   * and returns null if valid, else the reason it is not.
   */
  static String validate(ByteBuffer buf, long available) {
    if (available < FRAME_HEADER_LENGTH) {
      return "partial frame header (" + available + " bytes)";
    }
    int p = buf.position();
    int length = buf.getInt(p + LENGTH_OFFSET);
    if (length == 0) {
      return "zero length (zero-filled)";
    }
    if (!isValidBodyLength(length)) {
      return "invalid length " + length;
    }
    if (FRAME_HEADER_LENGTH + (long) length > available) {
      return "partial record (length "
          + length
          + ", "
          + (available - FRAME_HEADER_LENGTH)
          + " bytes present)";
    }
    int stored = buf.getInt(p + CRC_OFFSET);
    int actual = checksum(buf, length);
    if (stored != actual) {
      return String.format("checksum mismatch (stored %08x, computed %08x)", stored, actual);
    }
    if (!structureOk(buf, p, length)) {
      return "malformed body";
    }
    return null;
  }

  private static boolean structureOk(ByteBuffer buf, int p, int length) {
    int end = p + FRAME_HEADER_LENGTH + length;
    int q = p + FRAME_HEADER_LENGTH;
    byte type = buf.get(q);
    if (type != TYPE_EVENT && type != TYPE_TOMBSTONE) {
      return false;
    }
    q += 2;
    q += 2 + Short.toUnsignedInt(buf.getShort(q)) + 8;
    if (q + 2 > end) {
      return false;
    }
    q += 2 + Short.toUnsignedInt(buf.getShort(q));
    if (q + 2 > end) {
      return false;
    }
    q += 2 + Short.toUnsignedInt(buf.getShort(q)) + 4;
    if (q + 2 > end) {
      return false;
    }
    q += 2 + Short.toUnsignedInt(buf.getShort(q)) + 8;
    if (q + 4 > end) {
      return false;
    }
    int payload = buf.getInt(q);
    return payload >= 0 && q + 4 + (long) payload == end;
  }

  /** Body length of a validated frame at {@code p}. */
  static int bodyLength(ByteBuffer buf, int p) {
    return buf.getInt(p + LENGTH_OFFSET);
  }

  /** Reads type, flags, persistence id and sequence number of a validated frame at {@code p}. */
  static Header header(ByteBuffer buf, int p) {
    int q = p + FRAME_HEADER_LENGTH;
    byte type = buf.get(q);
    byte flags = buf.get(q + 1);
    q += 2;
    int pidLen = Short.toUnsignedInt(buf.getShort(q));
    String pid = string(buf, q + 2, pidLen);
    q += 2 + pidLen;
    return new Header(type, flags, pid, buf.getLong(q));
  }

  /** Decodes the event of a validated frame at {@code p}. */
  static WalEvent event(ByteBuffer buf, int p) {
    int q = p + FRAME_HEADER_LENGTH + 2;
    int len = Short.toUnsignedInt(buf.getShort(q));
    String pid = string(buf, q + 2, len);
    q += 2 + len;
    long seq = buf.getLong(q);
    q += 8;
    len = Short.toUnsignedInt(buf.getShort(q));
    String writer = string(buf, q + 2, len);
    q += 2 + len;
    len = Short.toUnsignedInt(buf.getShort(q));
    String eventManifest = string(buf, q + 2, len);
    q += 2 + len;
    int serializerId = buf.getInt(q);
    q += 4;
    len = Short.toUnsignedInt(buf.getShort(q));
    String serializerManifest = string(buf, q + 2, len);
    q += 2 + len;
    long timestamp = buf.getLong(q);
    q += 8;
    byte[] payload = new byte[buf.getInt(q)];
    buf.get(q + 4, payload);
    return new WalEvent(
        pid, seq, writer, eventManifest, serializerId, serializerManifest, timestamp, payload);
  }

  private static String string(ByteBuffer buf, int at, int len) {
    if (len == 0) {
      return "";
    }
    byte[] b = new byte[len];
    buf.get(at, b);
    return new String(b, StandardCharsets.UTF_8);
  }
}
