package io.github.elasticq.bench.report;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The command line of a benchmark or report {@code main}: {@code key=value} options and file
 * arguments, in any order. An argument is an option when the text before its first {@code =} is one
 * of the report's options. Text before a {@code =} that looks like an option (a letter, then
 * letters and dashes) but is none is an error naming it and the known ones, unless the argument
 * ends with one of the report's file suffixes ({@code paired-a=b.tsv} is a file). Everything else
 * is a file: result files whose names hold a JVM setting ({@code r1-ElasticBuffer_-Dx=1.json},
 * {@code dir/r1-X=1.json}) have digits, {@code _} or {@code /} before the {@code =}. A misspelt
 * option that does not look like one ({@code out_dir=x}) is therefore read as a file and fails as a
 * missing file. Public for the benchmark mains outside this package ({@code BusyConsumerRace} and
 * the persistence harnesses, which take no files and reject any).
 */
public final class CommandLine {
  private final Map<String, String> options;
  private final List<Path> files;

  private CommandLine(Map<String, String> options, List<Path> files) {
    this.options = options;
    this.files = files;
  }

  /**
   * Splits {@code args} into options and files.
   *
   * @param known the options the report accepts
   * @param fileSuffixes endings that make an argument a file even when it looks like an option
   * @throws IllegalArgumentException naming an option that is not in {@code known}
   */
  public static CommandLine parse(String[] args, List<String> known, String... fileSuffixes) {
    Map<String, String> options = new LinkedHashMap<>();
    List<Path> files = new ArrayList<>();
    for (String a : args) {
      int eq = a.indexOf('=');
      String key = eq > 0 ? a.substring(0, eq) : "";
      if (known.contains(key)) {
        options.put(key, a.substring(eq + 1));
      } else if (key.matches("[A-Za-z][A-Za-z-]*") && !endsWithAny(a, fileSuffixes)) {
        throw new IllegalArgumentException(
            "unknown option " + key + "; known: " + String.join(", ", known));
      } else {
        files.add(Path.of(a));
      }
    }
    return new CommandLine(options, files);
  }

  private static boolean endsWithAny(String a, String[] suffixes) {
    for (String s : suffixes) {
      if (a.endsWith(s)) {
        return true;
      }
    }
    return false;
  }

  /** The file arguments, in order. */
  public List<Path> files() {
    return files;
  }

  /** Every option given, in the order given. */
  public Map<String, String> options() {
    return Collections.unmodifiableMap(options);
  }

  /** Whether the option was given. */
  public boolean has(String key) {
    return options.containsKey(key);
  }

  /** The option's value, or null if it was not given. */
  public String get(String key) {
    return options.get(key);
  }

  /** The option's value, or {@code fallback} if it was not given. */
  public String get(String key, String fallback) {
    return options.getOrDefault(key, fallback);
  }

  /**
   * The option's value.
   *
   * @param usage what the error adds after "missing option KEY=...; "
   * @throws IllegalArgumentException if it was not given
   */
  public String require(String key, String usage) {
    String v = options.get(key);
    if (v == null) {
      throw new IllegalArgumentException("missing option " + key + "=...; " + usage);
    }
    return v;
  }

  /**
   * The option as a whole number of at least 1, or {@code fallback} if it was not given.
   *
   * @throws IllegalArgumentException if it is given and is not such a number
   */
  public long count(String key, long fallback) {
    String v = options.get(key);
    if (v == null) {
      return fallback;
    }
    long n;
    try {
      n = Long.parseLong(v);
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(key + "=" + v + " is not a whole number", e);
    }
    if (n < 1) {
      throw new IllegalArgumentException(key + "=" + v + " must be at least 1");
    }
    return n;
  }

  /**
   * The option as a number, or {@code fallback} if it was not given.
   *
   * @throws IllegalArgumentException if it is given and is not a number
   */
  public double number(String key, double fallback) {
    String v = options.get(key);
    if (v == null) {
      return fallback;
    }
    try {
      return Double.parseDouble(v);
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(key + "=" + v + " is not a number", e);
    }
  }
}
