package io.github.elasticq.persistence.wal;

import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
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
 */
final class Segment {
  static final Pattern FILE_NAME = Pattern.compile("(\\d{20})\\.wal");

  final long id;
  final Path path;
  private volatile FileChannel channel;

  /** Bytes in the file; written by the writer thread (or the opener), read by any thread. */
  volatile long size;

  private final AtomicLong deadBytes = new AtomicLong();

  /** One reference for the log itself plus one per reader; the channel closes at zero. */
  private final AtomicInteger refs = new AtomicInteger(1);

  private Segment(long id, Path path, FileChannel channel, long size) {
    this.id = id;
    this.path = path;
    this.channel = channel;
    this.size = size;
  }

  static String fileName(long id) {
    return String.format("%020d.wal", id);
  }

  /** Creates a new segment file with its header; forces it if {@code sync}. */
  static Segment create(Path dir, long id, boolean sync) throws IOException {
    Path path = dir.resolve(fileName(id));
    FileChannel ch =
        FileChannel.open(
            path, StandardOpenOption.CREATE_NEW, StandardOpenOption.READ, StandardOpenOption.WRITE);
    try {
      ByteBuffer header = ByteBuffer.allocate(SegmentRecordDescriptor.SEGMENT_HEADER_LENGTH);
      SegmentRecordDescriptor.writeSegmentHeader(header, id);
      header.flip();
      writeFully(ch, header, 0);
      if (sync) {
        ch.force(false);
      }
      return new Segment(id, path, ch, SegmentRecordDescriptor.SEGMENT_HEADER_LENGTH);
    } catch (IOException | RuntimeException e) {
      ch.close();
      throw e;
    }
  }

  /** Opens an existing segment file; {@code writable} for the active segment. */
  static Segment open(Path path, long id, boolean writable) throws IOException {
    FileChannel ch =
        writable
            ? FileChannel.open(path, StandardOpenOption.READ, StandardOpenOption.WRITE)
            : FileChannel.open(path, StandardOpenOption.READ);
    return new Segment(id, path, ch, ch.size());
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

  /** Reads exactly {@code dst.remaining()} bytes at {@code position}. */
  void readFully(ByteBuffer dst, long position) throws IOException {
    long p = position;
    FileChannel ch = channel;
    while (dst.hasRemaining()) {
      int n = ch.read(dst, p);
      if (n < 0) {
        throw new EOFException("unexpected end of " + path + " at offset " + p);
      }
      p += n;
    }
  }

  void force() throws IOException {
    channel.force(false);
  }

  /** Reopens the file for writing after a failed write closed or poisoned the channel. */
  void reopenWritable() throws IOException {
    FileChannel old = channel;
    channel = FileChannel.open(path, StandardOpenOption.READ, StandardOpenOption.WRITE);
    try {
      old.close();
    } catch (IOException ignored) {
      // the old channel is being replaced because it failed
    }
  }

  void truncate(long newSize) throws IOException {
    channel.truncate(newSize);
    size = newSize;
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
      try {
        channel.close();
      } catch (IOException ignored) {
        // nothing was written through this channel since the last force
      }
    }
  }

  /** Drops the log's own reference; the channel closes when the last reader releases. */
  void retire() {
    release();
  }

  @Override
  public String toString() {
    return path.toString();
  }
}
