package io.github.elasticq.persistence.wal;

import java.util.Arrays;

/**
 * The in-memory index of one persistence id: where each live event is, the highest sequence number
 * ever written or deleted, and the latest tombstone.
 *
 * <p>Entries are kept sorted by sequence number (appends of a persistence id arrive in increasing
 * order; a rewrite of an existing sequence number supersedes it and everything after it). All
 * methods synchronize on the instance: the writer thread mutates, compaction relocates, replays
 * take slices; a slice acquires its segments before the lock is released, so the segments stay
 * readable.
 *
 * <p>Invariant HighestNeverLowered: {@link #highest()} only grows, through appends and tombstones;
 * since a tombstone's sequence number is the highest sequence number when it was written, and the
 * latest tombstone survives compaction, it also holds across compaction and restart.
 */
final class PidIndex {
  final String persistenceId;
  private long highest;
  private long deletedTo;
  private long[] seqs = new long[4];
  private Segment[] segs = new Segment[4];
  private int[] offs = new int[4];
  private int[] lens = new int[4];
  private int start;
  private int end;
  private Segment tombSeg;
  private int tombOff;
  private int tombLen;

  PidIndex(String persistenceId) {
    this.persistenceId = persistenceId;
  }

  synchronized long highest() {
    return highest;
  }

  synchronized long deletedTo() {
    return deletedTo;
  }

  synchronized int liveCount() {
    return end - start;
  }

  synchronized void append(long seq, Segment seg, int off, int len) {
    while (end > start && seqs[end - 1] >= seq) {
      end--;
      segs[end].addDead(lens[end]);
      segs[end] = null;
    }
    highest = Math.max(highest, seq);
    if (seq <= deletedTo) {
      seg.addDead(len);
      return;
    }
    if (end == seqs.length) {
      grow();
    }
    seqs[end] = seq;
    segs[end] = seg;
    offs[end] = off;
    lens[end] = len;
    end++;
  }

  synchronized void tombstone(long to, Segment seg, int off, int len) {
    if (to <= deletedTo) {
      seg.addDead(len);
      return;
    }
    if (tombSeg != null) {
      tombSeg.addDead(tombLen);
    }
    tombSeg = seg;
    tombOff = off;
    tombLen = len;
    deletedTo = to;
    highest = Math.max(highest, to);
    while (start < end && seqs[start] <= to) {
      segs[start].addDead(lens[start]);
      segs[start] = null;
      start++;
    }
    if (start == end) {
      start = 0;
      end = 0;
    }
  }

  synchronized boolean isLiveEvent(long seq, Segment seg, long off) {
    int i = find(seq);
    return i < end && seqs[i] == seq && segs[i] == seg && offs[i] == off;
  }

  synchronized boolean isLatestTombstone(Segment seg, long off) {
    return tombSeg == seg && tombOff == off;
  }

  /** Moves an entry compaction copied; false if it is no longer live (then it is dead bytes). */
  synchronized boolean relocate(
      byte type, long seq, Segment from, long fromOff, Segment to, int toOff) {
    if (type == SegmentRecordDescriptor.TYPE_TOMBSTONE) {
      if (tombSeg == from && tombOff == fromOff) {
        tombSeg = to;
        tombOff = toOff;
        return true;
      }
      return false;
    }
    int i = find(seq);
    if (i < end && seqs[i] == seq && segs[i] == from && offs[i] == fromOff) {
      segs[i] = to;
      offs[i] = toOff;
      return true;
    }
    return false;
  }

  /**
   * Copies up to {@code max} live entries with sequence numbers in {@code [from, to]} into {@code
   * out} and acquires their segments; the caller must call {@link Slice#release()}.
   */
  synchronized void slice(long from, long to, int max, Slice out) {
    out.n = 0;
    int i = find(Math.max(from, deletedTo + 1));
    Segment last = null;
    while (i < end && out.n < max && seqs[i] <= to) {
      Segment s = segs[i];
      if (s != last) {
        if (!s.acquire()) {
          throw new IllegalStateException("segment " + s + " closed while indexed");
        }
        out.acquired[out.acquiredCount++] = s;
        last = s;
      }
      out.seqs[out.n] = seqs[i];
      out.segs[out.n] = s;
      out.offs[out.n] = offs[i];
      out.lens[out.n] = lens[i];
      out.n++;
      i++;
    }
  }

  /** First index in [start, end) whose sequence number is {@code >= seq}. */
  private int find(long seq) {
    int i = Arrays.binarySearch(seqs, start, end, seq);
    return i >= 0 ? i : -i - 1;
  }

  private void grow() {
    int live = end - start;
    int cap = live * 2 < seqs.length ? seqs.length : seqs.length * 2;
    long[] s = new long[cap];
    Segment[] g = new Segment[cap];
    int[] o = new int[cap];
    int[] l = new int[cap];
    System.arraycopy(seqs, start, s, 0, live);
    System.arraycopy(segs, start, g, 0, live);
    System.arraycopy(offs, start, o, 0, live);
    System.arraycopy(lens, start, l, 0, live);
    seqs = s;
    segs = g;
    offs = o;
    lens = l;
    start = 0;
    end = live;
  }

  /** A reusable buffer of index entries for one reader thread. */
  static final class Slice {
    final long[] seqs;
    final Segment[] segs;
    final int[] offs;
    final int[] lens;
    final Segment[] acquired;
    int n;
    int acquiredCount;

    Slice(int capacity) {
      seqs = new long[capacity];
      segs = new Segment[capacity];
      offs = new int[capacity];
      lens = new int[capacity];
      acquired = new Segment[capacity];
    }

    void release() {
      for (int i = 0; i < acquiredCount; i++) {
        acquired[i].release();
        acquired[i] = null;
      }
      acquiredCount = 0;
      Arrays.fill(segs, 0, n, null);
      n = 0;
    }
  }
}
