package io.github.elasticq.persistence.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * File locks taken by another process (a child JVM running a one-file Java program), for the tests
 * of the directory locks: what another process finds, and a lock another process holds.
 */
public final class OtherProcessLocks {
  private OtherProcessLocks() {}

  /**
   * Runs a JVM that tries to lock {@code file} (creating it) and reports {@code "held"} if another
   * process (this one) holds it, {@code "locked"} if it could take it. {@code workDir} receives the
   * program's source.
   */
  public static String tryLock(Path workDir, Path file) throws Exception {
    Process p =
        run(
            workDir,
            "TryLock",
            "System.out.println(c.tryLock() == null ? \"held\" : \"locked\");",
            file);
    try {
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
      assertThat(p.waitFor(1, TimeUnit.MINUTES)).isTrue();
      return out;
    } finally {
      p.destroyForcibly().waitFor();
    }
  }

  /**
   * Starts a JVM that locks {@code file} (creating it) and holds the lock until it is destroyed;
   * returns once it holds it. The caller destroys it.
   *
   * @throws IllegalStateException if the child could not take the lock
   */
  public static Process hold(Path workDir, Path file) throws Exception {
    Process p =
        run(
            workDir,
            "HoldLock",
            "if (c.tryLock() == null) { System.exit(3); }\n"
                + "  System.out.println(\"locked\"); System.out.flush(); System.in.read();",
            file);
    String first = new String(p.getInputStream().readNBytes(6), StandardCharsets.US_ASCII);
    if (!first.equals("locked")) {
      p.destroyForcibly().waitFor();
      throw new IllegalStateException("the child JVM could not lock " + file + ": " + first);
    }
    return p;
  }

  private static Process run(Path workDir, String name, String body, Path file) throws IOException {
    Path program = workDir.resolve(name + ".java");
    Files.writeString(
        program,
        "import java.nio.channels.FileChannel; import java.nio.file.*;\n"
            + "public class "
            + name
            + " { public static void main(String[] a) throws Exception {\n"
            + "  FileChannel c = FileChannel.open(Path.of(a[0]), StandardOpenOption.CREATE,"
            + " StandardOpenOption.WRITE);\n  "
            + body
            + " } }\n");
    return new ProcessBuilder(
            Path.of(System.getProperty("java.home"), "bin", "java").toString(),
            program.toString(),
            file.toString())
        .redirectErrorStream(true)
        .start();
  }
}
