package io.github.elasticq.examples.gateway;

import io.github.elasticq.queue.QueueStats;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The live view: one line per topic and QoS level with messages per second, mailbox size against
 * capacity (and max), drops and the journal's fsyncs per second. On a terminal it redraws in place
 * (ANSI cursor-up and erase-line); otherwise it prints plain blocks. Called by one thread.
 */
final class LiveView {

  private final Gateway gateway;
  private final PrintStream out;
  private final boolean terminal;
  private final long[] lastDone;
  private long lastFsyncs;
  private long lastNanos;
  private int printedLines;

  LiveView(Gateway gateway, PrintStream out, boolean terminal) {
    this.gateway = gateway;
    this.out = out;
    this.terminal = terminal;
    this.lastDone = new long[gateway.options().topics() * Gateway.LEVELS];
    this.lastNanos = System.nanoTime();
  }

  void render() {
    long now = System.nanoTime();
    double seconds = Math.max((now - lastNanos) / 1e9, 1e-3);
    lastNanos = now;
    long fsyncs = gateway.fsyncs();
    double fsyncRate = (fsyncs - lastFsyncs) / seconds;
    lastFsyncs = fsyncs;
    int max = gateway.maxCapacity();
    List<String> lines = new ArrayList<>();
    lines.add(
        String.format(
            Locale.ROOT,
            "gateway %6.1f s   sent %,d   journal %,.0f fsyncs/s",
            gateway.elapsedNanos() / 1e9,
            gateway.totalSent.get(),
            fsyncRate));
    lines.add(
        String.format(
            Locale.ROOT,
            "%-5s %-3s %9s  %-26s %9s %9s",
            "topic",
            "qos",
            "msgs/s",
            "mailbox size/capacity",
            "drops",
            "fsyncs/s"));
    for (int t = 0; t < gateway.options().topics(); t++) {
      List<QueueStats> levels = gateway.levelStats(t);
      for (int q = 0; q < Gateway.LEVELS; q++) {
        int i = t * Gateway.LEVELS + q;
        long done = gateway.processed.get(i) + gateway.recovered.get(i) + gateway.duplicates.get(i);
        double rate = (done - lastDone[i]) / seconds;
        lastDone[i] = done;
        String mailbox =
            q < levels.size()
                ? String.format(
                    Locale.ROOT,
                    "%,7d / %,7d (max %,d)",
                    levels.get(q).size(),
                    levels.get(q).capacity(),
                    max)
                : "-";
        lines.add(
            String.format(
                Locale.ROOT,
                "%-5s %-3d %,9.0f  %-26s %,9d %9s",
                Gateway.topicName(t),
                q,
                rate,
                mailbox,
                gateway.dropped(t, q),
                q == 0 ? "-" : String.format(Locale.ROOT, "%,.0f", fsyncRate)));
      }
    }
    StringBuilder b = new StringBuilder();
    if (terminal && printedLines > 0) {
      b.append("\033[").append(printedLines).append('A');
    }
    for (String line : lines) {
      if (terminal) {
        b.append("\r\033[2K");
      }
      b.append(line).append(System.lineSeparator());
    }
    if (!terminal) {
      b.append(System.lineSeparator());
    }
    out.print(b);
    out.flush();
    printedLines = lines.size();
  }
}
