package io.github.elasticq.bench.report;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * The ratio ours / peer from paired rounds ({@code bench/paired.sh}): each round runs one fork of
 * ours and one of the peer back to back, so both meet the same machine regime, and the round's
 * ratio is one sample. On a machine whose speed drifts between runs (this one moves a peer's score
 * by half between two runs of the same jar) the spread of these samples is the honest error bar,
 * where JMH's error within one run is not.
 *
 * <p>Reported per benchmark: every round, the median ratio, the geometric mean, the rounds whose
 * ratio is at or above {@code goal} (and, apart, those at or above 1.0: ours at least as fast as
 * the peer, which is not the goal when the goal is, say, 3.0), and a distribution-free confidence
 * interval for the median (order statistics of the sign test, no assumption about the shape of the
 * spread), with its exact coverage. The verdict against {@code goal}: met when the whole interval
 * is at or above it, missed when the whole interval is below it, otherwise not distinguishable from
 * it with this many rounds.
 *
 * <p>Usage: {@code PairedReport param=NAME ours=IMPL peer=IMPL [goal=1.0] [title=TEXT]
 * [machine=TEXT] out=FILE rNN-*.json ...}; a file's round is the part of its name before the first
 * {@code -}. Next to {@code out} (say {@code paired.md}) it writes {@code paired.tsv}, the summary
 * rows that {@link PairedSummary} collects, and {@code paired.png}, the median ratios with their
 * intervals and the goal. {@code machine} replaces the description of this machine, for rounds
 * measured elsewhere and reported again.
 */
public final class PairedReport {
  private PairedReport() {}

  /** One benchmark's paired samples, in round order. */
  record Pairs(String benchmark, List<String> rounds, double[] ours, double[] peer) {
    double[] ratios() {
      double[] r = new double[ours.length];
      for (int i = 0; i < r.length; i++) {
        r[i] = ours[i] / peer[i];
      }
      return r;
    }
  }

  /**
   * The order statistics {@code [k, n + 1 - k]} (1-based) of a sign-test interval for the median of
   * {@code n} samples: the largest {@code k} whose coverage {@code 1 - 2 P(B <= k - 1)}, B ~
   * Binomial(n, 1/2), is at least {@code level}; {@code k = 0} when even the full range falls
   * short.
   */
  static int medianIntervalRank(int n, double level) {
    int best = 0;
    for (int k = 1; k <= (n + 1) / 2; k++) {
      if (coverage(n, k) >= level) {
        best = k;
      }
    }
    return best;
  }

  /** Coverage of the interval between the order statistics {@code k} and {@code n + 1 - k}. */
  static double coverage(int n, int k) {
    double tail = 0;
    for (int i = 0; i < k; i++) {
      tail += binomial(n, i);
    }
    return 1 - 2 * tail / Math.pow(2, n);
  }

  private static double binomial(int n, int k) {
    double c = 1;
    for (int i = 0; i < k; i++) {
      c = c * (n - i) / (i + 1);
    }
    return c;
  }

  static double median(double[] sorted) {
    int n = sorted.length;
    return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
  }

  static double geometricMean(double[] values) {
    double sum = 0;
    for (double v : values) {
      sum += Math.log(v);
    }
    return Math.exp(sum / values.length);
  }

  /**
   * What the report says about one benchmark's rounds: the median ratio, its distribution-free
   * interval {@code [low, high]} with the interval's exact {@code coverage}, the geometric mean,
   * the number of rounds whose ratio is at or above the goal ({@code atGoal}; -1 when not known: a
   * summary from before this count, see {@link PairedSummary}) and the number at or above 1.0
   * ({@code atOne}: ours at least as fast as the peer, whatever the goal).
   */
  record Summary(
      String benchmark,
      int rounds,
      double median,
      double low,
      double high,
      double coverage,
      double geometricMean,
      int atGoal,
      int atOne) {
    /** Met when the whole interval is at or above the goal, missed when it is all below. */
    String verdict(double goal) {
      return low >= goal ? "met" : high < goal ? "missed" : "not distinguishable from the goal";
    }
  }

  /**
   * The summary of {@code p} against {@code goal}: the 95 % interval, or the full range when there
   * are too few rounds.
   */
  static Summary summarize(Pairs p, double goal) {
    double[] sorted = p.ratios().clone();
    Arrays.sort(sorted);
    int n = sorted.length;
    int k = medianIntervalRank(n, 0.95);
    if (k == 0) {
      k = 1; // too few rounds for 95 %: the full range, with its (lower) coverage
    }
    int atGoal = 0;
    int atOne = 0;
    for (double r : sorted) {
      atGoal += r >= goal ? 1 : 0;
      atOne += r >= 1.0 ? 1 : 0;
    }
    return new Summary(
        p.benchmark(),
        n,
        median(sorted),
        sorted[k - 1],
        sorted[n - k],
        coverage(n, k),
        geometricMean(sorted),
        atGoal,
        atOne);
  }

  /** Pairs ours with the peer round by round; a round missing either side is an error. */
  static List<Pairs> pair(
      Map<String, List<JmhResult>> byRound, String param, String ours, String peer) {
    Map<String, Map<String, double[]>> byBenchmark = new TreeMap<>();
    List<String> rounds = new ArrayList<>(byRound.keySet());
    for (int i = 0; i < rounds.size(); i++) {
      for (JmhResult r : byRound.get(rounds.get(i))) {
        String impl = r.params().get(param);
        int side = ours.equals(impl) ? 0 : peer.equals(impl) ? 1 : -1;
        if (side < 0) {
          continue;
        }
        double[] scores =
            byBenchmark
                .computeIfAbsent(r.benchmark(), b -> new LinkedHashMap<>())
                .computeIfAbsent(rounds.get(i), x -> new double[] {Double.NaN, Double.NaN});
        scores[side] = r.score();
      }
    }
    List<Pairs> out = new ArrayList<>();
    for (Map.Entry<String, Map<String, double[]>> b : byBenchmark.entrySet()) {
      List<String> names = new ArrayList<>();
      double[] o = new double[b.getValue().size()];
      double[] p = new double[o.length];
      int i = 0;
      for (Map.Entry<String, double[]> round : b.getValue().entrySet()) {
        double[] s = round.getValue();
        if (Double.isNaN(s[0]) || Double.isNaN(s[1])) {
          throw new IllegalArgumentException(
              b.getKey()
                  + ": round "
                  + round.getKey()
                  + " has no result for "
                  + (Double.isNaN(s[0]) ? param + "=" + ours : param + "=" + peer));
        }
        names.add(round.getKey());
        o[i] = s[0];
        p[i] = s[1];
        i++;
      }
      out.add(new Pairs(b.getKey(), names, o, p));
    }
    if (out.isEmpty()) {
      throw new IllegalArgumentException(
          "no result has " + param + "=" + ours + " or " + param + "=" + peer);
    }
    return out;
  }

  /** How a JMH round's pair is measured, for {@link Heading#how()}. */
  static final String FORKS = "one fork each per round, back to back";

  /**
   * What a report says around its figures: the two sides' names, the goal for {@code ours / peer},
   * the title, the machine the rounds ran on and how one round's pair was measured ({@link #FORKS}
   * for JMH rounds).
   */
  record Heading(String ours, String peer, double goal, String title, String machine, String how) {}

  /** The Markdown report of {@code pairs} under {@code h}. */
  static String render(List<Pairs> pairs, Heading h) {
    String ours = h.ours();
    String peer = h.peer();
    double goal = h.goal();
    StringBuilder md = new StringBuilder();
    md.append("# ").append(h.title()).append("\n\n");
    md.append(
        String.format(
            Locale.ROOT,
            "Machine: %s. Ratio = %s / %s, %s."
                + " Interval: distribution-free (sign test) for the median ratio.%n%n",
            h.machine(),
            ours,
            peer,
            h.how()));
    md.append("| benchmark | rounds | median ratio | interval (coverage) | geometric mean | goal |")
        .append(" rounds ≥ goal | rounds ≥ 1.0× | verdict |\n")
        .append("|---|---:|---:|---:|---:|---:|---:|---:|---|\n");
    for (Pairs p : pairs) {
      Summary s = summarize(p, goal);
      md.append(
          String.format(
              Locale.ROOT,
              "| %s | %d | %.3f× | %.3f – %.3f× (%.1f %%) | %.3f× | ≥ %.2f× | %d of %d |"
                  + " %d of %d | %s |%n",
              s.benchmark(),
              s.rounds(),
              s.median(),
              s.low(),
              s.high(),
              100 * s.coverage(),
              s.geometricMean(),
              goal,
              s.atGoal(),
              s.rounds(),
              s.atOne(),
              s.rounds(),
              s.verdict(goal)));
    }
    for (Pairs p : pairs) {
      md.append("\n## ")
          .append(p.benchmark())
          .append("\n\n| round | ")
          .append(ours)
          .append(" | ")
          .append(peer)
          .append(" | ratio |\n|---|---:|---:|---:|\n");
      double[] r = p.ratios();
      for (int i = 0; i < r.length; i++) {
        md.append(
            String.format(
                Locale.ROOT,
                "| %s | %.3f | %.3f | %.3f× |%n",
                p.rounds().get(i),
                p.ours()[i],
                p.peer()[i],
                r[i]));
      }
    }
    return md.toString();
  }

  /**
   * The column names of the summary table that {@link PairedSummary} reads: {@code at_goal} counts
   * the rounds at or above the goal, {@code at_1} those at or above 1.0.
   */
  static final String TSV_HEADER =
      "benchmark\tours\tpeer\tgoal\trounds\tmedian\tlow\thigh\tcoverage\tgeometric_mean"
          + "\tat_goal\tat_1";

  /**
   * The header before {@code at_goal}: its last column, {@code won}, counted the rounds at or above
   * 1.0 whatever the goal. {@link PairedSummary} still reads such tables (the published ones).
   */
  static final String LEGACY_TSV_HEADER =
      "benchmark\tours\tpeer\tgoal\trounds\tmedian\tlow\thigh\tcoverage\tgeometric_mean\twon";

  /** The summaries as a tab-separated table, one row per benchmark, for {@link PairedSummary}. */
  static String tsv(List<Pairs> pairs, String ours, String peer, double goal) {
    StringBuilder t = new StringBuilder(TSV_HEADER).append('\n');
    for (Pairs p : pairs) {
      Summary s = summarize(p, goal);
      t.append(
          String.format(
              Locale.ROOT,
              "%s\t%s\t%s\t%s\t%d\t%.6f\t%.6f\t%.6f\t%.6f\t%.6f\t%d\t%d%n",
              s.benchmark(),
              ours,
              peer,
              goal,
              s.rounds(),
              s.median(),
              s.low(),
              s.high(),
              s.coverage(),
              s.geometricMean(),
              s.atGoal(),
              s.atOne()));
    }
    return t.toString();
  }

  /** The chart of the median ratios with their intervals and the goal. */
  static void chart(Path file, List<Pairs> pairs, double goal, String title) throws IOException {
    List<BarCharts.IntervalBar> bars = new ArrayList<>();
    for (Pairs p : pairs) {
      Summary s = summarize(p, goal);
      bars.add(new BarCharts.IntervalBar(s.benchmark(), s.median(), s.low(), s.high()));
    }
    BarCharts.writeWithIntervals(
        file, title, "median ratio ours / peer, with its interval (red: goal)", bars, goal);
  }

  /** {@code out} with its extension replaced: {@code paired.md} gives {@code paired.png}. */
  static Path sibling(Path out, String extension) {
    String name = out.getFileName().toString();
    int dot = name.lastIndexOf('.');
    return out.resolveSibling((dot > 0 ? name.substring(0, dot) : name) + extension);
  }

  public static void main(String[] args) throws IOException {
    // a result file's name may hold '=' (a JVM setting, r1-X_-Dy=1.json): it is no option name
    CommandLine cl =
        CommandLine.parse(
            args, List.of("param", "ours", "peer", "out", "goal", "title", "machine"), ".json");
    String usage = "usage: param= ours= peer= [goal=] [title=] [machine=] out= files";
    String param = cl.require("param", usage);
    String ours = cl.require("ours", usage);
    String peer = cl.require("peer", usage);
    Path out = Path.of(cl.require("out", usage));
    double goal = cl.number("goal", 1.0);
    Map<String, List<JmhResult>> byRound = new TreeMap<>();
    for (Path f : cl.files()) {
      String name = f.getFileName().toString();
      int dash = name.indexOf('-');
      if (dash <= 0) {
        throw new IllegalArgumentException(
            "result file " + f + ": its name must start with its round, e.g. r01-impl.json");
      }
      byRound
          .computeIfAbsent(name.substring(0, dash), r -> new ArrayList<>())
          .addAll(JmhResult.read(f));
    }
    if (byRound.isEmpty()) {
      throw new IllegalArgumentException("no JMH result files given");
    }
    String title = cl.get("title", "Paired rounds: " + ours + " / " + peer);
    List<Pairs> pairs = pair(byRound, param, ours, peer);
    String machine = cl.get("machine", thisMachine());
    String md = write(out, pairs, new Heading(ours, peer, goal, title, machine, FORKS));
    System.out.print(md);
  }

  /** This machine as the reports describe it: cores, CPU model, JVM. */
  static String thisMachine() {
    return String.format(
        Locale.ROOT, "%d cores (%s), %s", Machine.cores(), Machine.cpuModel(), Machine.jvm());
  }

  /**
   * Writes the report of {@code pairs} to {@code out} ({@code .md}) with its {@code .tsv} and
   * {@code .png} siblings, creating the folder; returns the Markdown.
   */
  static String write(Path out, List<Pairs> pairs, Heading h) throws IOException {
    String md = render(pairs, h);
    Files.createDirectories(out.toAbsolutePath().getParent());
    Files.writeString(out, md);
    Files.writeString(sibling(out, ".tsv"), tsv(pairs, h.ours(), h.peer(), h.goal()));
    chart(sibling(out, ".png"), pairs, h.goal(), h.title());
    return md;
  }
}
