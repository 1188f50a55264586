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
 * <p>Reported per benchmark: every round, the median ratio, the geometric mean, the rounds ours
 * won, and a distribution-free confidence interval for the median (order statistics of the sign
 * test, no assumption about the shape of the spread), with its exact coverage. The verdict against
 * {@code goal}: met when the whole interval is at or above it, missed when the whole interval is
 * below it, otherwise not distinguishable from it with this many rounds.
 *
 * <p>Usage: {@code PairedReport param=NAME ours=IMPL peer=IMPL [goal=1.0] [title=TEXT] out=FILE
 * rNN-*.json ...}; a file's round is the part of its name before the first {@code -}.
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

  /** The Markdown report of {@code pairs}. */
  static String render(List<Pairs> pairs, String ours, String peer, double goal, String title) {
    StringBuilder md = new StringBuilder();
    md.append("# ").append(title).append("\n\n");
    md.append(
        String.format(
            Locale.ROOT,
            "Machine: %d cores (%s), %s. Ratio = %s / %s, one fork each per round, back to back."
                + " Interval: distribution-free (sign test) for the median ratio.%n%n",
            Machine.cores(),
            Machine.cpuModel(),
            Machine.jvm(),
            ours,
            peer));
    md.append("| benchmark | rounds | median ratio | interval (coverage) | geometric mean |")
        .append(" ours won | goal | verdict |\n|---|---:|---:|---:|---:|---:|---:|---|\n");
    for (Pairs p : pairs) {
      double[] sorted = p.ratios().clone();
      Arrays.sort(sorted);
      int n = sorted.length;
      int k = medianIntervalRank(n, 0.95);
      if (k == 0) {
        k = 1; // too few rounds for 95 %: the full range, with its (lower) coverage
      }
      double lo = sorted[k - 1];
      double hi = sorted[n - k];
      int won = 0;
      for (double r : sorted) {
        won += r >= 1.0 ? 1 : 0;
      }
      String verdict =
          lo >= goal ? "met" : hi < goal ? "missed" : "not distinguishable from the goal";
      md.append(
          String.format(
              Locale.ROOT,
              "| %s | %d | %.3f× | %.3f – %.3f× (%.1f %%) | %.3f× | %d of %d | ≥ %.2f× | %s |%n",
              p.benchmark(),
              n,
              median(sorted),
              lo,
              hi,
              100 * coverage(n, k),
              geometricMean(sorted),
              won,
              n,
              goal,
              verdict));
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

  public static void main(String[] args) throws IOException {
    Map<String, String> options = new LinkedHashMap<>();
    Map<String, List<JmhResult>> byRound = new TreeMap<>();
    for (String a : args) {
      int eq = a.indexOf('=');
      if (eq > 0) {
        options.put(a.substring(0, eq), a.substring(eq + 1));
        continue;
      }
      Path f = Path.of(a);
      String name = f.getFileName().toString();
      int dash = name.indexOf('-');
      if (dash <= 0) {
        throw new IllegalArgumentException(
            "result file " + a + ": its name must start with its round, e.g. r01-impl.json");
      }
      byRound
          .computeIfAbsent(name.substring(0, dash), r -> new ArrayList<>())
          .addAll(JmhResult.read(f));
    }
    for (String key : List.of("param", "ours", "peer", "out")) {
      if (!options.containsKey(key)) {
        throw new IllegalArgumentException(
            "missing option "
                + key
                + "=...; usage: param= ours= peer= [goal=] [title=] out= files");
      }
    }
    for (String key : options.keySet()) {
      if (!List.of("param", "ours", "peer", "out", "goal", "title").contains(key)) {
        throw new IllegalArgumentException(
            "unknown option " + key + "; known: param, ours, peer, goal, title, out");
      }
    }
    if (byRound.isEmpty()) {
      throw new IllegalArgumentException("no JMH result files given");
    }
    String ours = options.get("ours");
    String peer = options.get("peer");
    double goal = Double.parseDouble(options.getOrDefault("goal", "1.0"));
    String title = options.getOrDefault("title", "Paired rounds: " + ours + " / " + peer);
    List<Pairs> pairs = pair(byRound, options.get("param"), ours, peer);
    String md = render(pairs, ours, peer, goal, title);
    Path out = Path.of(options.get("out"));
    Files.writeString(out, md);
    System.out.print(md);
  }
}
