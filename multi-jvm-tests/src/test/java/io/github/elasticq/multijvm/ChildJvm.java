package io.github.elasticq.multijvm;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * A child JVM started with the test's own java binary and class path, whose stdout is collected as
 * complete lines (a line without its newline, cut by SIGKILL, is dropped). Stderr goes to a file
 * for diagnosis. Used from the test thread only; the reader thread hands lines over under this
 * object's monitor.
 */
final class ChildJvm implements AutoCloseable {
  private final Process process;
  private final Thread reader;
  private final List<String> lines = new ArrayList<>();
  private final Path stderr;
  private boolean eof;

  private ChildJvm(Process process, Path stderr) {
    this.process = process;
    this.stderr = stderr;
    this.reader = new Thread(this::readLines, "child-stdout-" + process.pid());
    this.reader.setDaemon(true);
    this.reader.start();
  }

  /** Starts {@code mainClass} with {@code args}; stderr is appended to {@code stderr}. */
  static ChildJvm start(Class<?> mainClass, Path stderr, String... args) throws IOException {
    String java = ProcessHandle.current().info().command().orElse("java");
    String classPath =
        System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
    List<String> command = new ArrayList<>();
    command.add(java);
    // Start fast and stay small: two cores are shared by everything on the machine.
    command.add("-XX:TieredStopAtLevel=1");
    command.add("-XX:+UseSerialGC");
    command.add("-Xmx256m");
    command.add("-cp");
    command.add(classPath);
    command.add(mainClass.getName());
    command.addAll(List.of(args));
    Process p =
        new ProcessBuilder(command)
            .redirectError(ProcessBuilder.Redirect.appendTo(stderr.toFile()))
            .start();
    return new ChildJvm(p, stderr);
  }

  private void readLines() {
    try (InputStream in = process.getInputStream()) {
      ByteArrayOutputStream current = new ByteArrayOutputStream();
      byte[] buf = new byte[8192];
      int n;
      while ((n = in.read(buf)) >= 0) {
        List<String> complete = new ArrayList<>();
        for (int i = 0; i < n; i++) {
          if (buf[i] == '\n') {
            complete.add(current.toString(StandardCharsets.UTF_8));
            current.reset();
          } else {
            current.write(buf[i]);
          }
        }
        if (!complete.isEmpty()) {
          synchronized (this) {
            lines.addAll(complete);
            notifyAll();
          }
        }
      }
    } catch (IOException e) {
      // the pipe broke: treat like EOF
    } finally {
      synchronized (this) {
        eof = true;
        notifyAll();
      }
    }
  }

  /** The OS process id. */
  long pid() {
    return process.pid();
  }

  /**
   * Waits until some line starts with {@code prefix}, and returns it.
   *
   * @throws IllegalStateException if the child reports a failed check ({@code X ...}) first
   * @throws TimeoutException naming the prefix and the child's stderr file
   * @throws IllegalStateException if the child's stdout closed first
   */
  synchronized String awaitLine(String prefix, long timeout, TimeUnit unit)
      throws InterruptedException, TimeoutException {
    long deadline = System.nanoTime() + unit.toNanos(timeout);
    int checked = 0;
    while (true) {
      for (; checked < lines.size(); checked++) {
        String line = lines.get(checked);
        if (line.startsWith(prefix)) {
          return line;
        }
        if (line.startsWith("X ")) {
          throw new IllegalStateException(
              "child " + process.pid() + " reported '" + line + "'; stderr in " + stderr);
        }
      }
      if (eof) {
        throw new IllegalStateException(
            "child "
                + process.pid()
                + " ended (exit "
                + exitValueOrUnknown()
                + ") before printing '"
                + prefix
                + "'; last lines "
                + lines.subList(Math.max(0, lines.size() - 5), lines.size())
                + "; stderr in "
                + stderr);
      }
      long left = deadline - System.nanoTime();
      if (left <= 0) {
        throw new TimeoutException(
            "child " + process.pid() + " did not print '" + prefix + "'; stderr in " + stderr);
      }
      TimeUnit.NANOSECONDS.timedWait(this, left);
    }
  }

  /** Number of lines that start with {@code prefix} so far. */
  synchronized int count(String prefix) {
    int n = 0;
    for (String l : lines) {
      if (l.startsWith(prefix)) {
        n++;
      }
    }
    return n;
  }

  /**
   * Sends SIGKILL, waits for the process to die and for its stdout to be drained to EOF. Goes
   * through the {@link ProcessHandle}: {@code Process.destroyForcibly()} would also close our end
   * of the pipe and lose the lines the child wrote just before it died.
   */
  void kill() throws InterruptedException {
    process.toHandle().destroyForcibly();
    process.waitFor();
    reader.join(TimeUnit.SECONDS.toMillis(30));
  }

  /** Writes {@code text} and a newline to the child's stdin. */
  void writeLine(String text) throws IOException {
    var in = process.getOutputStream();
    in.write((text + "\n").getBytes(StandardCharsets.UTF_8));
    in.flush();
  }

  /**
   * Sends SIGTERM (a JVM runs its shutdown hooks, Pekko's coordinated shutdown among them) and
   * waits for the exit and for stdout to be drained; false on timeout.
   */
  boolean terminate(long timeout, TimeUnit unit) throws InterruptedException {
    process.toHandle().destroy();
    return awaitExit(timeout, unit);
  }

  /** Waits for a normal exit and for stdout to be drained; false on timeout. */
  boolean awaitExit(long timeout, TimeUnit unit) throws InterruptedException {
    boolean exited = process.waitFor(timeout, unit);
    if (exited) {
      reader.join(unit.toMillis(timeout));
    }
    return exited;
  }

  /** Every complete line read so far, in order. */
  synchronized List<String> lines() {
    return List.copyOf(lines);
  }

  /** {@code alive}, or {@code exited <code>}. */
  String state() {
    return process.isAlive() ? "alive" : "exited " + process.exitValue();
  }

  private String exitValueOrUnknown() {
    return process.isAlive() ? "none yet" : Integer.toString(process.exitValue());
  }

  /** SIGKILLs the child if it still runs, without waiting for it. */
  @Override
  public void close() {
    if (process.isAlive()) {
      process.toHandle().destroyForcibly();
    }
  }
}
