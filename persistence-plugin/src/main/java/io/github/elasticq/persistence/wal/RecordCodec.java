package io.github.elasticq.persistence.wal;

import static io.github.elasticq.persistence.wal.SegmentRecordDescriptor.*;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Decodes frames laid out by {@link SegmentRecordDescriptor}, straight from the backing array of a
 * heap buffer (no intermediate copies). The static methods are stateless and may be called from any
 * thread; a {@link StringCache} or {@link EventDecoder} belongs to one thread.
 */
final class RecordCodec {
  private static final VarHandle INT16 =
      MethodHandles.byteArrayViewVarHandle(short[].class, ByteOrder.BIG_ENDIAN);
  private static final VarHandle INT32 =
      MethodHandles.byteArrayViewVarHandle(int[].class, ByteOrder.BIG_ENDIAN);
  private static final VarHandle INT64 =
      MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.BIG_ENDIAN);

  private RecordCodec() {}

  /** The fields recovery needs, without the payload. */
  record Header(byte type, byte flags, String persistenceId, long sequenceNr) {}

  /**
   * Checks the frame at {@code buf.position()} of a heap buffer (whose first {@code available}
   * bytes from there are readable) and returns null if valid, else the reason it is not.
   */
  static String validate(ByteBuffer buf, long available) {
    return validate(array(buf), buf.arrayOffset() + buf.position(), available);
  }

  /** As {@link #validate(ByteBuffer, long)} for a frame at {@code p} of {@code a}. */
  static String validate(byte[] a, int p, long available) {
    if (available < FRAME_HEADER_LENGTH) {
      return "partial frame header (" + available + " bytes)";
    }
    int length = int32(a, p + LENGTH_OFFSET);
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
    int stored = int32(a, p + CRC_OFFSET);
    int actual = checksum(a, p, length);
    if (stored != actual) {
      return String.format("checksum mismatch (stored %08x, computed %08x)", stored, actual);
    }
    if (!structureOk(a, p, length)) {
      return "malformed body";
    }
    return null;
  }

  private static boolean structureOk(byte[] a, int p, int length) {
    int end = p + FRAME_HEADER_LENGTH + length;
    int q = p + FRAME_HEADER_LENGTH;
    byte type = a[q];
    if (type != TYPE_EVENT && type != TYPE_TOMBSTONE) {
      return false;
    }
    q += 2;
    q += 2 + u16(a, q) + 8;
    if (q + 2 > end) {
      return false;
    }
    q += 2 + u16(a, q);
    if (q + 2 > end) {
      return false;
    }
    q += 2 + u16(a, q) + 4;
    if (q + 2 > end) {
      return false;
    }
    q += 2 + u16(a, q) + 8;
    if (q + 4 > end) {
      return false;
    }
    int payload = int32(a, q);
    if (payload < 0) {
      return false;
    }
    long afterPayload = q + 4 + (long) payload;
    if ((a[p + FLAGS_OFFSET] & FLAG_HAS_METADATA) == 0) {
      return afterPayload == end;
    }
    if (type != TYPE_EVENT || afterPayload + METADATA_TRAILER_MIN_LENGTH > end) {
      return false;
    }
    q = (int) afterPayload + 4;
    q += 2 + u16(a, q);
    if (q + 4 > end) {
      return false;
    }
    int metadata = int32(a, q);
    return metadata >= 0 && q + 4 + (long) metadata == end;
  }

  /** Body length of a validated frame at {@code p} of a heap buffer. */
  static int bodyLength(ByteBuffer buf, int p) {
    return int32(array(buf), buf.arrayOffset() + p + LENGTH_OFFSET);
  }

  /**
   * Reads type, flags, persistence id and sequence number of a validated frame at {@code p} of a
   * heap buffer; {@code pids} turns the id's bytes into a string.
   */
  static Header header(ByteBuffer buf, int p, StringCache pids) {
    byte[] a = array(buf);
    int q = buf.arrayOffset() + p + FRAME_HEADER_LENGTH;
    byte type = a[q];
    byte flags = a[q + 1];
    q += 2;
    int pidLen = u16(a, q);
    String pid = pids.get(a, q + 2, pidLen);
    q += 2 + pidLen;
    return new Header(type, flags, pid, int64(a, q));
  }

  private static byte[] array(ByteBuffer buf) {
    if (!buf.hasArray()) {
      throw new IllegalArgumentException("record decoding needs a heap buffer, got " + buf);
    }
    return buf.array();
  }

  private static int u16(byte[] a, int at) {
    return Short.toUnsignedInt((short) INT16.get(a, at));
  }

  private static int int32(byte[] a, int at) {
    return (int) INT32.get(a, at);
  }

  private static long int64(byte[] a, int at) {
    return (long) INT64.get(a, at);
  }

  /**
   * Turns UTF-8 bytes into strings, handing back the previous string while the same bytes come
   * again (the persistence id and writer uuid of consecutive records mostly are). One thread.
   */
  static final class StringCache {
    private byte[] lastBytes;
    private String last;

    String get(byte[] a, int at, int len) {
      if (len == 0) {
        return "";
      }
      byte[] b = lastBytes;
      if (b != null && b.length == len && Arrays.equals(a, at, at + len, b, 0, len)) {
        return last;
      }
      lastBytes = Arrays.copyOfRange(a, at, at + len);
      last = new String(a, at, len, StandardCharsets.UTF_8);
      return last;
    }
  }

  /**
   * Decodes the events of one persistence id for a replay: the id itself is compared with the
   * frame, not decoded, and repeated strings are shared. One thread.
   */
  static final class EventDecoder {
    private final String persistenceId;
    private final byte[] persistenceIdBytes;
    private final StringCache writers = new StringCache();
    private final StringCache eventManifests = new StringCache();
    private final StringCache serializerManifests = new StringCache();

    EventDecoder(String persistenceId) {
      this.persistenceId = persistenceId;
      this.persistenceIdBytes = persistenceId.getBytes(StandardCharsets.UTF_8);
    }

    /**
     * Decodes the event of a validated frame at {@code p} of {@code a}; null if the frame is not an
     * event of this decoder's persistence id.
     */
    WalEvent event(byte[] a, int p) {
      int q = p + FRAME_HEADER_LENGTH;
      if (a[q] != TYPE_EVENT) {
        return null;
      }
      boolean hasMetadata = (a[q + 1] & FLAG_HAS_METADATA) != 0;
      q += 2;
      int len = u16(a, q);
      q += 2;
      if (len != persistenceIdBytes.length
          || !Arrays.equals(a, q, q + len, persistenceIdBytes, 0, len)) {
        return null;
      }
      q += len;
      long seq = int64(a, q);
      q += 8;
      len = u16(a, q);
      String writer = writers.get(a, q + 2, len);
      q += 2 + len;
      len = u16(a, q);
      String eventManifest = eventManifests.get(a, q + 2, len);
      q += 2 + len;
      int serializerId = int32(a, q);
      q += 4;
      len = u16(a, q);
      String serializerManifest = serializerManifests.get(a, q + 2, len);
      q += 2 + len;
      long timestamp = int64(a, q);
      q += 8;
      int payloadLength = int32(a, q);
      q += 4;
      byte[] payload = Arrays.copyOfRange(a, q, q + payloadLength);
      if (!hasMetadata) {
        return new WalEvent(
            persistenceId,
            seq,
            writer,
            eventManifest,
            serializerId,
            serializerManifest,
            timestamp,
            payload);
      }
      q += payloadLength;
      int metadataSerializerId = int32(a, q);
      q += 4;
      len = u16(a, q);
      String metadataManifest = len == 0 ? "" : new String(a, q + 2, len, StandardCharsets.UTF_8);
      q += 2 + len;
      int metadataLength = int32(a, q);
      q += 4;
      return new WalEvent(
          persistenceId,
          seq,
          writer,
          eventManifest,
          serializerId,
          serializerManifest,
          timestamp,
          payload,
          metadataSerializerId,
          metadataManifest,
          Arrays.copyOfRange(a, q, q + metadataLength));
    }
  }
}
