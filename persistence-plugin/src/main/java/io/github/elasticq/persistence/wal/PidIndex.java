package io.github.elasticq.persistence.wal;

import java.util.ArrayList;
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
 * <p>An entry names its segment by a slot in a small per-id table of {@link Segment}s rather than
 * by a reference: the index holds one entry per live event, and primitive arrays cost the garbage
 * collector nothing to scan, whereas millions of references into a young segment object made every
 * young collection scan the whole index.
 *
 * <p>Invariant HighestNeverLowered: {@link #highest()} only grows, through appends and tombstones;
 * it also holds across compaction and restart, because compaction keeps a record that carries it: a
 * live event, the latest tombstone (its sequence number is the highest when it was written), or,
 * when a rewrite superseded the event holding the highest, that superseded event's record (the
 * highest holder, kept until a later append or tombstone reaches the highest).
 *
 * <p>Invariant NoResurrection: a superseded event never becomes live again after a restart. A
 * restart replays the records in file order, and a rewrite's first record (one whose append
 * superseded live entries: a "superseder") is what supersedes the older records again; so
 * compaction keeps every superseder, even one deleted or superseded since (a few bytes per rewrite,
 * which Pekko makes only after a failed or concurrent incarnation), for as long as the older
 * records it superseded may still be on disk, which this index does not track: always. Without it,
 * compacting the segment of a deleted rewrite while the older segment stayed made the older events
 * live again; and the highest holder, replayed before its superseder, is superseded again.
 */
final class PidIndex {
  final String persistenceId;
  private long highest;
  private long deletedTo;
  private long[] seqs = new long[4];
  private int[] slots = new int[4];
  private int[] offs = new int[4];
  private int[] lens = new int[4];
  private int start;
  private int end;

  /** The segments entries refer to, by slot; unused slots are reclaimed when the table fills. */
  private Segment[] table = new Segment[2];

  private int tableSize;
  private Segment tombSeg;
  private int tombOff;
  private int tombLen;

  /** The highest holder: a superseded event whose sequence number is {@link #highest}; or null. */
  private Segment highSeg;

  private int highOff;
  private int highLen;

  /** The superseders (see the class comment), in append order; null until the first rewrite. */
  private ArrayList<Kept> superseders;

  /** A record compaction keeps and relocates although it is not live. */
  private static final class Kept {
    Segment seg;
    int off;
    final int len;

    Kept(Segment seg, int off, int len) {
      this.seg = seg;
      this.off = off;
      this.len = len;
    }
  }

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

  /** Indexes every record of a write placed at {@code at} of {@code seg}, under one lock. */
  synchronized void apply(WalWrite w, Segment seg, int at) {
    for (int i = 0; i < w.sequenceNrs.length; i++) {
      if (w.type == SegmentRecordDescriptor.TYPE_TOMBSTONE) {
        tombstone(w.sequenceNrs[i], seg, at + w.offsets[i], w.frameLength(i));
      } else {
        append(w.sequenceNrs[i], seg, at + w.offsets[i], w.frameLength(i));
      }
    }
  }

  synchronized void append(long seq, Segment seg, int off, int len) {
    boolean supersedes = end > start && seqs[end - 1] >= seq;
    while (end > start && seqs[end - 1] >= seq) {
      end--;
      if (seqs[end] == highest && highSeg == null && seq < highest) {
        highSeg = table[slots[end]]; // superseded, but the only record left that carries highest
        highOff = offs[end];
        highLen = lens[end];
      } else {
        addDeadUnlessKept(table[slots[end]], offs[end], lens[end]);
      }
    }
    if (supersedes) {
      if (superseders == null) {
        superseders = new ArrayList<>(2);
      }
      superseders.add(new Kept(seg, off, len));
    }
    if (seq >= highest) {
      releaseHighestHolder(); // this event carries the highest now
    }
    highest = Math.max(highest, seq);
    if (seq <= deletedTo) {
      if (!supersedes) {
        seg.addDead(len);
      }
      return;
    }
    if (end == seqs.length) {
      grow();
    }
    seqs[end] = seq;
    slots[end] = slotOf(seg);
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
    if (to >= highest) {
      releaseHighestHolder(); // the tombstone carries the highest now
    }
    highest = Math.max(highest, to);
    while (start < end && seqs[start] <= to) {
      addDeadUnlessKept(table[slots[start]], offs[start], lens[start]);
      start++;
    }
    if (start == end) {
      start = 0;
      end = 0;
    }
  }

  synchronized boolean isLiveEvent(long seq, Segment seg, long off) {
    int i = find(seq);
    return i < end && seqs[i] == seq && table[slots[i]] == seg && offs[i] == off;
  }

  synchronized boolean isLatestTombstone(Segment seg, long off) {
    return tombSeg == seg && tombOff == off;
  }

  /** Whether the event record at {@code off} of {@code seg} is the highest holder (compaction). */
  synchronized boolean isHighestHolder(Segment seg, long off) {
    return highSeg == seg && highOff == off;
  }

  /**
   * Whether compaction must keep the event record at {@code off} of {@code seg} although it is not
   * live: the highest holder or a superseder.
   */
  synchronized boolean mustKeep(Segment seg, long off) {
    return isHighestHolder(seg, off) || isSuperseder(seg, off);
  }

  private boolean isSuperseder(Segment seg, long off) {
    if (superseders != null) {
      for (Kept k : superseders) {
        if (k.seg == seg && k.off == off) {
          return true;
        }
      }
    }
    return false;
  }

  private void addDeadUnlessKept(Segment seg, int off, int len) {
    if (!isSuperseder(seg, off)) {
      seg.addDead(len);
    }
  }

  private void releaseHighestHolder() {
    if (highSeg != null) {
      addDeadUnlessKept(highSeg, highOff, highLen);
      highSeg = null;
    }
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
    boolean kept = false; // a live event may also be a superseder: every reference moves
    int i = find(seq);
    if (i < end && seqs[i] == seq && table[slots[i]] == from && offs[i] == fromOff) {
      slots[i] = slotOf(to);
      offs[i] = toOff;
      kept = true;
    }
    if (highSeg == from && highOff == fromOff) {
      highSeg = to;
      highOff = toOff;
      kept = true;
    }
    if (superseders != null) {
      for (Kept k : superseders) {
        if (k.seg == from && k.off == fromOff) {
          k.seg = to;
          k.off = toOff;
          kept = true;
        }
      }
    }
    return kept;
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
      Segment s = table[slots[i]];
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

  /**
   * Everything this index holds, with segments by id, as text: two indexes that describe the same
   * log state give equal strings. For tests.
   */
  synchronized String describe() {
    StringBuilder sb = new StringBuilder(persistenceId);
    sb.append(" highest=").append(highest).append(" deletedTo=").append(deletedTo);
    sb.append(" tombstone=");
    sb.append(tombSeg == null ? "none" : tombSeg.id + "@" + tombOff + "+" + tombLen);
    if (highSeg != null) {
      sb.append(" highestHolder=").append(highSeg.id).append('@').append(highOff);
      sb.append('+').append(highLen);
    }
    if (superseders != null) {
      for (Kept k : superseders) {
        sb.append(" superseder=").append(k.seg.id).append('@').append(k.off).append('+');
        sb.append(k.len);
      }
    }
    for (int i = start; i < end; i++) {
      sb.append(' ').append(seqs[i]).append(':').append(table[slots[i]].id);
      sb.append('@').append(offs[i]).append('+').append(lens[i]);
    }
    return sb.toString();
  }

  /** First index in [start, end) whose sequence number is {@code >= seq}. */
  private int find(long seq) {
    int i = Arrays.binarySearch(seqs, start, end, seq);
    return i >= 0 ? i : -i - 1;
  }

  /** The table slot of {@code seg}, added if missing. Most appends hit the newest slot. */
  private int slotOf(Segment seg) {
    for (int i = tableSize - 1; i >= 0; i--) {
      if (table[i] == seg) {
        return i;
      }
    }
    if (tableSize == table.length) {
      reclaimSlots();
    }
    table[tableSize] = seg;
    return tableSize++;
  }

  /**
   * Drops the table slots no entry uses (segments deleted or replaced by compaction) and renumbers
   * the entries; grows the table if it stays more than half full, so the cost is amortized.
   */
  private void reclaimSlots() {
    int[] renumber = new int[tableSize];
    Arrays.fill(renumber, -1);
    for (int i = start; i < end; i++) {
      renumber[slots[i]] = 0;
    }
    int used = 0;
    Segment[] t = new Segment[tableSize];
    for (int k = 0; k < tableSize; k++) {
      if (renumber[k] == 0) {
        t[used] = table[k];
        renumber[k] = used++;
      }
    }
    for (int i = start; i < end; i++) {
      slots[i] = renumber[slots[i]];
    }
    table = Arrays.copyOf(t, used * 2 >= table.length ? table.length * 2 : table.length);
    tableSize = used;
  }

  private void grow() {
    int live = end - start;
    int cap = live * 2 < seqs.length ? seqs.length : seqs.length * 2;
    long[] s = new long[cap];
    int[] g = new int[cap];
    int[] o = new int[cap];
    int[] l = new int[cap];
    System.arraycopy(seqs, start, s, 0, live);
    System.arraycopy(slots, start, g, 0, live);
    System.arraycopy(offs, start, o, 0, live);
    System.arraycopy(lens, start, l, 0, live);
    seqs = s;
    slots = g;
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
