package io.github.elasticq.multijvm;

import java.util.ArrayList;
import java.util.List;

/**
 * Run-length record of the sequence numbers a recovery saw, in the order it saw them: {@code 1-500}
 * is one contiguous increasing run; a gap, a duplicate or a step backwards starts a new run.
 * Confined to one thread.
 */
final class SeqRanges {
  private final List<long[]> runs = new ArrayList<>();

  /** Records the next sequence number seen. */
  void add(long seqNr) {
    if (!runs.isEmpty()) {
      long[] last = runs.get(runs.size() - 1);
      if (seqNr == last[1] + 1) {
        last[1] = seqNr;
        return;
      }
    }
    runs.add(new long[] {seqNr, seqNr});
  }

  /** The runs as {@code from-to,from-to}, or {@code -} when nothing was seen. */
  String format() {
    if (runs.isEmpty()) {
      return "-";
    }
    StringBuilder sb = new StringBuilder();
    for (long[] r : runs) {
      if (sb.length() > 0) {
        sb.append(',');
      }
      sb.append(r[0]).append('-').append(r[1]);
    }
    return sb.toString();
  }

  /** Parses {@link #format()}'s output. */
  static List<long[]> parse(String text) {
    List<long[]> result = new ArrayList<>();
    if (text.equals("-")) {
      return result;
    }
    for (String part : text.split(",")) {
      int dash = part.indexOf('-');
      result.add(
          new long[] {
            Long.parseLong(part.substring(0, dash)), Long.parseLong(part.substring(dash + 1))
          });
    }
    return result;
  }
}
