package io.github.elasticq.examples.features;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;

/**
 * A temporary directory that an example owns: created in {@code java.io.tmpdir}, deleted with
 * everything in it when closed, so that a run leaves nothing behind, also when it fails. Close it
 * after the actor system that wrote into it terminated (the journal holds its files open until
 * then). One thread.
 */
final class TempDirectory implements AutoCloseable {
  private final Path path;

  private TempDirectory(Path path) {
    this.path = path;
  }

  /** A new, empty directory whose name starts with {@code prefix}. */
  static TempDirectory create(String prefix) throws IOException {
    return new TempDirectory(Files.createTempDirectory(prefix));
  }

  Path path() {
    return path;
  }

  /** An example's body, run in a directory. */
  @FunctionalInterface
  interface InDirectory {
    void run(Path dir) throws Exception;
  }

  /**
   * Runs {@code example} in the directory {@code args[0]}, kept afterwards, or without arguments in
   * a new temporary one whose name starts with {@code prefix}, deleted at the end (also when the
   * run fails).
   */
  static void runIn(String[] args, String prefix, InDirectory example) throws Exception {
    if (args.length > 0) {
      example.run(Path.of(args[0]));
    } else {
      try (TempDirectory dir = create(prefix)) {
        example.run(dir.path());
      }
    }
  }

  /**
   * Deletes the directory and its content.
   *
   * @throws UncheckedIOException if something could not be deleted; a try-with-resources adds it to
   *     the example's own failure as suppressed
   */
  @Override
  public void close() {
    try {
      Files.walkFileTree(
          path,
          new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs)
                throws IOException {
              Files.deleteIfExists(file);
              return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult postVisitDirectory(Path dir, IOException e) throws IOException {
              if (e != null) {
                throw e;
              }
              Files.deleteIfExists(dir);
              return FileVisitResult.CONTINUE;
            }
          });
    } catch (NoSuchFileException gone) {
      // deleted already
    } catch (IOException e) {
      throw new UncheckedIOException("cannot delete the temporary directory " + path, e);
    }
  }
}
