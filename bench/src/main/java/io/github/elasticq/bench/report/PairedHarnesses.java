package io.github.elasticq.bench.report;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The paired-rounds report ({@link PairedReport}'s {@code .md}, {@code .tsv} and {@code .png}) of
 * the two issue 13 targets that are not JMH benchmarks, so that {@link PairedSummary} can chart
 * them beside the others:
 *
 * <ul>
 *   <li>{@code kind=race}: {@code BusyConsumerRace} JSON files (one per JVM). Its rounds alternate
 *       the queues inside one JVM; each file is one pair, the median of its ElasticMpscQueue rounds
 *       against the median of its MpscArrayQueue rounds (rounds of one JVM share its JIT and heap,
 *       so they are not independent samples; JVMs are). Goal: ratio ≥ {@code goal} (1.0).
 *   <li>{@code kind=footprint}: {@code IdleActorFootprint} tables (one per run), each with {@value
 *       #FOOTPRINT_OURS} and {@value #FOOTPRINT_PEER}. The target is a ceiling (ours / default ≤
 *       {@code goal}, 1.3), so the pair is taken as idle actors per MiB, where higher is better:
 *       the ratio is default bytes / our bytes and the goal written out is 1 / {@code goal}. A
 *       ratio at or above it is the same statement as bytes at or below {@code goal} × default.
 * </ul>
 *
 * <pre>
 * java -cp bench/target/benchmarks.jar io.github.elasticq.bench.report.PairedHarnesses \
 *   kind=race|footprint out=DIR/paired-NAME.md [goal=X] [title=TEXT] files...
 * </pre>
 */
public final class PairedHarnesses {
  private PairedHarnesses() {}

  /** The race's peer: the fastest JCTools MPSC queue, as in the first target row. */
  static final String RACE_PEER = "MpscArrayQueue";

  /** The footprint's mailbox under test and its peer (Pekko's default), after one message. */
  static final String FOOTPRINT_OURS = "ElasticMailbox+1msg";

  static final String FOOTPRINT_PEER = "UnboundedMailbox+1msg";

  private static final double MIB = 1024.0 * 1024.0;

  /** The race pairs: one per file, the median of our rounds against the median of the peer's. */
  static PairedReport.Pairs racePairs(List<Path> files) throws IOException {
    Collected c = new Collected();
    for (Path f : files) {
      int run = c.nextRun();
      RaceResult race = RaceResult.read(f);
      List<Double> o = race.rates().get(RaceResult.OURS);
      List<Double> p = race.rates().get(RACE_PEER);
      if (o == null || p == null || o.isEmpty() || o.size() != p.size()) {
        throw new IllegalArgumentException(
            f
                + ": a race file needs the same number of rounds of "
                + RaceResult.OURS
                + " and "
                + RACE_PEER
                + ", found "
                + (o == null ? "none" : o.size())
                + " and "
                + (p == null ? "none" : p.size()));
      }
      c.add(
          String.format(Locale.ROOT, "run %d (median of %d rounds)", run, o.size()),
          RaceResult.median(o),
          RaceResult.median(p));
    }
    return c.pairs("BusyConsumerRace.p1c1");
  }

  /** The footprint pairs: idle actors per MiB of ours and of the default, one pair per file. */
  static PairedReport.Pairs footprintPairs(List<Path> files) throws IOException {
    Collected c = new Collected();
    for (Path f : files) {
      int run = c.nextRun();
      Map<String, Double> bytes = QueueReport.readFootprint(f);
      Double o = bytes.get(FOOTPRINT_OURS);
      Double p = bytes.get(FOOTPRINT_PEER);
      if (o == null || p == null || !(o > 0) || !(p > 0)) {
        throw new IllegalArgumentException(
            f
                + ": a footprint table needs positive bytes per actor for "
                + FOOTPRINT_OURS
                + " and "
                + FOOTPRINT_PEER
                + ", found "
                + bytes);
      }
      c.add("run " + run, MIB / o, MIB / p);
    }
    return c.pairs("IdleActorFootprint.actorsPerMiB");
  }

  /** The pairs read so far, in order, and the number of files read. */
  private static final class Collected {
    private final List<String> rounds = new ArrayList<>();
    private final List<Double> ours = new ArrayList<>();
    private final List<Double> peer = new ArrayList<>();
    private int runs;

    int nextRun() {
      return ++runs;
    }

    void add(String round, double o, double p) {
      rounds.add(round);
      ours.add(o);
      peer.add(p);
    }

    PairedReport.Pairs pairs(String benchmark) {
      if (rounds.isEmpty()) {
        throw new IllegalArgumentException("no rounds: give one or more result files");
      }
      return new PairedReport.Pairs(
          benchmark,
          rounds,
          ours.stream().mapToDouble(Double::doubleValue).toArray(),
          peer.stream().mapToDouble(Double::doubleValue).toArray());
    }
  }

  public static void main(String[] args) throws IOException {
    CommandLine cl =
        CommandLine.parse(args, List.of("kind", "out", "goal", "title"), ".json", ".md");
    List<Path> files = cl.files();
    String kind = cl.get("kind");
    if (!"race".equals(kind) && !"footprint".equals(kind)) {
      throw new IllegalArgumentException("kind must be race or footprint, was " + kind);
    }
    Path out =
        Path.of(cl.require("out", "usage: kind= out=DIR/paired-NAME.md [goal=] [title=] files"));
    boolean race = kind.equals("race");
    double goal = cl.number("goal", race ? 1.0 : 1.3);
    if (!(goal > 0)) {
      throw new IllegalArgumentException("goal must be positive, was " + goal);
    }
    PairedReport.Pairs p = race ? racePairs(files) : footprintPairs(files);
    String ours = race ? RaceResult.OURS : FOOTPRINT_OURS;
    String peer = race ? RACE_PEER : FOOTPRINT_PEER;
    double written = race ? goal : 1 / goal;
    String title =
        cl.get(
            "title",
            race
                ? "Busy-consumer race 1 -> 1: " + ours + " / " + peer
                : String.format(
                    Locale.ROOT,
                    "Idle actors per MiB: %s / %s (goal: bytes ≤ %.2f× the default)",
                    ours,
                    peer,
                    goal));
    String how =
        race
            ? "the two queues' rounds alternating inside one JVM per run"
            : "one child JVM per mailbox and run, back to back; values are idle actors per MiB";
    String md =
        PairedReport.write(
            out,
            List.of(p),
            new PairedReport.Heading(ours, peer, written, title, PairedReport.thisMachine(), how));
    System.out.print(md);
  }
}
