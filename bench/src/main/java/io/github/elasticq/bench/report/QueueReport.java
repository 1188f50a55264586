package io.github.elasticq.bench.report;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.jfree.data.category.DefaultCategoryDataset;

/**
 * The queue and mailbox report: reads JMH JSON result files, a {@code BusyConsumerRace} JSON and an
 * {@code IdleActorFootprint} table, and writes {@code queues.md} (one table per benchmark with
 * every implementation's score and the ratios ours / each peer, the issue 13 targets met or missed,
 * the machine) and PNG bar charts of the ratios ({@link BarCharts}): one per benchmark and {@code
 * queue-targets.png} (measured / goal, 1.0 = met).
 *
 * <pre>
 * java -cp bench/target/benchmarks.jar io.github.elasticq.bench.report.QueueReport \
 *   [out-dir=bench/results/DATE] [race=busy-consumer.json] [footprint=footprint-idle-actors.md] \
 *   [loadavg=loadavg.txt] jmh-mpsc.json jmh-mailbox.json ...
 * </pre>
 *
 * {@code bench/headline.sh} runs the headline set and then this. Every benchmark whose busy threads
 * outnumber the cores is marked oversubscribed next to its figures: on a 2-core machine it measures
 * scheduling as much as the queue.
 */
public final class QueueReport {
  /** Our implementations, in the order of the ratio columns. */
  static final List<String> OURS =
      List.of(
          "ElasticMpscQueue",
          "CompactElasticMpscQueue",
          "ElasticBuffer",
          "ElasticMailbox",
          "QosMailbox",
          "QosMailboxStrict");

  /** The {@code @Param}s that name the thing under test; the first one present wins. */
  static final List<String> SUBJECT_PARAMS = List.of("kamon", "impl", "mailbox");

  /** In a table over Kamon's settings, every setting is compared with this one. */
  static final String KAMON_OFF = "off";

  /** The table key of the busy-consumer race. */
  static final String RACE = "BusyConsumerRace";

  /** Reported against ElasticMpscQueue without a target (issue 13). */
  static final String AGRONA = "ManyToOneConcurrentArrayQueue";

  static final String FOOTPRINT_OURS = "ElasticMailbox+1msg";
  static final String FOOTPRINT_PEER = "UnboundedMailbox+1msg";
  static final double FOOTPRINT_GOAL = 1.3;

  /** The targets of issue 13 (ours / peer in one table, same run). */
  static final List<Goal> GOALS =
      List.of(
          new Goal(
              "MPSC 1 → 1, flow-controlled (JMH p1c1)",
              "MpscThroughputBenchmark.p1c1",
              "ElasticMpscQueue",
              "MpscArrayQueue",
              1.0),
          new Goal(
              "MPSC 1 → 1, busy-polling consumer (BusyConsumerRace)",
              RACE,
              "ElasticMpscQueue",
              "MpscArrayQueue",
              1.0),
          new Goal(
              "MPSC 2 → 1 (JMH p2c1)",
              "MpscThroughputBenchmark.p2c1",
              "ElasticMpscQueue",
              "MpscChunkedArrayQueue",
              1.0),
          new Goal(
              "burst 20 000 then drain",
              "BurstDrainBenchmark.burstThenDrain",
              "ElasticMpscQueue",
              "MpscChunkedArrayQueue",
              1.0),
          new Goal(
              "MPMC 2P/2C offer / poll",
              "BlockingQueueBenchmark.offerPoll",
              "ElasticBuffer",
              "ArrayBlockingQueue",
              1.0),
          new Goal(
              "MPMC 2P/2C timed offer / poll",
              "BlockingQueueBenchmark.timedOfferPoll",
              "ElasticBuffer",
              "ArrayBlockingQueue",
              1.0),
          new Goal(
              "mailbox fan-in, 4 senders",
              "MailboxBenchmark.fanIn",
              "ElasticMailbox",
              "SingleConsumerOnlyUnboundedMailbox",
              1.1),
          new Goal(
              "mailbox burst of 100 000",
              "MailboxBenchmark.burst",
              "ElasticMailbox",
              "SingleConsumerOnlyUnboundedMailbox",
              1.0),
          new Goal(
              "QoS fan-in, 4 senders",
              "QosMailboxBenchmark.fanIn",
              "QosMailbox",
              "UnboundedStablePriorityMailbox",
              3.0),
          new Goal(
              "QoS burst of 100 000",
              "QosMailboxBenchmark.burst",
              "QosMailbox",
              "UnboundedStablePriorityMailbox",
              3.0));

  private static final Pattern FOOTPRINT_ROW =
      Pattern.compile("^\\|\\s*([^|]+?)\\s*\\|\\s*([0-9][0-9,]*(?:\\.[0-9]+)?)\\s*\\|");

  /** A target: {@code ours / peer >= goal} in table {@code table}. */
  record Goal(String name, String table, String ours, String peer, double goal) {}

  /** One implementation's figure in a table; error NaN when unknown. */
  record Row(String subject, double score, double error) {}

  /** A ratio and the range its error bars allow (NaN bounds when the errors are unknown). */
  record Ratio(double value, double low, double high) {}

  /**
   * The implementations of one benchmark (with the same other parameters), measured in one run.
   *
   * @param key the benchmark, e.g. {@code MpscThroughputBenchmark.p1c1}, with the other parameters
   *     in brackets
   * @param description what the score is and how it was measured
   * @param threads benchmark threads
   * @param dispatcher whether an actor's dispatcher thread runs besides them
   * @param rows ours first, then the peers, fastest first
   */
  record Table(String key, String description, int threads, boolean dispatcher, List<Row> rows) {
    Row row(String subject) {
      return rows.stream().filter(r -> r.subject.equals(subject)).findFirst().orElse(null);
    }

    boolean kamon() {
      return row(KAMON_OFF) != null && key.startsWith("KamonMailboxBenchmark");
    }

    List<String> ours() {
      return rows.stream()
          .map(Row::subject)
          .filter(s -> kamon() ? !s.equals(KAMON_OFF) : OURS.contains(s))
          .toList();
    }

    List<String> peers() {
      List<String> ours = ours();
      return rows.stream().map(Row::subject).filter(s -> !ours.contains(s)).toList();
    }

    int busyThreads() {
      return threads + (dispatcher ? 1 : 0);
    }

    /** {@code a / b}, or null if either is missing or not a positive figure. */
    Ratio ratio(String a, String b) {
      Row x = row(a);
      Row y = row(b);
      if (x == null || y == null || !BarCharts.usable(x.score) || !BarCharts.usable(y.score)) {
        return null;
      }
      double low = (x.score - x.error) / (y.score + y.error);
      double high = y.score > y.error ? (x.score + x.error) / (y.score - y.error) : Double.NaN;
      return new Ratio(x.score / y.score, low, high);
    }
  }

  private final List<Table> tables;
  private final RaceResult race;
  private final Map<String, Double> footprint;
  private final List<JmhResult> jmh;
  private final List<String> load;
  private final List<String> sources;
  private final int cores;

  QueueReport(
      List<JmhResult> jmh,
      RaceResult race,
      Map<String, Double> footprint,
      List<String> load,
      List<String> sources,
      int cores) {
    this.jmh = jmh;
    this.race = race;
    this.footprint = footprint;
    this.load = load;
    this.sources = sources;
    this.cores = cores;
    this.tables = tables(jmh, race);
  }

  /** Groups JMH rows into one table per benchmark and other parameters; the race adds one. */
  static List<Table> tables(List<JmhResult> results, RaceResult race) {
    Map<String, List<JmhResult>> byKey = new LinkedHashMap<>();
    for (JmhResult r : results) {
      String subjectParam = subjectParam(r);
      String others =
          r.params().entrySet().stream()
              .filter(e -> !e.getKey().equals(subjectParam))
              .map(e -> e.getKey() + "=" + e.getValue())
              .collect(Collectors.joining(", "));
      String key = r.benchmark() + (others.isEmpty() ? "" : " [" + others + "]");
      byKey.computeIfAbsent(key, k -> new ArrayList<>()).add(r);
    }
    List<Table> tables = new ArrayList<>();
    for (Map.Entry<String, List<JmhResult>> e : byKey.entrySet()) {
      JmhResult first = e.getValue().get(0);
      List<Row> rows = new ArrayList<>();
      for (JmhResult r : e.getValue()) {
        String subjectParam = subjectParam(r);
        String subject = subjectParam == null ? "(default)" : r.params().get(subjectParam);
        rows.add(new Row(subject, r.score(), r.error()));
      }
      String what =
          first.polled()
              ? "`polled` counter (elements that reached a consumer) in " + first.unit()
              : "score in " + first.unit();
      boolean dispatcher = first.benchmark().contains("MailboxBenchmark.");
      String threads =
          first.threads()
              + " benchmark thread"
              + (first.threads() == 1 ? "" : "s")
              + (dispatcher ? " + the actor's dispatcher thread" : "");
      tables.add(
          new Table(
              e.getKey(),
              what + ", higher is better; " + threads + "; " + first.setup() + ".",
              first.threads(),
              dispatcher,
              ordered(rows)));
    }
    if (race != null) {
      List<Row> rows = new ArrayList<>();
      race.rates().keySet().forEach(q -> rows.add(new Row(q, race.median(q), Double.NaN)));
      tables.add(
          new Table(
              RACE,
              "median elements/µs, higher is better; 1 producer thread + 1 busy-polling consumer"
                  + " thread, no flow-control counter; "
                  + race.setup(),
              2,
              false,
              ordered(rows)));
    }
    return tables;
  }

  private static String subjectParam(JmhResult r) {
    return SUBJECT_PARAMS.stream().filter(r.params()::containsKey).findFirst().orElse(null);
  }

  /** Ours first (in {@link #OURS} order), then the rest fastest first. */
  private static List<Row> ordered(List<Row> rows) {
    List<Row> sorted = new ArrayList<>();
    for (String o : OURS) {
      rows.stream().filter(r -> r.subject.equals(o)).forEach(sorted::add);
    }
    rows.stream()
        .filter(r -> !OURS.contains(r.subject))
        .sorted(Comparator.comparingDouble(Row::score).reversed())
        .forEach(sorted::add);
    return sorted;
  }

  List<Table> tables() {
    return tables;
  }

  Table table(String key) {
    return tables.stream().filter(t -> t.key.equals(key)).findFirst().orElse(null);
  }

  boolean oversubscribed(Table t) {
    return t.busyThreads() > cores;
  }

  private String oversubscription(Table t) {
    return String.format(
        Locale.ROOT, "oversubscribed: %d busy threads on %d cores", t.busyThreads(), cores);
  }

  /** The issue 13 targets, in {@link #GOALS} order, then the idle-actor footprint. */
  List<Target> targets() {
    List<Target> targets = new ArrayList<>();
    for (Goal g : GOALS) {
      Table t = table(g.table);
      Ratio r = t == null ? null : t.ratio(g.ours, g.peer);
      String name = g.name + ": " + g.ours + " / " + g.peer;
      if (t != null && oversubscribed(t)) {
        name += " (" + oversubscription(t) + ")";
      }
      targets.add(new Target(name, r == null ? Double.NaN : r.value, g.goal, "x", false));
    }
    targets.add(
        new Target(
            "bytes per idle actor after one message: ElasticMailbox / UnboundedMailbox (default)",
            footprintRatio(),
            FOOTPRINT_GOAL,
            "x",
            true));
    return targets;
  }

  private double footprintRatio() {
    if (footprint == null) {
      return Double.NaN;
    }
    Double ours = footprint.get(FOOTPRINT_OURS);
    Double peer = footprint.get(FOOTPRINT_PEER);
    return ours == null || peer == null ? Double.NaN : ours / peer;
  }

  /**
   * Writes the charts into {@code dir}.
   *
   * @return the chart file of each table that has one (by table key), and of the targets (key
   *     {@code targets})
   */
  Map<String, String> writeCharts(Path dir) throws IOException {
    Map<String, String> charts = new LinkedHashMap<>();
    if (BarCharts.writeTargets(
        dir.resolve("queue-targets.png"),
        "issue 13 targets: measured / goal (1.0 = met), " + cores + " cores",
        targets())) {
      charts.put("targets", "queue-targets.png");
    }
    for (Table t : tables) {
      DefaultCategoryDataset data = new DefaultCategoryDataset();
      for (String o : t.ours()) {
        for (String p : t.peers()) {
          Ratio r = t.ratio(o, p);
          if (r != null) {
            data.addValue(r.value, o + " / peer", p);
          }
        }
      }
      if (data.getColumnCount() == 0) {
        continue;
      }
      String file = BarCharts.fileName(t.key) + ".png";
      List<String> ours = t.ours();
      String title =
          t.key
              + ": "
              + (ours.size() == 1 ? ours.get(0) : "ours")
              + " / peer"
              + (oversubscribed(t) ? " (" + oversubscription(t) + ")" : "");
      BarCharts.write(dir.resolve(file), title, "ours / peer (1.0 = equal)", data);
      charts.put(t.key, file);
    }
    return charts;
  }

  /** The report, with links to {@code charts} (from {@link #writeCharts}). */
  String markdown(Map<String, String> charts) {
    StringBuilder b = new StringBuilder();
    b.append("# Queue and mailbox benchmarks: ratios ours / peer\n\n");
    b.append("Generated ")
        .append(LocalDateTime.now().format(DateTimeFormatter.ISO_LOCAL_DATE_TIME).substring(0, 16))
        .append(" by `io.github.elasticq.bench.report.QueueReport` from ")
        .append(sources.stream().map(s -> "`" + s + "`").collect(Collectors.joining(", ")))
        .append(". Ratios are taken within one run; compare them, not absolute figures across")
        .append(" runs.\n\n");
    machine(b);
    targetsTable(b, charts);
    agrona(b);
    for (Table t : tables) {
      table(b, t, charts.get(t.key));
    }
    if (race != null) {
      b.append("### Every round of the race\n\n").append(race.markdownTable()).append('\n');
    }
    footprintSection(b);
    return b.toString();
  }

  private void machine(StringBuilder b) {
    b.append("| machine | |\n|---|---|\n");
    b.append("| cores | **")
        .append(cores)
        .append("**: every benchmark with more busy threads than that is oversubscribed and")
        .append(" marked so |\n");
    b.append("| CPU | ").append(Machine.cpuModel()).append(" |\n");
    b.append("| OS | ")
        .append(System.getProperty("os.name"))
        .append(' ')
        .append(System.getProperty("os.version"))
        .append(" |\n");
    Set<String> vms = new LinkedHashSet<>();
    Set<String> setups = new LinkedHashSet<>();
    Set<String> args = new LinkedHashSet<>();
    for (JmhResult r : jmh) {
      vms.add(r.vm());
      setups.add(r.setup());
      args.add(String.join(" ", r.jvmArgs()));
    }
    if (race != null) {
      vms.add(race.jvm());
    }
    b.append("| JVM | ").append(String.join("; ", vms)).append(" |\n");
    if (!setups.isEmpty()) {
      b.append("| JMH | ").append(String.join("; ", setups)).append(" |\n");
      b.append("| JMH fork JVM arguments | ")
          .append(args.stream().map(a -> "`" + a + "`").collect(Collectors.joining("; ")))
          .append(" |\n");
    }
    if (load.isEmpty()) {
      b.append("| load average (1, 5, 15 min) when the report ran | ")
          .append(Machine.loadAverage())
          .append(" |\n");
    }
    b.append('\n');
    if (!load.isEmpty()) {
      b.append("Steps of the run (duration; load average over 1, 5, 15 min before → after):\n\n");
      load.forEach(l -> b.append("- ").append(l).append('\n'));
      b.append('\n');
    }
  }

  private void targetsTable(StringBuilder b, Map<String, String> charts) {
    b.append("## Targets (issue 13)\n\n");
    b.append("| target | measured | range from the error bars | goal | met |\n");
    b.append("|---|---:|---:|---:|---|\n");
    List<Target> targets = targets();
    for (int i = 0; i < targets.size(); i++) {
      Target t = targets.get(i);
      Goal g = i < GOALS.size() ? GOALS.get(i) : null;
      Table table = g == null ? null : table(g.table);
      Ratio r = table == null ? null : table.ratio(g.ours, g.peer);
      String measured;
      if (t.measured()) {
        measured = String.format(Locale.ROOT, "%.2fx", t.value());
      } else if (g == null) {
        measured = "see footprint (`IdleActorFootprint`, not run here)";
      } else {
        measured = "not run";
      }
      b.append("| ")
          .append(t.name())
          .append(" | ")
          .append(measured)
          .append(" | ")
          .append(r == null ? "" : range(r))
          .append(" | ")
          .append(t.lowerIsBetter() ? "≤ " : "≥ ")
          .append(String.format(Locale.ROOT, "%.1fx", t.goal()))
          .append(" | ")
          .append(!t.measured() ? "-" : t.met() ? "yes" : "**no**")
          .append(" |\n");
    }
    b.append(
        "\nThe range divides the ends of the two 99.9 % confidence intervals that JMH reports"
            + " (blank where JMH gives none, e.g. one fork of one iteration, or for the race's"
            + " medians).\n\n");
    if (charts.containsKey("targets")) {
      b.append("![issue 13 targets](").append(charts.get("targets")).append(")\n\n");
    }
  }

  private void agrona(StringBuilder b) {
    List<String> lines = new ArrayList<>();
    for (Table t : tables) {
      Ratio r = t.ratio("ElasticMpscQueue", AGRONA);
      if (r != null) {
        lines.add(
            String.format(
                Locale.ROOT,
                "- %s: %.2fx%s%s",
                t.key,
                r.value,
                range(r).isEmpty() ? "" : " (" + range(r) + ")",
                oversubscribed(t) ? "; " + oversubscription(t) : ""));
      }
    }
    if (!lines.isEmpty()) {
      b.append("## Without a target: ElasticMpscQueue / Agrona ").append(AGRONA).append("\n\n");
      lines.forEach(l -> b.append(l).append('\n'));
      b.append('\n');
    }
  }

  private void table(StringBuilder b, Table t, String chart) {
    b.append("## ").append(t.key).append("\n\n");
    b.append(t.description).append("\n\n");
    if (oversubscribed(t)) {
      b.append("> **")
          .append(oversubscription(t))
          .append("**: the figures measure scheduling as much as the queue.\n\n");
    }
    List<String> ours = t.ours();
    b.append("| implementation | score | ± error |");
    ours.forEach(o -> b.append(' ').append(o).append(" / this |"));
    b.append("\n|---|---:|---:|").append("---:|".repeat(ours.size())).append('\n');
    for (Row r : t.rows) {
      b.append("| ")
          .append(ours.contains(r.subject) ? "**" + r.subject + "**" : r.subject)
          .append(" | ")
          .append(number(r.score))
          .append(" | ")
          .append(Double.isNaN(r.error) ? "" : number(r.error))
          .append(" |");
      for (String o : ours) {
        Ratio ratio = t.ratio(o, r.subject);
        b.append(' ')
            .append(ratio == null ? "n/a" : String.format(Locale.ROOT, "%.2fx", ratio.value))
            .append(" |");
      }
      b.append('\n');
    }
    b.append('\n');
    if (chart != null) {
      b.append("![").append(t.key).append("](").append(chart).append(")\n\n");
    }
  }

  private void footprintSection(StringBuilder b) {
    if (footprint == null || footprint.isEmpty()) {
      return;
    }
    b.append("## Bytes per idle actor (IdleActorFootprint)\n\n");
    b.append("| mailbox | bytes per idle actor |\n|---|---:|\n");
    footprint.forEach(
        (k, v) -> b.append("| ").append(k).append(" | ").append(number(v)).append(" |\n"));
    b.append(
        "\nRows marked `+1msg`: each actor processed one message first (an elastic queue then"
            + " holds its first array).\n");
  }

  private static String range(Ratio r) {
    if (Double.isNaN(r.low) || Double.isNaN(r.high)) {
      return "";
    }
    return String.format(Locale.ROOT, "%.2f–%.2fx", Math.max(0, r.low), r.high);
  }

  private static String number(double x) {
    if (Double.isNaN(x)) {
      return "n/a";
    }
    if (Math.abs(x) >= 100) {
      return String.format(Locale.ROOT, "%,.0f", x);
    }
    if (Math.abs(x) >= 1) {
      return String.format(Locale.ROOT, "%.2f", x);
    }
    return String.format(Locale.ROOT, "%.4f", x);
  }

  /** Reads the table of {@code IdleActorFootprint}: bytes per idle actor, by mailbox. */
  static Map<String, Double> readFootprint(Path file) throws IOException {
    Map<String, Double> bytes = new LinkedHashMap<>();
    for (String line : Files.readAllLines(file)) {
      Matcher m = FOOTPRINT_ROW.matcher(line);
      if (m.find()) {
        bytes.put(m.group(1), Double.parseDouble(m.group(2).replace(",", "")));
      }
    }
    return bytes;
  }

  /**
   * Writes {@code queues.md} and the charts.
   *
   * @param args {@code key=value} options ({@code out-dir}, {@code race}, {@code footprint}, {@code
   *     loadavg}) and the JMH JSON files
   * @throws IOException if a file cannot be read or written
   */
  public static void main(String[] args) throws IOException {
    CommandLine cl =
        CommandLine.parse(args, List.of("out-dir", "race", "footprint", "loadavg"), ".json");
    List<Path> jmhFiles = cl.files();
    List<JmhResult> jmh = new ArrayList<>();
    List<String> sources = new ArrayList<>();
    for (Path f : jmhFiles) {
      jmh.addAll(JmhResult.read(f));
      sources.add(f.getFileName().toString());
    }
    RaceResult race = null;
    if (cl.has("race")) {
      Path f = Path.of(cl.get("race"));
      race = RaceResult.read(f);
      sources.add(f.getFileName().toString());
    }
    Map<String, Double> footprint = null;
    if (cl.has("footprint")) {
      Path f = Path.of(cl.get("footprint"));
      footprint = readFootprint(f);
      sources.add(f.getFileName().toString());
    }
    List<String> load =
        cl.has("loadavg")
            ? Files.readAllLines(Path.of(cl.get("loadavg"))).stream()
                .filter(l -> !l.isBlank())
                .toList()
            : List.of();
    Path outDir =
        Path.of(
            cl.get(
                "out-dir",
                "bench/results/" + LocalDate.now().format(DateTimeFormatter.ISO_LOCAL_DATE)));
    QueueReport report = new QueueReport(jmh, race, footprint, load, sources, Machine.cores());
    Files.createDirectories(outDir);
    String md = report.markdown(report.writeCharts(outDir));
    Path out = outDir.resolve("queues.md");
    Files.writeString(out, md);
    System.out.println(md);
    System.out.println("written to " + out.toAbsolutePath());
  }
}
