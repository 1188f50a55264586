package io.github.elasticq.mailbox.kamon;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import kamon.Kamon;
import kamon.metric.Distribution;
import kamon.metric.Instrument;
import kamon.metric.Metric;
import kamon.metric.MetricSnapshot;
import kamon.tag.Tag;
import kamon.tag.TagSet;
import scala.jdk.javaapi.CollectionConverters;

/**
 * Reads exported figures back from Kamon: which series exist (metric snapshots, which create
 * nothing) and their values through {@link Instrument.Snapshotting#snapshot(boolean)} without
 * resetting them. Valid while nothing else resets Kamon's instruments (no Kamon.init() ticker in
 * this module's tests).
 */
final class KamonReads {

  private KamonReads() {}

  /** The tag sets of every series of {@code metric} whose tags include {@code match}. */
  static List<TagSet> series(Metric<?, ?> metric, Map<String, String> match) {
    MetricSnapshot<?, ?> snap = ((Metric.BaseMetric<?, ?, ?>) metric).snapshot(false);
    List<TagSet> out = new ArrayList<>();
    for (Instrument.Snapshot<?> s : CollectionConverters.asJava(snap.instruments())) {
      if (matches(s.tags(), match)) {
        out.add(s.tags());
      }
    }
    return out;
  }

  /** As a value in a match map: the tag must be absent. */
  static final String ABSENT = "\u0000absent";

  /**
   * As {@link #series}, after a resetting snapshot of the metric: Kamon drops a removed instrument
   * only once a resetting snapshot (a reporter tick) has reported it a last time. Resets the
   * metric's counters, so read counters before.
   */
  static List<TagSet> seriesAfterRemovals(Metric<?, ?> metric, Map<String, String> match) {
    ((Metric.BaseMetric<?, ?, ?>) metric).snapshot(true);
    return series(metric, match);
  }

  static boolean matches(TagSet tags, Map<String, String> match) {
    Map<String, String> actual = new HashMap<>();
    for (Tag t : CollectionConverters.asJava(tags.all())) {
      actual.put(t.key(), String.valueOf(Tag.unwrapValue(t)));
    }
    for (Map.Entry<String, String> e : match.entrySet()) {
      if (!e.getValue().equals(actual.getOrDefault(e.getKey(), ABSENT))) {
        return false;
      }
    }
    return true;
  }

  /** Sum of the counter series whose tags include {@code match}. */
  @SuppressWarnings("unchecked")
  static long counter(String name, Map<String, String> match) {
    long sum = 0;
    for (TagSet tags : series(Kamon.counter(name), match)) {
      Object v =
          ((Instrument.Snapshotting<Object>) Kamon.counter(name).withTags(tags)).snapshot(false);
      sum += ((Number) v).longValue();
    }
    return sum;
  }

  /** Sum of the gauge series whose tags include {@code match}. */
  @SuppressWarnings("unchecked")
  static double gauge(String name, Map<String, String> match) {
    double sum = 0;
    for (TagSet tags : series(Kamon.gauge(name), match)) {
      Object v =
          ((Instrument.Snapshotting<Object>) Kamon.gauge(name).withTags(tags)).snapshot(false);
      sum += ((Number) v).doubleValue();
    }
    return sum;
  }

  /** Number of recordings of the timer series whose tags include {@code match}. */
  @SuppressWarnings("unchecked")
  static long timerCount(String name, Map<String, String> match) {
    long sum = 0;
    for (TagSet tags : series(Kamon.timer(name), match)) {
      Distribution d =
          ((Instrument.Snapshotting<Distribution>) Kamon.timer(name).withTags(tags))
              .snapshot(false);
      sum += d.count();
    }
    return sum;
  }
}
