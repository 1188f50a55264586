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
 * option that does not look like one ({@code out_dir=x}) is therefore read as a file by a report
 * and fails as a missing file; {@link #parseOptions}, for the mains that take no files, names it as
 * an unknown option. Public for those mains outside this package ({@code BusyConsumerRace} and the
 * persistence harnesses).
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

  /**
   * {@link #parse} for a main that takes options only: every argument must be a {@code key=value}
   * of a known key.
   *
   * @throws IllegalArgumentException naming an option that is not in {@code known} (whatever its
   *     key looks like), or the first argument that is no {@code key=value}
   */
  public static CommandLine parseOptions(String[] args, List<String> known) {
    CommandLine line = parse(args, known);
    if (!line.files.isEmpty()) {
      String a = line.files.get(0).toString();
      int eq = a.indexOf('=');
      throw new IllegalArgumentException(
          eq > 0
              ? "unknown option " + a.substring(0, eq) + "; known: " + String.join(", ", known)
              : "expected key=value with a key of "
                  + String.join(", ", known)
                  + "; got '"
                  + a
                  + "'");
    }
    return line;
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
    return v == null ? fallback : countOf(key, v, v);
  }

  /** {@code key=value}, and the item of a list if it is only a part of the value. */
  private static String describe(String key, String value, String item) {
    return key + "=" + value + (item.equals(value) ? "" : ": '" + item + "'");
  }

  /**
   * {@code item} (all of option {@code key}'s {@code value}, or one of its comma-separated parts)
   * as a whole number of at least 1.
   */
  private static long countOf(String key, String value, String item) {
    String what = describe(key, value, item);
    long n;
    try {
      n = Long.parseLong(item);
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(what + " is not a whole number", e);
    }
    if (n < 1) {
      throw new IllegalArgumentException(what + " must be at least 1");
    }
    return n;
  }

  /**
   * The option as a whole number from 1 to {@link Integer#MAX_VALUE}, or {@code fallback} if it was
   * not given.
   *
   * @throws IllegalArgumentException if it is given and is not such a number
   */
  public int intCount(String key, int fallback) {
    String v = options.get(key);
    return v == null ? fallback : intOf(key, v, v);
  }

  /**
   * The option as a comma-separated list of whole numbers from 1 to {@link Integer#MAX_VALUE}
   * ({@code 1,50}), or {@code fallback}'s if it was not given.
   *
   * @throws IllegalArgumentException naming the option and the item that is not such a number
   */
  public List<Integer> intCounts(String key, String fallback) {
    String v = options.getOrDefault(key, fallback);
    List<Integer> out = new ArrayList<>();
    for (String item : v.split(",", -1)) {
      out.add(intOf(key, v, item.trim()));
    }
    return out;
  }

  private static int intOf(String key, String value, String item) {
    long n = countOf(key, value, item);
    if (n > Integer.MAX_VALUE) {
      throw new IllegalArgumentException(
          describe(key, value, item) + " must be at most " + Integer.MAX_VALUE);
    }
    return (int) n;
  }

  /**
   * The option as a number of at least 0 (a duration in seconds, say), or {@code fallback} if it
   * was not given.
   *
   * @throws IllegalArgumentException if it is given and is not such a number
   */
  public double nonNegative(String key, double fallback) {
    return atLeast(key, fallback, true);
  }

  /**
   * The option as a number above 0 (a measured duration in seconds, say), or {@code fallback} if it
   * was not given.
   *
   * @throws IllegalArgumentException if it is given and is not such a number
   */
  public double positive(String key, double fallback) {
    return atLeast(key, fallback, false);
  }

  /** The option as a finite number of at least 0 ({@code zero} allowed) or above 0. */
  private double atLeast(String key, double fallback, boolean zero) {
    double d = number(key, fallback);
    if (!(zero ? d >= 0 : d > 0) || Double.isInfinite(d)) {
      throw new IllegalArgumentException(
          key + "=" + options.get(key) + " must be a number " + (zero ? ">= 0" : "> 0"));
    }
    return d;
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
