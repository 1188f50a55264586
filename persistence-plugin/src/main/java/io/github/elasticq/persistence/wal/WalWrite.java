package io.github.elasticq.persistence.wal;

import static io.github.elasticq.persistence.wal.SegmentRecordDescriptor.*;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.util.List;

/**
 * One atomic write, already framed in the {@link SegmentRecordDescriptor} layout: the events of one
 * persistence id with increasing sequence numbers, stored all-or-nothing.
 *
 * <p>Built on the caller's thread by {@link #of(List)} (or an {@link Encoder}) so that encoding and
 * checksumming run in parallel across callers and the writer thread only copies bytes. Immutable
 * after construction and safe to hand to another thread.
 */
public final class WalWrite {
  private static final VarHandle INT16 =
      MethodHandles.byteArrayViewVarHandle(short[].class, ByteOrder.BIG_ENDIAN);
  private static final VarHandle INT32 =
      MethodHandles.byteArrayViewVarHandle(int[].class, ByteOrder.BIG_ENDIAN);
  private static final VarHandle INT64 =
      MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.BIG_ENDIAN);

  /** The offsets of a write of one record; shared, never modified. */
  private static final int[] SINGLE = {0};

  final String persistenceId;
  final byte type;
  final byte[] frames;
  final long[] sequenceNrs;

  /** Where each record starts in {@link #frames}; it ends where the next one starts. */
  final int[] offsets;

  private WalWrite(
      String persistenceId, byte type, byte[] frames, long[] sequenceNrs, int[] offsets) {
    this.persistenceId = persistenceId;
    this.type = type;
    this.frames = frames;
    this.sequenceNrs = sequenceNrs;
    this.offsets = offsets;
  }

  /** Bytes of record {@code i} in {@link #frames}. */
  int frameLength(int i) {
    return (i + 1 < offsets.length ? offsets[i + 1] : frames.length) - offsets[i];
  }

  /**
   * Encodes the events of one atomic write. Any thread; equivalent to {@code new
   * Encoder().encode(events)}.
   *
   * @throws IllegalArgumentException if the list is empty, mixes persistence ids, has sequence
   *     numbers that do not increase, a string longer than 65535 UTF-8 bytes, or is larger than
   *     {@link SegmentRecordDescriptor#MAX_BODY_LENGTH} in total
   */
  public static WalWrite of(List<WalEvent> events) {
    return new Encoder().encode(events);
  }

  /**
   * Encodes atomic writes, remembering the UTF-8 form of the last persistence id, writer uuid and
   * manifests it saw: a persistent actor sends the same strings with every event, so they are
   * encoded once rather than once per event.
   *
   * <p>Not thread-safe: one instance per thread (the journal actor keeps one). The {@link
   * WalWrite}s it returns share nothing with it and may be handed to any thread.
   */
  public static final class Encoder {
    private final Utf8Cache pids = new Utf8Cache("persistence id");
    private final Utf8Cache writers = new Utf8Cache("writer uuid");
    private final Utf8Cache eventManifests = new Utf8Cache("event manifest");
    private final Utf8Cache serializerManifests = new Utf8Cache("serializer manifest");

    /** Creates an encoder with empty caches. */
    public Encoder() {}

    /**
     * Encodes the events of one atomic write; see {@link WalWrite#of(List)} for the rules.
     *
     * @throws IllegalArgumentException as {@link WalWrite#of(List)}
     */
    public WalWrite encode(List<WalEvent> events) {
      int n = events.size();
      if (n == 0) {
        throw new IllegalArgumentException("an atomic write needs at least one event");
      }
      String pid = events.get(0).persistenceId();
      byte[] pidBytes = pids.utf8(pid);
      long total = 0;
      long previous = 0;
      for (int i = 0; i < n; i++) {
        WalEvent e = events.get(i);
        if (i > 0 && !e.persistenceId().equals(pid)) {
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
        total +=
            FRAME_HEADER_LENGTH
                + (long) MIN_BODY_LENGTH
                + pidBytes.length
                + writers.utf8(e.writerUuid()).length
                + eventManifests.utf8(e.eventManifest()).length
                + serializerManifests.utf8(e.serializerManifest()).length
                + e.payload().length
                + (e.hasMetadata()
                    ? METADATA_TRAILER_MIN_LENGTH
                        + WalWrite.utf8(e.metadataManifest(), "metadata manifest").length
                        + e.metadata().length
                    : 0);
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
      byte[] frames = new byte[(int) total];
      long[] seqs = new long[n];
      int[] offs = n == 1 ? SINGLE : new int[n];
      int at = 0;
      for (int i = 0; i < n; i++) {
        WalEvent e = events.get(i);
        if (offs != SINGLE) {
          offs[i] = at;
        }
        seqs[i] = e.sequenceNr();
        byte flags = i < n - 1 ? FLAG_BATCH_CONTINUES : 0;
        if (e.hasMetadata()) {
          flags |= FLAG_HAS_METADATA;
        }
        at =
            putRecord(
                frames,
                at,
                TYPE_EVENT,
                flags,
                pidBytes,
                e.sequenceNr(),
                writers.utf8(e.writerUuid()),
                eventManifests.utf8(e.eventManifest()),
                e.serializerId(),
                serializerManifests.utf8(e.serializerManifest()),
                e.timestamp(),
                e.payload(),
                e.metadataSerializerId(),
                e.hasMetadata() ? WalWrite.utf8(e.metadataManifest(), "metadata manifest") : null,
                e.metadata());
      }
      return new WalWrite(pid, TYPE_EVENT, frames, seqs, offs);
    }
  }

  /**
   * The UTF-8 bytes of the last string seen, reused while the same string comes again. The cached
   * array is only ever read (copied into frames), so sharing it between writes is safe.
   */
  private static final class Utf8Cache {
    private static final byte[] EMPTY = new byte[0];
    private final String what;
    private String last;
    private byte[] lastBytes;

    Utf8Cache(String what) {
      this.what = what;
    }

    byte[] utf8(String s) {
      if (s.isEmpty()) {
        return EMPTY;
      }
      if (s == last || s.equals(last)) {
        return lastBytes;
      }
      byte[] b = WalWrite.utf8(s, what);
      last = s;
      lastBytes = b;
      return b;
    }
  }

  /** A single tombstone record deleting {@code persistenceId} up to {@code toSequenceNr}. */
  static WalWrite tombstone(String persistenceId, long toSequenceNr) {
    byte[] pid = utf8(persistenceId, "persistence id");
    byte[] empty = new byte[0];
    byte[] frame = new byte[FRAME_HEADER_LENGTH + MIN_BODY_LENGTH + pid.length];
    putRecord(
        frame,
        0,
        TYPE_TOMBSTONE,
        (byte) 0,
        pid,
        toSequenceNr,
        empty,
        empty,
        0,
        empty,
        0L,
        empty,
        0,
        null,
        null);
    return new WalWrite(persistenceId, TYPE_TOMBSTONE, frame, new long[] {toSequenceNr}, SINGLE);
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

  private static byte[] utf8(String s, String what) {
    byte[] b = Utf8.encode(s, what);
    if (b.length > 0xFFFF) {
      throw new IllegalArgumentException(
          what + " is " + b.length + " UTF-8 bytes, above the limit 65535");
    }
    return b;
  }

  /**
   * Lays out one frame at {@code start} of {@code a}, with the metadata trailer when {@code
   * metadata} is not null; returns the offset just after it.
   */
  private static int putRecord(
      byte[] a,
      int start,
      byte type,
      byte flags,
      byte[] pid,
      long seqNr,
      byte[] writerUuid,
      byte[] eventManifest,
      int serializerId,
      byte[] serializerManifest,
      long timestamp,
      byte[] payload,
      int metadataSerializerId,
      byte[] metadataManifest,
      byte[] metadata) {
    int q = start + FRAME_HEADER_LENGTH;
    a[q++] = type;
    a[q++] = flags;
    q = putString(a, q, pid);
    INT64.set(a, q, seqNr);
    q += 8;
    q = putString(a, q, writerUuid);
    q = putString(a, q, eventManifest);
    INT32.set(a, q, serializerId);
    q += 4;
    q = putString(a, q, serializerManifest);
    INT64.set(a, q, timestamp);
    q += 8;
    INT32.set(a, q, payload.length);
    q += 4;
    System.arraycopy(payload, 0, a, q, payload.length);
    q += payload.length;
    if (metadata != null) {
      INT32.set(a, q, metadataSerializerId);
      q += 4;
      q = putString(a, q, metadataManifest);
      INT32.set(a, q, metadata.length);
      q += 4;
      System.arraycopy(metadata, 0, a, q, metadata.length);
      q += metadata.length;
    }
    int body = q - start - FRAME_HEADER_LENGTH;
    INT32.set(a, start + LENGTH_OFFSET, body);
    INT32.set(a, start + CRC_OFFSET, checksum(a, start, body));
    return q;
  }

  private static int putString(byte[] a, int q, byte[] s) {
    INT16.set(a, q, (short) s.length);
    System.arraycopy(s, 0, a, q + 2, s.length);
    return q + 2 + s.length;
  }
}
