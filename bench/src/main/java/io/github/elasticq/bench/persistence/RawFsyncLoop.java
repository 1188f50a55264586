package io.github.elasticq.bench.persistence;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * The disk's fsync limit: append {@code recordBytes} to a file and {@code FileChannel.force(false)}
 * it, in a loop, on one thread: what the write ahead log's writer thread does per group commit,
 * with nothing else around it. No journal that forces every write can beat this rate with one
 * writer.
 *
 * <p>With {@code preallocated}, the file is first filled with zeros (and forced) so that each force
 * overwrites allocated blocks and changes no file size: what a log with preallocated segments would
 * pay per fsync. The ratio of the two loops bounds what preallocation can buy.
 */
final class RawFsyncLoop {
  /** Zeros written ahead in the preallocated variant; more than a run appends. */
  private static final long PREALLOCATED_BYTES = 64L << 20;

  private RawFsyncLoop() {}

  /**
   * Runs for {@code warmupMillis + measureMillis}; returns forces per second of the measured part.
   */
  static double forcesPerSecond(
      Path dir, int recordBytes, long warmupMillis, long measureMillis, boolean preallocated)
      throws IOException {
    Files.createDirectories(dir);
    Path file = dir.resolve("raw-fsync.dat");
    ByteBuffer record = ByteBuffer.allocateDirect(recordBytes);
    try (FileChannel ch =
        FileChannel.open(
            file,
            StandardOpenOption.CREATE,
            StandardOpenOption.TRUNCATE_EXISTING,
            StandardOpenOption.WRITE)) {
      if (preallocated) {
        ByteBuffer zeros = ByteBuffer.allocateDirect(1 << 20);
        for (long p = 0; p < PREALLOCATED_BYTES; p += zeros.capacity()) {
          zeros.clear();
          while (zeros.hasRemaining()) {
            ch.write(zeros, p + zeros.position());
          }
        }
        ch.force(true);
      }
      long position = 0;
      long warmupEnd = System.nanoTime() + warmupMillis * 1_000_000;
      while (System.nanoTime() < warmupEnd) {
        position += append(ch, record, position);
      }
      long start = System.nanoTime();
      long end = start + measureMillis * 1_000_000;
      long n = 0;
      long now;
      do {
        position += append(ch, record, position);
        n++;
        now = System.nanoTime();
      } while (now < end);
      return n * 1e9 / (now - start);
    } finally {
      Files.deleteIfExists(file);
    }
  }

  private static int append(FileChannel ch, ByteBuffer record, long position) throws IOException {
    record.clear();
    int written = 0;
    while (record.hasRemaining()) {
      written += ch.write(record, position + written);
    }
    ch.force(false);
    return written;
  }
}
