package io.github.elasticq.persistence.wal;

import java.nio.ByteBuffer;
import java.util.zip.CRC32C;

/**
 * The byte layout of a segment file of the {@link WriteAheadLog}, and the rule that makes a record
 * committed. All integers are big-endian; strings are UTF-8 with an unsigned 16-bit length.
 *
 * <p>A segment file is named {@code <20-digit id>.wal} and starts with a 16-byte header:
 *
 * <pre>
 *   0                   1                   2                   3
 *   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *  +---------------------------------------------------------------+
 *  |                     magic 0x4551574C ("EQWL")                 |
 *  +---------------------------------------------------------------+
 *  |                     format version (1 or 2)                   |
 *  +---------------------------------------------------------------+
 *  |                       segment id (int64)                      |
 *  |                                                               |
 *  +---------------------------------------------------------------+
 * </pre>
 *
 * followed by records, back to back, each framed as:
 *
 * <pre>
 *   0                   1                   2                   3
 *   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *  +---------------------------------------------------------------+
 *  |  length: bytes of the body, from "type" to the end of payload  |
 *  +---------------------------------------------------------------+
 *  |  CRC32C of the length field and of the whole body              |
 *  +---------------+---------------+-------------------------------+  body starts here
 *  |     type      |     flags     |   persistence id length (u16) |
 *  +---------------+---------------+-------------------------------+
 *  |                  persistence id (UTF-8) ...                  ...
 *  +---------------------------------------------------------------+
 *  |                    sequence number (int64)                    |
 *  |                                                               |
 *  +-------------------------------+-------------------------------+
 *  |  writer uuid length (u16)     |  writer uuid (UTF-8) ...     ...
 *  +-------------------------------+-------------------------------+
 *  |  event manifest length (u16)  |  event manifest (UTF-8) ...  ...
 *  +-------------------------------+-------------------------------+
 *  |                    serializer id (int32)                      |
 *  +-------------------------------+-------------------------------+
 *  | serializer manifest len (u16) |  serializer manifest ...     ...
 *  +-------------------------------+-------------------------------+
 *  |                 timestamp, epoch millis (int64)               |
 *  |                                                               |
 *  +---------------------------------------------------------------+
 *  |                    payload length (int32)                     |
 *  +---------------------------------------------------------------+
 *  |                    payload bytes ...                         ...
 *  +---------------------------------------------------------------+
 *  |  metadata trailer, present only when FLAG_HAS_METADATA is set:  |
 *  +---------------------------------------------------------------+
 *  |               metadata serializer id (int32)                  |
 *  +-------------------------------+-------------------------------+
 *  | metadata manifest length (u16)|  metadata manifest ...       ...
 *  +-------------------------------+-------------------------------+
 *  |                metadata length (int32)                        |
 *  +---------------------------------------------------------------+
 *  |                metadata bytes ...                            ...
 *  +---------------------------------------------------------------+
 * </pre>
 *
 * <p>{@code type} is {@link #TYPE_EVENT} or {@link #TYPE_TOMBSTONE}. A tombstone deletes every
 * event of its persistence id up to and including its sequence number; its other string fields are
 * empty and its payload is empty. The tombstone's sequence number is never above the persistence
 * id's highest sequence number when it was written, so the latest tombstone also remembers the
 * highest sequence number after compaction has dropped every event.
 *
 * <p>{@code flags} bit 0, {@link #FLAG_BATCH_CONTINUES}, is set on every record of an atomic write
 * except its last one. An atomic write never spans two segments. Bit 1, {@link #FLAG_HAS_METADATA},
 * says that the body ends with the metadata trailer: the serialized {@code PersistentRepr.metadata}
 * of the event.
 *
 * <p><b>Versions.</b> Version 1 segments (ElasticQ 0.1) never carry the metadata trailer; version 2
 * added it. A reader accepts both; a writer appends only to a version 2 segment, so on opening a
 * log whose last segment is version 1 it starts a new segment, and a version 1 reader refuses a
 * version 2 segment by its header instead of misreading a trailer as part of the payload.
 * Compaction writes version 2 headers (a version 1 record is a valid version 2 record).
 *
 * <p><b>Commit rule.</b> A record is <em>valid</em> when its length is between {@link
 * #MIN_BODY_LENGTH} and {@link #MAX_BODY_LENGTH}, its frame lies inside the file and its CRC32C
 * matches. A record is <em>committed</em> when it is valid, every byte before it in its segment
 * belongs to valid records, and it either has {@link #FLAG_BATCH_CONTINUES} clear or is followed,
 * through valid records only, by the record of its atomic write that has the flag clear. So an
 * atomic write is committed entirely or not at all. Recovery cuts the last segment after its last
 * committed record (a torn tail); a non-committed record anywhere else is corruption.
 *
 * <p><b>Preallocated space.</b> A segment may continue with zeros after its records (written ahead
 * of need, see {@code preallocate}). A length field of zero is never valid, so the records end at
 * the first frame whose bytes, and every byte after it to the end of the file, are zero: that is
 * the clean end of the segment, not a torn tail. Zeros are not part of the format's content:
 * readers ignore them and sealed segments normally have none.
 *
 * <p>Stateless; all methods may be called from any thread.
 */
public final class SegmentRecordDescriptor {
  /** First four bytes of every segment file. */
  public static final int SEGMENT_MAGIC = 0x4551574C;

  /** Current segment format version: the one every new segment gets. */
  public static final int SEGMENT_VERSION = 2;

  /** The first segment format, without the metadata trailer; still read. */
  public static final int SEGMENT_VERSION_1 = 1;

  /** Size of the segment file header. */
  public static final int SEGMENT_HEADER_LENGTH = 16;

  /** Offset of the length field in a frame. */
  public static final int LENGTH_OFFSET = 0;

  /** Offset of the checksum field in a frame. */
  public static final int CRC_OFFSET = 4;

  /** Bytes before the body: length and CRC32C. */
  public static final int FRAME_HEADER_LENGTH = 8;

  /** Offset of the type byte in a frame. */
  public static final int TYPE_OFFSET = 8;

  /** Offset of the flags byte in a frame. */
  public static final int FLAGS_OFFSET = 9;

  /** Body of a record with empty strings and payload. */
  public static final int MIN_BODY_LENGTH = 1 + 1 + 2 + 8 + 2 + 2 + 4 + 2 + 8 + 4;

  /** Largest accepted body (1 GiB minus the frame and segment headers). */
  public static final int MAX_BODY_LENGTH = (1 << 30) - FRAME_HEADER_LENGTH - SEGMENT_HEADER_LENGTH;

  /** An event written by a persistent actor. */
  public static final byte TYPE_EVENT = 1;

  /** A delete-up-to marker. */
  public static final byte TYPE_TOMBSTONE = 2;

  /** Set on every record of an atomic write except the last. */
  public static final byte FLAG_BATCH_CONTINUES = 1;

  /** Set on an event whose body ends with the metadata trailer (version 2). */
  public static final byte FLAG_HAS_METADATA = 2;

  /** Bytes of an empty metadata trailer: serializer id, manifest length, data length. */
  public static final int METADATA_TRAILER_MIN_LENGTH = 4 + 2 + 4;

  private SegmentRecordDescriptor() {}

  /** Whether a segment header's version field names a format this code reads. */
  public static boolean isReadableVersion(int version) {
    return version == SEGMENT_VERSION || version == SEGMENT_VERSION_1;
  }

  /** Whether {@code length} is a plausible body length. */
  public static boolean isValidBodyLength(int length) {
    return length >= MIN_BODY_LENGTH && length <= MAX_BODY_LENGTH;
  }

  /**
   * Computes the frame checksum: CRC32C over the length field and the body. {@code frame} holds a
   * whole frame from its position; its position and limit are left unchanged.
   */
  public static int checksum(ByteBuffer frame, int bodyLength) {
    if (frame.hasArray()) {
      return checksum(frame.array(), frame.arrayOffset() + frame.position(), bodyLength);
    }
    CRC32C crc = new CRC32C();
    int p = frame.position();
    ByteBuffer d = frame.duplicate();
    d.limit(p + LENGTH_OFFSET + 4).position(p + LENGTH_OFFSET);
    crc.update(d);
    d.limit(p + FRAME_HEADER_LENGTH + bodyLength).position(p + FRAME_HEADER_LENGTH);
    crc.update(d);
    return (int) crc.getValue();
  }

  /**
   * As {@link #checksum(ByteBuffer, int)} for a frame that starts at {@code frameStart} of {@code
   * frame}.
   */
  public static int checksum(byte[] frame, int frameStart, int bodyLength) {
    CRC32C crc = new CRC32C();
    crc.update(frame, frameStart + LENGTH_OFFSET, 4);
    crc.update(frame, frameStart + FRAME_HEADER_LENGTH, bodyLength);
    return (int) crc.getValue();
  }

  /** Writes the 16-byte segment header into {@code dst} at its position. */
  static void writeSegmentHeader(ByteBuffer dst, long segmentId) {
    dst.putInt(SEGMENT_MAGIC).putInt(SEGMENT_VERSION).putLong(segmentId);
  }
}
