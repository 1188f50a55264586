package io.github.elasticq.persistence.wal;

import static io.github.elasticq.persistence.wal.SegmentRecordDescriptor.*;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads a segment front to back, validating every frame, and reports where its committed prefix
 * ends and why. Used by recovery and by compaction; one instance per scan, one thread.
 *
 * <p>A segment may end with zeros written ahead of need (preallocation, see {@link Segment}): when
 * the frame at some offset is invalid and every byte from there to the end of the file is zero, the
 * records end there and the scan is clean (unless an atomic write is left unfinished, which is a
 * torn tail as always). Anything non-zero in that area is judged as before: a partial record
 * followed by zeros is a torn tail, a valid frame after it is corruption.
 */
final class SegmentScanner {
  private static final int WINDOW = 1 << 20;

  /** A committed record. */
  record Entry(RecordCodec.Header header, long offset, int frameLength) {}

  /**
   * Result of a scan.
   *
   * @param entries committed records, in file order
   * @param committedEnd end of the last committed record (or of the header); for a clean result,
   *     the logical end of the segment, before any preallocated zeros
   * @param fileSize size of the file when scanned (including preallocated zeros)
   * @param problem null when the whole file is committed; otherwise why the scan stopped
   * @param problemOffset where the invalid frame (or the unfinished atomic write) starts
   * @param nextValidOffset offset of a valid frame after the problem, or -1 if there is none
   */
  record Result(
      List<Entry> entries,
      long committedEnd,
      long fileSize,
      String problem,
      long problemOffset,
      long nextValidOffset) {
    boolean clean() {
      return problem == null;
    }
  }

  private final FileChannel channel;
  private final RecordCodec.StringCache pids = new RecordCodec.StringCache();
  private final long fileSize;
  private int version;
  private ByteBuffer window = ByteBuffer.allocate(WINDOW);
  private long windowStart;
  private int windowLength;

  SegmentScanner(FileChannel channel) throws IOException {
    this.channel = channel;
    this.fileSize = channel.size();
  }

  /** The format version read from the header by {@link #scan}; 0 before, or if it was bad. */
  int version() {
    return version;
  }

  /** Scans the whole segment; {@code expectedId} is checked against the header. */
  Result scan(long expectedId) throws IOException {
    List<Entry> committed = new ArrayList<>();
    if (fileSize < SEGMENT_HEADER_LENGTH) {
      return new Result(
          committed, 0, fileSize, "partial segment header (" + fileSize + " bytes)", 0, -1);
    }
    ByteBuffer h = at(0, SEGMENT_HEADER_LENGTH);
    int p0 = h.position();
    if (h.getInt(p0) != SEGMENT_MAGIC
        || !isReadableVersion(h.getInt(p0 + 4))
        || h.getLong(p0 + 8) != expectedId) {
      return new Result(
          committed, 0, fileSize, "bad segment header", 0, nextValid(SEGMENT_HEADER_LENGTH));
    }
    version = h.getInt(p0 + 4);
    // Records of an atomic write whose last record has not been seen yet sit at the end of the
    // list, from index `committedCount` on; they are dropped if the write turns out unfinished.
    int committedCount = 0;
    long pos = SEGMENT_HEADER_LENGTH;
    long committedEnd = pos;
    String problem = null;
    while (pos < fileSize) {
      problem = check(pos);
      if (problem != null) {
        if (zerosFrom(pos)) {
          problem = null; // the end of the records: preallocated space follows
        }
        break;
      }
      ByteBuffer b = window;
      int p = b.position();
      int frame = FRAME_HEADER_LENGTH + RecordCodec.bodyLength(b, p);
      RecordCodec.Header header = RecordCodec.header(b, p, pids);
      committed.add(new Entry(header, pos, frame));
      pos += frame;
      if ((header.flags() & FLAG_BATCH_CONTINUES) == 0) {
        committedCount = committed.size();
        committedEnd = pos;
      }
    }
    int pending = committed.size() - committedCount;
    committed.subList(committedCount, committed.size()).clear();
    if (problem != null) {
      return new Result(committed, committedEnd, fileSize, problem, pos, nextValid(pos + 1));
    }
    if (pending > 0) {
      return new Result(
          committed,
          committedEnd,
          fileSize,
          "atomic write of " + pending + " record(s) not completed",
          committedEnd,
          -1);
    }
    return new Result(committed, committedEnd, fileSize, null, -1, -1);
  }

  /**
   * Validates the frame at {@code pos}; on success the window is positioned at it. Returns null if
   * valid, else the reason.
   */
  String check(long pos) throws IOException {
    long remaining = fileSize - pos;
    if (remaining < FRAME_HEADER_LENGTH) {
      return "partial frame header (" + remaining + " bytes)";
    }
    ByteBuffer b = at(pos, FRAME_HEADER_LENGTH);
    int length = b.getInt(b.position() + LENGTH_OFFSET);
    if (isValidBodyLength(length) && FRAME_HEADER_LENGTH + (long) length <= remaining) {
      b = at(pos, FRAME_HEADER_LENGTH + length);
      return RecordCodec.validate(b, FRAME_HEADER_LENGTH + length);
    }
    return RecordCodec.validate(b, remaining);
  }

  /** Whether every byte from {@code from} to the end of the file is zero. */
  private boolean zerosFrom(long from) throws IOException {
    long p = from;
    while (p < fileSize) {
      int n = (int) Math.min(WINDOW, fileSize - p);
      ByteBuffer b = at(p, n);
      int i = b.position();
      int end = i + n;
      for (; i + 8 <= end; i += 8) {
        if (b.getLong(i) != 0) {
          return false;
        }
      }
      for (; i < end; i++) {
        if (b.get(i) != 0) {
          return false;
        }
      }
      p += n;
    }
    return true;
  }

  /** The offset of the first valid frame at or after {@code from}, or -1. */
  private long nextValid(long from) throws IOException {
    for (long y = from; y + FRAME_HEADER_LENGTH + MIN_BODY_LENGTH <= fileSize; y++) {
      ByteBuffer b = at(y, FRAME_HEADER_LENGTH);
      int length = b.getInt(b.position() + LENGTH_OFFSET);
      if (isValidBodyLength(length)
          && FRAME_HEADER_LENGTH + (long) length <= fileSize - y
          && check(y) == null) {
        return y;
      }
    }
    return -1;
  }

  /**
   * Best effort after damage: every valid frame from {@code from} on, skipping unreadable bytes.
   * Used only to report what a quarantined segment held.
   */
  List<Entry> salvage(long from) throws IOException {
    List<Entry> found = new ArrayList<>();
    long pos = from;
    while (pos >= 0 && pos < fileSize) {
      if (check(pos) == null) {
        ByteBuffer b = window;
        int frame = FRAME_HEADER_LENGTH + RecordCodec.bodyLength(b, b.position());
        found.add(new Entry(RecordCodec.header(b, b.position(), pids), pos, frame));
        pos += frame;
      } else {
        pos = nextValid(pos + 1);
      }
    }
    return found;
  }

  /** The window positioned at {@code pos} with at least {@code n} readable bytes. */
  private ByteBuffer at(long pos, int n) throws IOException {
    if (pos < windowStart || pos + n > windowStart + windowLength) {
      int want = (int) Math.min(Math.max(n, WINDOW), fileSize - pos);
      if (window.capacity() < want) {
        window = ByteBuffer.allocate(want);
      }
      window.clear().limit(want);
      long p = pos;
      while (window.hasRemaining()) {
        int r = channel.read(window, p);
        if (r < 0) {
          throw new IOException("file shrank while scanning at offset " + p);
        }
        p += r;
      }
      windowStart = pos;
      windowLength = want;
    }
    window.limit(windowLength).position((int) (pos - windowStart));
    return window;
  }

  /** The frame at {@code pos}, validated, as a window positioned at it. */
  ByteBuffer frame(long pos, int length) throws IOException {
    return at(pos, length);
  }
}
