package io.github.elasticq.bench.report;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * One view of several paired-rounds results: reads the {@code .tsv} summaries that {@link
 * PairedReport} writes next to each {@code paired.md} and writes {@code summary.md} (every target:
 * the median ratio, its interval, the goal, median / goal, the rounds at or above the goal and the
 * verdict) and {@code targets.png} (median / goal with the interval / goal drawn across each bar;
 * 1.0 = goal reached). Each target comes from its own paired run, so the view holds as many machine
 * regimes as runs: it shows where each target stands, not a same-run comparison between targets.
 * {@code max=X} ends the chart's axis at X (median / goal): longer bars are cut there and labelled
 * with their real value.
 *
 * <pre>
 * java -cp bench/target/benchmarks.jar io.github.elasticq.bench.report.PairedSummary \
 *   out=DIR [title=TEXT] [note=TEXT] [max=X] a/paired.tsv b/paired.tsv ...
 * </pre>
 */
public final class PairedSummary {
  private PairedSummary() {}

  /**
   * One row of a {@code paired.tsv}, and the file it came from. {@code atGoal} is the number of
   * rounds at or above the goal, -1 when the table predates that column and the goal is not 1.0
   * (its {@code won} counted the rounds at or above 1.0, kept as {@code atOne}).
   */
  record Row(
      String benchmark,
      String ours,
      String peer,
      double goal,
      int rounds,
      double median,
      double low,
      double high,
      double coverage,
      int atGoal,
      int atOne,
      Path source) {
    String label() {
      int dot = benchmark.lastIndexOf('.', benchmark.lastIndexOf('.') - 1);
      String shortName = dot < 0 ? benchmark : benchmark.substring(dot + 1);
      return shortName + ": " + ours + " / " + peer;
    }

    PairedReport.Summary summary() {
      return new PairedReport.Summary(
          benchmark, rounds, median, low, high, coverage, Double.NaN, atGoal, atOne);
    }
  }

  /**
   * The rows of one {@code paired.tsv}, this version's or one from before the {@code at_goal}
   * column; a malformed line is an error naming file and line.
   */
  static List<Row> read(Path file) throws IOException {
    List<String> lines = Files.readAllLines(file);
    boolean legacy = !lines.isEmpty() && lines.get(0).equals(PairedReport.LEGACY_TSV_HEADER);
    if (lines.isEmpty() || !(legacy || lines.get(0).equals(PairedReport.TSV_HEADER))) {
      throw new IllegalArgumentException(
          file
              + ": not a PairedReport summary (its first line must be the header \""
              + PairedReport.TSV_HEADER.replace('\t', ' ')
              + "\")");
    }
    int fields = legacy ? 11 : 12;
    List<Row> rows = new ArrayList<>();
    for (int i = 1; i < lines.size(); i++) {
      String line = lines.get(i);
      if (line.isBlank()) {
        continue;
      }
      String[] f = line.split("\t", -1);
      if (f.length != fields) {
        throw new IllegalArgumentException(
            file
                + ":"
                + (i + 1)
                + ": expected "
                + fields
                + " tab-separated fields, found "
                + f.length);
      }
      try {
        double goal = Double.parseDouble(f[3]);
        int atOne = Integer.parseInt(f[legacy ? 10 : 11]);
        // a legacy row's won is the count at or above 1.0: the count at the goal when that is 1.0
        int atGoal = legacy ? (goal == 1.0 ? atOne : -1) : Integer.parseInt(f[10]);
        rows.add(
            new Row(
                f[0],
                f[1],
                f[2],
                goal,
                Integer.parseInt(f[4]),
                Double.parseDouble(f[5]),
                Double.parseDouble(f[6]),
                Double.parseDouble(f[7]),
                Double.parseDouble(f[8]),
                atGoal,
                atOne,
                file));
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException(
            file + ":" + (i + 1) + ": a numeric field is not a number (" + e.getMessage() + ")", e);
      }
    }
    return rows;
  }

  /** The Markdown summary of {@code rows}; links are relative to {@code dir}. */
  static String render(List<Row> rows, String title, String note, Path dir) {
    StringBuilder md = new StringBuilder("# ").append(title).append("\n\n");
    if (!note.isEmpty()) {
      md.append(note).append("\n\n");
    }
    md.append("| target | rounds | median ratio | interval (coverage) | goal | median / goal |")
        .append(" rounds ≥ goal | verdict | rounds file |\n")
        .append("|---|---:|---:|---:|---:|---:|---:|---|---|\n");
    int met = 0;
    for (Row r : rows) {
      String verdict = r.summary().verdict(r.goal());
      met += verdict.equals("met") ? 1 : 0;
      Path mdFile = PairedReport.sibling(r.source(), ".md");
      md.append(
          String.format(
              Locale.ROOT,
              "| %s | %d | %.3f× | %.3f – %.3f× (%.1f %%) | ≥ %.2f× | %.2f | %s | %s |"
                  + " [%s](%s) |%n",
              r.label(),
              r.rounds(),
              r.median(),
              r.low(),
              r.high(),
              100 * r.coverage(),
              r.goal(),
              r.median() / r.goal(),
              r.atGoal() < 0 ? "–" : r.atGoal() + " of " + r.rounds(),
              verdict,
              mdFile.getFileName(),
              relative(dir, mdFile)));
    }
    md.append(
        String.format(
            Locale.ROOT,
            "%nMet (whole interval at or above the goal): %d of %d.%n",
            met,
            rows.size()));
    if (rows.stream().anyMatch(r -> r.atGoal() < 0)) {
      md.append(
          "\nRounds ≥ goal –: a summary written before that count (it counted the rounds at or"
              + " above 1.0 only).\n");
    }
    return md.toString();
  }

  private static String relative(Path dir, Path file) {
    try {
      return dir.toAbsolutePath()
          .normalize()
          .relativize(file.toAbsolutePath().normalize())
          .toString()
          .replace('\\', '/');
    } catch (IllegalArgumentException e) {
      return file.toString();
    }
  }

  /**
   * The chart of median / goal with interval / goal, a red line at 1.0 (goal reached), its axis
   * ending at {@code max} ({@code Double.POSITIVE_INFINITY}: past the highest interval): a bar or
   * interval that goes past it is cut there, and its label says so with the real median / goal, so
   * that one target far above its goal does not squash the bars near 1.0.
   */
  static void chart(Path file, List<Row> rows, String title, double max) throws IOException {
    BarCharts.writeWithIntervals(
        file, title, "median / goal, with the interval (1.0 = goal reached)", bars(rows, max), 1.0);
  }

  /** One bar per row, median / goal, cut at {@code max} (labelled when cut). */
  static List<BarCharts.IntervalBar> bars(List<Row> rows, double max) {
    if (!(max > 1.0)) {
      throw new IllegalArgumentException("max must be above 1.0 (the goal line), was " + max);
    }
    List<BarCharts.IntervalBar> bars = new ArrayList<>();
    for (Row r : rows) {
      double value = r.median() / r.goal();
      double high = r.high() / r.goal();
      // one decimal for the usual goals (1.0, 1.1, 3.0), two for an inverted ceiling (1 / 1.3)
      String goal = Math.abs(r.goal() * 10 - Math.rint(r.goal() * 10)) < 1e-9 ? "%.1f" : "%.2f";
      String label = r.label() + String.format(Locale.ROOT, " (goal " + goal + "×)", r.goal());
      if (value > max || high > max) {
        label += String.format(Locale.ROOT, " [median / goal %.2f, cut at %.2f]", value, max);
      }
      bars.add(
          new BarCharts.IntervalBar(
              label, Math.min(value, max), Math.min(r.low() / r.goal(), max), Math.min(high, max)));
    }
    return bars;
  }

  public static void main(String[] args) throws IOException {
    CommandLine cl = CommandLine.parse(args, List.of("out", "title", "note", "max"), ".tsv");
    Path dir = Path.of(cl.require("out", "usage: out=DIR [title=] [note=] [max=] paired.tsv ..."));
    double max = cl.number("max", Double.POSITIVE_INFINITY);
    List<Row> rows = new ArrayList<>();
    for (Path f : cl.files()) {
      rows.addAll(read(f));
    }
    if (rows.isEmpty()) {
      throw new IllegalArgumentException("no summary rows: give one or more paired.tsv files");
    }
    Files.createDirectories(dir);
    String title = cl.get("title", "Paired rounds: where each target stands");
    String md = render(rows, title, cl.get("note", ""), dir);
    Files.writeString(dir.resolve("summary.md"), md);
    chart(dir.resolve("targets.png"), rows, title, max);
    System.out.print(md);
  }
}
