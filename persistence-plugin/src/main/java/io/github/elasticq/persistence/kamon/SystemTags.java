package io.github.elasticq.persistence.kamon;

import java.util.BitSet;
import java.util.HashMap;
import java.util.Map;

/**
 * The {@code system} tag of each live actor system's journal series in this JVM (the same rule as
 * elasticq-mailbox's mailbox series, kept apart because neither module depends on the other). Kamon
 * keeps one series per metric name and tags, so two live actor systems of one name (a test that
 * runs several cluster nodes in one JVM: a cluster's nodes share the name) would write the same
 * series, one system's gauges overwriting the other's, and the first to stop would remove series
 * the other still exports. So the first live system of a name is tagged with the name, and while it
 * lives the next one gets {@code name#2}, then {@code name#3}: the lowest number not in use. A
 * number is free again once its system's poller has closed. Any thread.
 */
final class SystemTags {

  /** Numbers in use, per actor system name; guarded by the class. */
  private static final Map<String, BitSet> IN_USE = new HashMap<>();

  private SystemTags() {}

  /** Takes the lowest free number of {@code name}; release it with {@link Lease#release}. */
  static synchronized Lease acquire(String name) {
    BitSet used = IN_USE.computeIfAbsent(name, n -> new BitSet());
    int number = used.nextClearBit(1);
    used.set(number);
    return new Lease(name, number);
  }

  private static synchronized void release(String name, int number) {
    BitSet used = IN_USE.get(name);
    if (used != null) {
      used.clear(number);
      if (used.isEmpty()) {
        IN_USE.remove(name);
      }
    }
  }

  /** One system's number; {@link #tag()} is the tag value. */
  record Lease(String name, int number) {
    /** {@code name} for the first live system of the name, {@code name#n} for the others. */
    String tag() {
      return number == 1 ? name : name + "#" + number;
    }

    /** Whether another live system of the same name had the name already. */
    boolean shared() {
      return number > 1;
    }

    void release() {
      SystemTags.release(name, number);
    }
  }
}
