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
 */
final class RawFsyncLoop {
  private RawFsyncLoop() {}

  /**
   * Runs for {@code warmupMillis + measureMillis}; returns forces per second of the measured part.
   */
  static double forcesPerSecond(Path dir, int recordBytes, long warmupMillis, long measureMillis)
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
