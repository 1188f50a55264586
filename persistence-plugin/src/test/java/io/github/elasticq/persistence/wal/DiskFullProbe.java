package io.github.elasticq.persistence.wal;

import static io.github.elasticq.persistence.wal.WriteAheadLogTest.write;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * Child-process main for the disk-full test, run on a small tmpfs given as the only argument: fills
 * the file system, appends until the log fails, frees the space, appends past several rolls, closes
 * and reopens. Prints {@code FIRST-FAILURE}, {@code EMPTY-SEGMENTS} (segment files of 0 bytes left
 * by the failure) and {@code REOPENED highest=<n> appended=<n>} or {@code FAILED <e>}.
 */
public final class DiskFullProbe {
  private DiskFullProbe() {}

  public static void main(String[] args) throws Exception {
    Path small = Path.of(args[0]);
    Path dir = small.resolve("wal");
    Path filler = small.resolve("filler");
    WalSettings s = WalSettings.builder(dir).compactionEnabled(false).segmentSize(4096).build();
    long seq = 1;
    try (WriteAheadLog wal = WriteAheadLog.open(s)) {
      try (FileChannel f =
          FileChannel.open(filler, StandardOpenOption.CREATE, StandardOpenOption.WRITE)) {
        ByteBuffer b = ByteBuffer.allocate(4096);
        try {
          while (true) {
            b.clear();
            f.write(b);
          }
        } catch (IOException full) {
          // the file system is full
        }
      }
      Exception failed = null;
      while (failed == null && seq < 10_000) {
        try {
          wal.append(write("a", seq, seq)).get();
          seq++;
        } catch (Exception e) {
          failed = e;
        }
      }
      System.out.println("FIRST-FAILURE " + failed);
      long empty = 0;
      try (var files = Files.list(dir)) {
        for (Path p : (Iterable<Path>) files::iterator) {
          if (p.toString().endsWith(".wal") && Files.size(p) == 0) {
            empty++;
          }
        }
      }
      System.out.println("EMPTY-SEGMENTS " + empty);
      Files.delete(filler); // the space comes back; the log repairs itself on the next write
      long until = seq + 200;
      for (; seq < until; seq++) {
        wal.append(write("a", seq, seq)).get(); // rolls several segments
      }
    }
    try (WriteAheadLog wal = WriteAheadLog.open(s)) {
      System.out.println(
          "REOPENED highest=" + wal.highestSequenceNr("a") + " appended=" + (seq - 1));
    } catch (IOException | RuntimeException e) {
      System.out.println("FAILED " + e);
    }
  }
}
