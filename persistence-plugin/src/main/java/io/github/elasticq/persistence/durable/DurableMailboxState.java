package io.github.elasticq.persistence.durable;

import io.github.elasticq.persistence.durable.DurableMailboxEvent.Confirmed;
import io.github.elasticq.persistence.durable.DurableMailboxEvent.DeliveryFailed;
import io.github.elasticq.persistence.durable.DurableMailboxEvent.MessageStored;
import io.github.elasticq.persistence.durable.DurableMailboxEvent.Poisoned;
import java.util.ArrayList;
import java.util.List;

/**
 * The event-sourced state of a {@link DurableMailbox}: the stored messages not yet confirmed, in
 * sequence-number order, in a ring that grows by doubling.
 *
 * <p>Invariant (every event keeps it): the entries are exactly the sequence numbers {@code
 * confirmedUpTo + 1 .. nextSeqNr - 1}, contiguous, so an entry is found by index arithmetic.
 *
 * <p>Mutable, confined to the mailbox actor. A snapshot is an immutable copy ({@link
 * #toSnapshot()}), because Pekko serializes snapshots on the snapshot store's thread.
 */
final class DurableMailboxState {

  /** One stored, unconfirmed message. */
  static final class Entry {
    final long seqNr;
    final SerializedMessage serialized;

    /** The message object; null until deserialized (after recovery). Actor thread only. */
    Object message;

    /** Failures of the inner behavior on this message, persisted ones included. */
    int failures;

    Entry(long seqNr, SerializedMessage serialized, Object message, int failures) {
      this.seqNr = seqNr;
      this.serialized = serialized;
      this.message = message;
      this.failures = failures;
    }
  }

  /** An immutable copy of the state, as written to the snapshot store. */
  record Snapshot(long nextSeqNr, long confirmedUpTo, List<SnapshotEntry> entries)
      implements DurableMailboxSerializable {}

  /** One unconfirmed message of a {@link Snapshot}. */
  record SnapshotEntry(long seqNr, int failures, SerializedMessage serialized) {}

  private long nextSeqNr = 1;
  private long confirmedUpTo;
  private Entry[] ring = new Entry[16];
  private int head;
  private int size;

  /** The sequence number the next stored message gets. */
  long nextSeqNr() {
    return nextSeqNr;
  }

  /** Every message up to this one is confirmed (or poisoned). */
  long confirmedUpTo() {
    return confirmedUpTo;
  }

  /** Stored, unconfirmed messages. */
  int size() {
    return size;
  }

  /** The entry of {@code seqNr}, which must be in {@code confirmedUpTo + 1 .. nextSeqNr - 1}. */
  Entry entry(long seqNr) {
    long index = seqNr - confirmedUpTo - 1;
    if (index < 0 || index >= size) {
      throw new IllegalArgumentException(
          "no unconfirmed message "
              + seqNr
              + " (unconfirmed: "
              + (confirmedUpTo + 1)
              + ".."
              + (nextSeqNr - 1)
              + ")");
    }
    return ring[(head + (int) index) & (ring.length - 1)];
  }

  /** Applies one event; returns this state. */
  DurableMailboxState apply(DurableMailboxEvent event) {
    if (event instanceof MessageStored stored) {
      if (stored.seqNr() != nextSeqNr) {
        throw new IllegalStateException(
            "stored message " + stored.seqNr() + " does not follow " + (nextSeqNr - 1));
      }
      append(new Entry(stored.seqNr(), stored.serialized(), stored.message(), 0));
      nextSeqNr++;
    } else if (event instanceof Confirmed confirmed) {
      confirmUpTo(confirmed.upToSeqNr());
    } else if (event instanceof DeliveryFailed failed) {
      if (failed.seqNr() > confirmedUpTo && failed.seqNr() < nextSeqNr) {
        entry(failed.seqNr()).failures++;
      }
    } else if (event instanceof Poisoned poisoned) {
      confirmUpTo(poisoned.seqNr());
    }
    return this;
  }

  private void append(Entry e) {
    if (size == ring.length) {
      Entry[] bigger = new Entry[ring.length * 2];
      for (int i = 0; i < size; i++) {
        bigger[i] = ring[(head + i) & (ring.length - 1)];
      }
      ring = bigger;
      head = 0;
    }
    ring[(head + size) & (ring.length - 1)] = e;
    size++;
  }

  private void confirmUpTo(long upTo) {
    long to = Math.min(upTo, nextSeqNr - 1);
    while (confirmedUpTo < to) {
      ring[head] = null;
      head = (head + 1) & (ring.length - 1);
      size--;
      confirmedUpTo++;
    }
    if (size == 0 && ring.length > 16) {
      ring = new Entry[16];
      head = 0;
    }
  }

  /** Back to the empty state, for a recovery that starts again from this object. */
  void clear() {
    nextSeqNr = 1;
    confirmedUpTo = 0;
    ring = new Entry[16];
    head = 0;
    size = 0;
  }

  /** An immutable copy for the snapshot store. Actor thread. */
  Snapshot toSnapshot() {
    List<SnapshotEntry> entries = new ArrayList<>(size);
    for (int i = 0; i < size; i++) {
      Entry e = ring[(head + i) & (ring.length - 1)];
      entries.add(new SnapshotEntry(e.seqNr, e.failures, e.serialized));
    }
    return new Snapshot(nextSeqNr, confirmedUpTo, List.copyOf(entries));
  }

  /** The state a snapshot describes. */
  static DurableMailboxState fromSnapshot(Snapshot snapshot) {
    DurableMailboxState s = new DurableMailboxState();
    s.nextSeqNr = snapshot.confirmedUpTo() + 1;
    s.confirmedUpTo = snapshot.confirmedUpTo();
    for (SnapshotEntry e : snapshot.entries()) {
      if (e.seqNr() != s.nextSeqNr) {
        throw new IllegalStateException(
            "snapshot entry " + e.seqNr() + " does not follow " + (s.nextSeqNr - 1));
      }
      s.append(new Entry(e.seqNr(), e.serialized(), null, e.failures()));
      s.nextSeqNr++;
    }
    if (s.nextSeqNr != snapshot.nextSeqNr()) {
      throw new IllegalStateException(
          "snapshot holds messages up to "
              + (s.nextSeqNr - 1)
              + " but next is "
              + snapshot.nextSeqNr());
    }
    return s;
  }
}
