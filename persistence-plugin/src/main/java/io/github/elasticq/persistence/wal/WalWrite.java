package io.github.elasticq.persistence.wal;

import static io.github.elasticq.persistence.wal.SegmentRecordDescriptor.*;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * One atomic write, already framed in the {@link SegmentRecordDescriptor} layout: the events of one
 * persistence id with increasing sequence numbers, stored all-or-nothing.
 *
 * <p>Built on the caller's thread by {@link #of(List)} so that encoding and checksumming run in
 * parallel across callers and the writer thread only copies bytes. Immutable after construction and
 * safe to hand to another thread.
 */
public final class WalWrite {
  final String persistenceId;
  final byte type;
  final byte[] frames;
  final long[] sequenceNrs;
  final int[] offsets;
  final int[] lengths;

  private WalWrite(
      String persistenceId,
      byte type,
      byte[] frames,
      long[] sequenceNrs,
      int[] offsets,
      int[] lengths) {
    this.persistenceId = persistenceId;
    this.type = type;
    this.frames = frames;
    this.sequenceNrs = sequenceNrs;
    this.offsets = offsets;
    this.lengths = lengths;
  }

  /**
   * Encodes the events of one atomic write.
   *
   * @throws IllegalArgumentException if the list is empty, mixes persistence ids, has sequence
   *     numbers that do not increase, a string longer than 65535 UTF-8 bytes, or is larger than
   *     {@link SegmentRecordDescriptor#MAX_BODY_LENGTH} in total
   */
  public static WalWrite of(List<WalEvent> events) {
    if (events.isEmpty()) {
      throw new IllegalArgumentException("an atomic write needs at least one event");
    }
    String pid = events.get(0).persistenceId();
    int n = events.size();
    byte[][] strings = new byte[n * 4][];
    long total = 0;
    long previous = 0;
    for (int i = 0; i < n; i++) {
      WalEvent e = events.get(i);
      if (!e.persistenceId().equals(pid)) {
        throw new IllegalArgumentException(
            "an atomic write must have one persistence id, got "
                + pid
                + " and "
                + e.persistenceId());
      }
      if (e.sequenceNr() <= previous) {
        throw new IllegalArgumentException(
            "sequence numbers of an atomic write must increase: "
                + e.sequenceNr()
                + " after "
                + previous
                + " for "
                + pid);
      }
      previous = e.sequenceNr();
      strings[i * 4] = utf8(pid, "persistence id");
      strings[i * 4 + 1] = utf8(e.writerUuid(), "writer uuid");
      strings[i * 4 + 2] = utf8(e.eventManifest(), "event manifest");
      strings[i * 4 + 3] = utf8(e.serializerManifest(), "serializer manifest");
      total += FRAME_HEADER_LENGTH + bodyLength(strings, i, e.payload().length);
    }
    if (total > MAX_BODY_LENGTH) {
      throw new IllegalArgumentException(
          "atomic write for "
              + pid
              + " is "
              + total
              + " bytes, above the limit "
              + MAX_BODY_LENGTH);
    }
    ByteBuffer buf = ByteBuffer.allocate((int) total);
    long[] seqs = new long[n];
    int[] offs = new int[n];
    int[] lens = new int[n];
    for (int i = 0; i < n; i++) {
      WalEvent e = events.get(i);
      int body = (int) bodyLength(strings, i, e.payload().length);
      offs[i] = buf.position();
      lens[i] = FRAME_HEADER_LENGTH + body;
      seqs[i] = e.sequenceNr();
      byte flags = i < n - 1 ? FLAG_BATCH_CONTINUES : 0;
      putRecord(
          buf,
          TYPE_EVENT,
          flags,
          strings[i * 4],
          e.sequenceNr(),
          strings[i * 4 + 1],
          strings[i * 4 + 2],
          e.serializerId(),
          strings[i * 4 + 3],
          e.timestamp(),
          e.payload());
    }
    return new WalWrite(pid, TYPE_EVENT, buf.array(), seqs, offs, lens);
  }

  /** A single tombstone record deleting {@code persistenceId} up to {@code toSequenceNr}. */
  static WalWrite tombstone(String persistenceId, long toSequenceNr) {
    byte[] pid = utf8(persistenceId, "persistence id");
    byte[] empty = new byte[0];
    int body = MIN_BODY_LENGTH + pid.length;
    ByteBuffer buf = ByteBuffer.allocate(FRAME_HEADER_LENGTH + body);
    putRecord(buf, TYPE_TOMBSTONE, (byte) 0, pid, toSequenceNr, empty, empty, 0, empty, 0L, empty);
    return new WalWrite(
        persistenceId,
        TYPE_TOMBSTONE,
        buf.array(),
        new long[] {toSequenceNr},
        new int[] {0},
        new int[] {buf.capacity()});
  }

  /** The persistence id of every event of this write. */
  public String persistenceId() {
    return persistenceId;
  }

  /** Number of records. */
  public int size() {
    return sequenceNrs.length;
  }

  /** Bytes this write occupies in a segment. */
  public int byteSize() {
    return frames.length;
  }

  /** Highest sequence number of this write. */
  public long highestSequenceNr() {
    return sequenceNrs[sequenceNrs.length - 1];
  }

  private static long bodyLength(byte[][] strings, int i, int payloadLength) {
    return (long) MIN_BODY_LENGTH
        + strings[i * 4].length
        + strings[i * 4 + 1].length
        + strings[i * 4 + 2].length
        + strings[i * 4 + 3].length
        + payloadLength;
  }

  private static byte[] utf8(String s, String what) {
    byte[] b = s.getBytes(StandardCharsets.UTF_8);
    if (b.length > 0xFFFF) {
      throw new IllegalArgumentException(
          what + " is " + b.length + " UTF-8 bytes, above the limit 65535");
    }
    return b;
  }

  private static void putRecord(
      ByteBuffer buf,
      byte type,
      byte flags,
      byte[] pid,
      long seqNr,
      byte[] writerUuid,
      byte[] eventManifest,
      int serializerId,
      byte[] serializerManifest,
      long timestamp,
      byte[] payload) {
    int start = buf.position();
    buf.putInt(0).putInt(0);
    buf.put(type).put(flags);
    buf.putShort((short) pid.length).put(pid);
    buf.putLong(seqNr);
    buf.putShort((short) writerUuid.length).put(writerUuid);
    buf.putShort((short) eventManifest.length).put(eventManifest);
    buf.putInt(serializerId);
    buf.putShort((short) serializerManifest.length).put(serializerManifest);
    buf.putLong(timestamp);
    buf.putInt(payload.length).put(payload);
    int body = buf.position() - start - FRAME_HEADER_LENGTH;
    buf.putInt(start + LENGTH_OFFSET, body);
    ByteBuffer frame = buf.duplicate();
    frame.position(start);
    buf.putInt(start + CRC_OFFSET, checksum(frame, body));
  }
}
