package io.github.elasticq.multijvm;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Keeps each child's stdout under {@code target/crash-transcripts/<test>/cycle-<n>.txt} (the
 * working directory of a Surefire fork is the module), with the children's stderr in {@code
 * child-stderr.log}, so a failure can be traced back through the incarnations that led to it.
 * Emptied at the start of each test.
 */
final class Transcripts {
  private Transcripts() {}

  /** The directory of {@code test}'s transcripts, emptied. */
  static Path reset(String test) {
    try {
      Path dir = Path.of("target", "crash-transcripts", test).toAbsolutePath();
      Files.createDirectories(dir);
      try (var files = Files.list(dir)) {
        for (Path p : files.toList()) {
          Files.delete(p);
        }
      }
      return dir;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Saves one incarnation's stdout. */
  static void write(String test, int cycle, List<String> lines) {
    try {
      Path dir = Path.of("target", "crash-transcripts", test);
      Files.write(dir.resolve(String.format("cycle-%03d.txt", cycle)), lines);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
