package io.github.elasticq.multijvm;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * What the cluster tests know from the stdout of every node incarnation ({@link ClusterNodeChild}
 * lines): {@code S} (stored, from the client), {@code P} (processed, from a device node), {@code F}
 * (refused or unanswered). Built afresh from all transcripts each time it is read.
 *
 * <p>Rules checked, per entity: a sequence number always carries one reading number (a stored
 * message is never lost and its number reused); readings are stored in the order they were sent
 * (reading numbers do not decrease along sequence numbers); within one incarnation a device never
 * skips ahead (the next processed number is at most one past the previous; going back is a
 * redelivery). {@link #unprocessed()} lists stored messages not processed yet.
 */
final class ClusterLedger {
  final Map<String, TreeMap<Long, Long>> readingBySeqNr = new TreeMap<>();
  final Map<String, TreeMap<Long, Integer>> processedCount = new TreeMap<>();
  final Map<String, TreeMap<Long, Long>> stored = new TreeMap<>();
  final List<String> violations = new ArrayList<>();
  long failures;
  long processedLines;

  /**
   * Reads the transcripts.
   *
   * @param transcripts each incarnation's name and its stdout lines so far
   */
  static ClusterLedger of(Map<String, List<String>> transcripts) {
    ClusterLedger l = new ClusterLedger();
    transcripts.forEach(l::read);
    l.checkSendOrder();
    return l;
  }

  private void read(String source, List<String> lines) {
    Map<String, Long> lastInRun = new HashMap<>();
    for (String line : lines) {
      String[] f = line.split(" ");
      switch (f[0]) {
        case "S" -> {
          long seqNr = Long.parseLong(f[2]);
          long n = Long.parseLong(f[3]);
          sameReading(f[1], seqNr, n, source, line);
          stored.computeIfAbsent(f[1], k -> new TreeMap<>()).put(seqNr, n);
        }
        case "P" -> {
          String entity = f[1];
          long seqNr = Long.parseLong(f[2]);
          sameReading(entity, seqNr, Long.parseLong(f[3]), source, line);
          Long previous = lastInRun.put(entity, seqNr);
          if (previous != null && seqNr > previous + 1) {
            violations.add(source + ": '" + line + "' skips ahead of " + previous);
          }
          processedCount
              .computeIfAbsent(entity, k -> new TreeMap<>())
              .merge(seqNr, 1, Integer::sum);
          processedLines++;
        }
        case "F" -> failures++;
        case "X" -> violations.add(source + " reported '" + line + "'");
        default -> {
          // UP, STOPPED, Pekko's log lines
        }
      }
    }
  }

  private void sameReading(String entity, long seqNr, long n, String source, String line) {
    Long known = readingBySeqNr.computeIfAbsent(entity, k -> new TreeMap<>()).putIfAbsent(seqNr, n);
    if (known != null && known != n) {
      violations.add(
          source
              + ": '"
              + line
              + "' but sequence number "
              + seqNr
              + " of "
              + entity
              + " carried reading "
              + known
              + " before (a stored message lost, its number reused)");
    }
  }

  private void checkSendOrder() {
    readingBySeqNr.forEach(
        (entity, bySeqNr) -> {
          long previous = Long.MIN_VALUE;
          for (Map.Entry<Long, Long> e : bySeqNr.entrySet()) {
            if (e.getValue() < previous) {
              violations.add(
                  entity
                      + ": sequence number "
                      + e.getKey()
                      + " holds reading "
                      + e.getValue()
                      + " after reading "
                      + previous
                      + " (stored out of send order)");
            }
            previous = e.getValue();
          }
        });
  }

  /** Stored messages not processed yet, as {@code entity:seqNr}. */
  List<String> unprocessed() {
    List<String> missing = new ArrayList<>();
    stored.forEach(
        (entity, bySeqNr) -> {
          TreeMap<Long, Integer> done = processedCount.getOrDefault(entity, new TreeMap<>());
          for (Long seqNr : bySeqNr.keySet()) {
            if (!done.containsKey(seqNr)) {
              missing.add(entity + ":" + seqNr);
            }
          }
        });
    return missing;
  }

  long storedCount() {
    return stored.values().stream().mapToLong(Map::size).sum();
  }

  /** Processings beyond the first of a message (at-least-once after a crash or a handoff). */
  long duplicates() {
    long distinct = processedCount.values().stream().mapToLong(Map::size).sum();
    return processedLines - distinct;
  }

  String summary() {
    return storedCount()
        + " stored on "
        + stored.size()
        + " entities, "
        + processedLines
        + " processed, "
        + duplicates()
        + " processed more than once, "
        + failures
        + " requests refused or unanswered (sent again)";
  }
}
