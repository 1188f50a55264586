package io.github.elasticq.persistence.wal;

import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedByInterruptException;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Pattern;

/**
 * One segment file. The writer thread appends to the active segment; replays read any segment with
 * positional reads, which are safe concurrently with appends and with each other.
 *
 * <p>The channel is closed once the segment is retired (compacted, dropped or the log closed) and
 * no reader holds it: readers {@link #acquire()} it under the lock of the {@link PidIndex} that
 * points at it and {@link #release()} it after reading, so a compaction that swaps the file never
 * closes a channel under a reader.
 *
 * <p><b>Preallocation.</b> The file may extend beyond {@link #size} (the logical end: the end of
 * the last record) with zeros written ahead of need ({@link #extend}), so that a later append
 * overwrites existing, already durable blocks and its {@code force} need not write metadata: {@link
 * #force()} uses {@code force(false)} while the logical end is within {@link #durableLength} and
 * {@code force(true)} otherwise. The zeros are never read as records: recovery ends a segment at
 * its first all-zero frame header when only zeros follow (see {@link SegmentScanner}). The slack is
 * cut off ({@link #trimPreallocation()}) when a segment is sealed and when the log closes.
 */
final class Segment {
  static final Pattern FILE_NAME = Pattern.compile("(\\d{20})\\.wal");

  final long id;
  final Path path;
  private volatile FileChannel channel;

  /**
   * Whether {@link #channel} may write: the active segment's, and any segment repaired after a
   * failed write. A channel reopened after an interrupt closed it keeps this mode.
   */
  private volatile boolean writable;

  /**
   * Set by {@link #retire()}: the log no longer owns this segment, and its path may name another
   * file already (compaction renamed the rewritten segment over it), so it is never reopened.
   */
  private volatile boolean retired;

  /** Bytes in the file; written by the writer thread (or the opener), read by any thread. */
  volatile long size;

  private final AtomicLong deadBytes = new AtomicLong();

  /**
   * Bytes of the file written by this process or found on open (records or zeros): the file length
   * as far as the writer knows. Guarded by {@code this}.
   */
  private long allocated;

  /** Whether an {@link #extend} is writing zeros beyond {@link #allocated}. Guarded by this. */
  private boolean extending;

  /** Bumped by every truncation, so that a force begun before it does not publish stale state. */
  private int generation;

  /**
   * The file is durable up to here, data and metadata (its length covers it, its blocks are
   * allocated): a force of writes below it needs no metadata, so {@code force(false)} suffices.
   * Written under {@code this}.
   */
  private volatile long durableLength;

  /** One reference for the log itself plus one per reader; the channel closes at zero. */
  private final AtomicInteger refs = new AtomicInteger(1);

  private Segment(long id, Path path, FileChannel channel, long size, boolean writable) {
    this.id = id;
    this.path = path;
    this.channel = channel;
    this.writable = writable;
    this.size = size;
    this.allocated = size;
  }

  static String fileName(long id) {
    return String.format("%020d.wal", id);
  }

  /** Creates a new segment file with its header; forces it if {@code sync}. */
  static Segment create(Path dir, long id, boolean sync) throws IOException {
    return create(dir, id, sync, 0);
  }

  /**
   * Creates a new segment file with its header followed by zeros up to {@code preallocateTo} (if
   * that is beyond the header); forces it if {@code sync} ({@code force(true)} when preallocated,
   * so that the zeros count as durable). If that fails (a full disk), the file is deleted again: a
   * file without its header in front of later segments would stop the next recovery.
   */
  static Segment create(Path dir, long id, boolean sync, long preallocateTo) throws IOException {
    Path path = dir.resolve(fileName(id));
    FileChannel ch =
        FileChannel.open(
            path, StandardOpenOption.CREATE_NEW, StandardOpenOption.READ, StandardOpenOption.WRITE);
    try {
      ByteBuffer header = ByteBuffer.allocate(SegmentRecordDescriptor.SEGMENT_HEADER_LENGTH);
      SegmentRecordDescriptor.writeSegmentHeader(header, id);
      header.flip();
      writeFully(ch, header, 0);
      Segment s = new Segment(id, path, ch, SegmentRecordDescriptor.SEGMENT_HEADER_LENGTH, true);
      long p = SegmentRecordDescriptor.SEGMENT_HEADER_LENGTH;
      boolean preallocated = preallocateTo > p;
      if (preallocated) {
        writeZeros(ch, p, preallocateTo);
        p = preallocateTo;
      }
      if (sync) {
        ch.force(preallocated);
      }
      synchronized (s) {
        s.allocated = p;
        if (sync) {
          s.durableLength = p;
        }
      }
      return s;
    } catch (IOException | RuntimeException e) {
      ch.close();
      try {
        Files.deleteIfExists(path);
      } catch (IOException notDeleted) {
        e.addSuppressed(notDeleted); // the caller moves on to the next id (GroupCommitWriter.roll)
      }
      throw e;
    }
  }

  /**
   * Opens an existing segment file; {@code writable} for the active segment. Its {@link #size} is
   * the file length until recovery sets the logical end ({@link #setLogicalEnd}); nothing of it
   * counts as durable until the first {@code force(true)}.
   */
  static Segment open(Path path, long id, boolean writable) throws IOException {
    FileChannel ch = channelOf(path, writable);
    return new Segment(id, path, ch, ch.size(), writable);
  }

  /** A channel of the existing file at {@code path}: read-write if {@code writable}, else read. */
  private static FileChannel channelOf(Path path, boolean writable) throws IOException {
    return writable
        ? FileChannel.open(path, StandardOpenOption.READ, StandardOpenOption.WRITE)
        : FileChannel.open(path, StandardOpenOption.READ);
  }

  /**
   * Recovery: the records end at {@code end}, the rest of the file (up to its length) is
   * preallocated zeros. Before the writer starts.
   */
  synchronized void setLogicalEnd(long end) {
    size = end;
  }

  FileChannel channel() {
    return channel;
  }

  /** Writes all of {@code src} at {@code position}. */
  void write(ByteBuffer src, long position) throws IOException {
    writeFully(channel, src, position);
  }

  private static void writeFully(FileChannel ch, ByteBuffer src, long position) throws IOException {
    long p = position;
    while (src.hasRemaining()) {
      p += ch.write(src, p);
    }
  }

  /**
   * Reads exactly {@code dst.remaining()} bytes at {@code position}; the caller holds a reference
   * ({@link #acquire()}).
   *
   * <p>A {@code FileChannel} is closed, for every thread, when a thread blocked in (or entering)
   * one of its operations is interrupted. A reader on an interrupted thread fails with {@link
   * ClosedByInterruptException} as before, but first reopens the channel, and a reader that finds
   * the channel closed under it by another reader's interrupt reopens it and reads again: without
   * this, one interrupted reader left the segment unreadable for every replay and query until the
   * log was reopened.
   */
  void readFully(ByteBuffer dst, long position) throws IOException {
    int start = dst.position();
    for (int attempt = 0; ; attempt++) {
      FileChannel ch = channel;
      try {
        long p = position + (dst.position() - start);
        while (dst.hasRemaining()) {
          int n = ch.read(dst, p);
          if (n < 0) {
            throw new EOFException("unexpected end of " + path + " at offset " + p);
          }
          p += n;
        }
        return;
      } catch (ClosedChannelException e) {
        boolean reopened = reopenClosed(ch);
        if (e instanceof ClosedByInterruptException || !reopened || attempt >= 2) {
          throw e;
        }
      }
    }
  }

  /**
   * After an operation found {@code closed} closed: replaces it with a new channel of the same
   * mode, unless the segment was retired (its path may name another file) or released; true if
   * {@link #channel} is now another, open channel (reopened here or replaced meanwhile).
   */
  private synchronized boolean reopenClosed(FileChannel closed) throws IOException {
    if (channel != closed) {
      return true; // replaced already (reopenWritable, or another reader reopened it)
    }
    if (closed.isOpen() || retired || refs.get() <= 0) {
      return false;
    }
    channel = channelOf(path, writable);
    return true;
  }

  /**
   * Forces the records written so far: {@code force(false)} (data only) when the logical end is
   * inside the durable, preallocated length, else {@code force(true)}, which also makes every byte
   * written before it (up to {@link #allocated}) durable with the file's length. Any thread.
   */
  void force() throws IOException {
    long end = size;
    if (end <= durableLength) {
      channel.force(false);
      return;
    }
    long covered;
    int gen;
    synchronized (this) {
      covered = Math.max(allocated, end);
      gen = generation;
    }
    channel.force(true);
    publishDurable(covered, gen);
  }

  private synchronized void publishDurable(long length, int gen) {
    if (gen == generation && length > durableLength) {
      durableLength = length;
    }
  }

  /** Durable length for tests and assertions; see {@link #durableLength}. */
  long durableLength() {
    return durableLength;
  }

  /** Whether an extension is running; for tests. */
  synchronized boolean extending() {
    return extending;
  }

  /** File length as the writer knows it (records and preallocated zeros). */
  synchronized long allocated() {
    return allocated;
  }

  /**
   * Writer thread, before writing up to {@code end}: waits while an extension writes zeros that the
   * write would overlap, then records that the file reaches {@code end}.
   */
  synchronized void beforeWrite(long end) throws IOException {
    awaitExtensionBelow(end);
    if (end > allocated) {
      allocated = end;
    }
  }

  /**
   * Writer thread: if less than {@code threshold} bytes of zeros remain ahead of the logical end
   * and the file is below {@code limit}, marks an extension as started and returns its target
   * length ({@code chunk} more, at most {@code limit}); else returns -1. The caller then runs
   * {@link #extend} (on any thread).
   */
  synchronized long startExtension(long chunk, long threshold, long limit) {
    if (extending || allocated >= limit || allocated - size >= threshold) {
      return -1;
    }
    extending = true;
    return Math.min(allocated + chunk, limit);
  }

  /**
   * Writes zeros from {@link #allocated} to {@code target} and forces them with the file's length
   * ({@code force(true)}), then publishes both lengths. Only after a successful {@link
   * #startExtension}; never overlaps a write (the writer waits in {@link #beforeWrite}). On failure
   * the extension is abandoned (appends then extend the file themselves and force with metadata).
   */
  void extend(long target) throws IOException {
    long from;
    synchronized (this) {
      from = allocated;
    }
    boolean done = false;
    try {
      writeZeros(channel, from, target);
      channel.force(true);
      done = true;
    } finally {
      synchronized (this) {
        if (done) {
          allocated = Math.max(allocated, target);
          if (target > durableLength) {
            durableLength = target;
          }
        }
        extending = false;
        notifyAll();
      }
    }
  }

  /**
   * Abandons an extension marked by {@link #startExtension} that will not run (its executor refused
   * it).
   */
  synchronized void abandonExtension() {
    extending = false;
    notifyAll();
  }

  /** Writes zeros over {@code [from, to)}, one megabyte per write. */
  private static void writeZeros(FileChannel ch, long from, long to) throws IOException {
    long p = from;
    while (p < to) {
      ByteBuffer z = Zeros.MIB.duplicate();
      z.limit((int) Math.min(z.capacity(), to - p));
      writeFully(ch, z, p);
      p += z.limit();
    }
  }

  /** One megabyte of zeros, shared read-only; allocated on first use. */
  private static final class Zeros {
    static final ByteBuffer MIB = ByteBuffer.allocateDirect(1 << 20).asReadOnlyBuffer();
  }

  /** Waits until no extension runs. */
  private void awaitNoExtension() {
    awaitExtensionBelow(Long.MAX_VALUE);
  }

  /**
   * Waits while an extension runs and {@code end} lies beyond the allocated length; keeps an
   * interrupt for the caller. Monitor held.
   */
  private void awaitExtensionBelow(long end) {
    boolean interrupted = false;
    while (extending && end > allocated) {
      try {
        wait();
      } catch (InterruptedException e) {
        interrupted = true;
      }
    }
    if (interrupted) {
      Thread.currentThread().interrupt();
    }
  }

  /**
   * Cuts the preallocated zeros after the logical end (when sealing the segment or closing the
   * log); the next {@link #force()} then writes the new length. Writer thread (or close).
   */
  void trimPreallocation() throws IOException {
    synchronized (this) {
      awaitNoExtension();
      if (allocated <= size && channel.size() <= size) {
        return;
      }
    }
    truncate(size);
  }

  /** Reopens the file for writing after a failed write closed or poisoned the channel. */
  void reopenWritable() throws IOException {
    FileChannel old;
    synchronized (this) {
      old = channel;
      channel = channelOf(path, true);
      writable = true;
    }
    try {
      old.close();
    } catch (IOException ignored) {
      // the old channel is being replaced because it failed
    }
  }

  /**
   * Cuts the file (and the logical end) to {@code newSize}, after any running extension. The new
   * length is not durable until the next {@link #force()}, which will use {@code force(true)}.
   */
  synchronized void truncate(long newSize) throws IOException {
    awaitNoExtension();
    generation++;
    durableLength = 0;
    channel.truncate(newSize);
    size = newSize;
    allocated = newSize;
  }

  void addDead(long bytes) {
    deadBytes.addAndGet(bytes);
  }

  long deadBytes() {
    return deadBytes.get();
  }

  /** Dead share of the record bytes; 1.0 for a segment without records. */
  double deadRatio() {
    long records = size - SegmentRecordDescriptor.SEGMENT_HEADER_LENGTH;
    return records <= 0 ? 1.0 : (double) deadBytes.get() / records;
  }

  /** Takes a reader reference; false if the segment is already closed. */
  boolean acquire() {
    for (; ; ) {
      int r = refs.get();
      if (r <= 0) {
        return false;
      }
      if (refs.compareAndSet(r, r + 1)) {
        return true;
      }
    }
  }

  /** Drops a reference taken by {@link #acquire()} (or the owner's, via {@link #retire()}). */
  void release() {
    if (refs.decrementAndGet() == 0) {
      synchronized (this) { // not beside a reopenClosed, which would open a channel left open
        try {
          channel.close();
        } catch (IOException ignored) {
          // nothing was written through this channel since the last force
        }
      }
    }
  }

  /** Drops the log's own reference; the channel closes when the last reader releases. */
  void retire() {
    retired = true;
    release();
  }

  @Override
  public String toString() {
    return path.toString();
  }
}
