package io.github.elasticq.persistence.wal;

import java.io.IOException;
import java.lang.System.Logger.Level;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/**
 * The state the parts of a {@link WriteAheadLog} share: its segments, the per-id index, the
 * counters and the listener. The {@link GroupCommitWriter} is the only thread that appends to
 * segments, adds ids and moves {@link #active}; {@link WalRecovery} fills it before the writer
 * starts; {@link WalCompactor} swaps sealed segments; replays only read.
 */
final class WalStore {
  private static final WalListener NO_LISTENER = new WalListener() {};

  final WalSettings settings;
  final Path dir;
  final WalLogger logger;
  final SyncMode syncMode;

  final ConcurrentSkipListMap<Long, Segment> segments = new ConcurrentSkipListMap<>();
  final ConcurrentHashMap<String, PidIndex> index = new ConcurrentHashMap<>();

  /** Ids in order of first appearance; guarded by itself. */
  private final List<String> idsInOrder = new ArrayList<>();

  /** The segment appended to; moved by the writer (or recovery). */
  volatile Segment active;

  /**
   * Segments with a smaller id are sealed and all their records are in the index; set by the writer
   * after it publishes a batch, read by compaction. A segment sealed in the middle of a batch must
   * not be compacted before that batch is indexed, or its records would look dead.
   */
  volatile long compactableBelow;

  /** Id of the next segment file; recovery, then the writer thread only. */
  long nextSegmentId;

  final AtomicBoolean closed = new AtomicBoolean();

  final AtomicLong recordsWritten = new AtomicLong();
  final AtomicLong writes = new AtomicLong();
  final AtomicLong fsyncs = new AtomicLong();
  final AtomicLong bytesWritten = new AtomicLong();
  final AtomicLong compactedSegments = new AtomicLong();
  final AtomicLong reclaimedBytes = new AtomicLong();

  /** Set by recovery before the log is published. */
  long truncatedBytes;

  /** Set by recovery before the log is published. */
  int quarantinedSegments;

  /**
   * The deletions ({@code deleteTo}) read from the quarantined segments' readable tombstones, per
   * id the highest: the open writes them again, so that moving a segment aside does not bring back
   * the events they deleted in older segments. Filled by the recovery; read by the open.
   */
  final Map<String, Long> quarantinedDeletions = new LinkedHashMap<>();

  /**
   * Damaged segments the recovery took out of the log, still in place until the open has written
   * their deletions again ({@link WalRecovery#moveQuarantined}); each holds its log line's reason.
   */
  final List<PendingQuarantine> quarantinePending = new ArrayList<>();

  /** A segment waiting to be moved aside, and why. */
  record PendingQuarantine(Segment segment, String why) {}

  /** Sealed segments indexed from their checkpoint by the open; set by recovery. */
  int checkpointedAtOpen;

  /** Segments scanned by the open; set by recovery. */
  int scannedAtOpen;

  /** Timings sink for metrics; {@link #NO_LISTENER} until one is set. */
  private volatile WalListener listener = NO_LISTENER;

  WalStore(WalSettings settings) {
    this.settings = settings;
    this.dir = settings.dir().toAbsolutePath().normalize();
    this.logger = settings.logger();
    this.syncMode = settings.syncMode();
  }

  /** Preallocation chunk in bytes: 0 if off or with {@link SyncMode#NO_SYNC}. */
  long preallocateChunk() {
    return syncMode == SyncMode.NO_SYNC
        ? 0
        : Math.min(settings.preallocate(), settings.segmentSize());
  }

  /** Length to which a new segment is preallocated (0: not at all). */
  long preallocateTo() {
    return preallocateChunk();
  }

  /** Index of {@code pid}, created (and listed) if new. Recovery or the writer thread only. */
  PidIndex indexOrCreate(String pid) {
    PidIndex idx = index.get(pid);
    if (idx != null) {
      return idx;
    }
    idx = new PidIndex(pid);
    index.put(pid, idx);
    synchronized (idsInOrder) {
      idsInOrder.add(pid);
    }
    return idx;
  }

  int persistenceIdCount() {
    synchronized (idsInOrder) {
      return idsInOrder.size();
    }
  }

  List<String> persistenceIds(int from, int max) {
    synchronized (idsInOrder) {
      int start = Math.max(0, from);
      int end = (int) Math.min(idsInOrder.size(), (long) start + Math.max(0, max));
      return start >= end ? List.of() : List.copyOf(idsInOrder.subList(start, end));
    }
  }

  void setListener(WalListener l) {
    this.listener = l == null ? NO_LISTENER : l;
  }

  boolean hasListener() {
    return listener != NO_LISTENER;
  }

  void notifyListener(Consumer<WalListener> event) {
    WalListener l = listener;
    if (l != NO_LISTENER) {
      try {
        event.accept(l);
      } catch (RuntimeException | Error e) { // ignored, as WalListener says; never the caller's
        logger.log(Level.DEBUG, "write-ahead log " + dir + ": listener failed: " + e);
      }
    }
  }

  /** Forces {@code s}, counting the fsync and reporting its latency. */
  void forceCounted(Segment s) throws IOException {
    long start = System.nanoTime();
    s.force();
    long nanos = System.nanoTime() - start;
    fsyncs.incrementAndGet();
    notifyListener(l -> l.fsyncCompleted(nanos));
  }

  /**
   * The first fsync that failed where records were already acknowledged without being durable (a
   * periodic sync, the seal of a segment or the directory at a roll in periodic mode, a
   * compaction's force); null if none. Kept until the log is closed: after a failed fsync the
   * kernel may have dropped the pages it could not write, so a later fsync that succeeds does not
   * bring them back.
   */
  private volatile IOException syncFailure;

  IOException syncFailure() {
    return syncFailure;
  }

  /**
   * Forces {@code s} as {@link #forceCounted} does; a failure is also recorded as a sync failure of
   * {@code what} (see {@link #syncFailed}), then thrown.
   */
  void forceCountedOrSyncFailed(Segment s, String what) throws IOException {
    try {
      forceCounted(s);
    } catch (IOException | RuntimeException e) {
      syncFailed(what, e);
      throw e;
    }
  }

  /** Records that {@code what} failed with {@code e} (the first such failure is kept). */
  void syncFailed(String what, Throwable e) {
    if (syncFailure == null) {
      syncFailure =
          new IOException(
              "write-ahead log "
                  + dir
                  + ": "
                  + what
                  + " failed; records acknowledged before it may not be durable (the log reports"
                  + " this until it is reopened, which recovers what is on disk): "
                  + e,
              e);
    }
  }

  void syncDirectory() throws IOException {
    try (FileChannel d = FileChannel.open(dir, StandardOpenOption.READ)) {
      d.force(true);
    }
  }

  void closeSegmentsQuietly() {
    for (Segment s : segments.values()) {
      s.retire();
    }
    segments.clear();
    for (PendingQuarantine q : quarantinePending) {
      q.segment().retire(); // left in place: the next open quarantines it again
    }
    quarantinePending.clear();
  }

  IllegalStateException closedException() {
    return new IllegalStateException("write-ahead log " + dir + " is closed");
  }

  WalStats stats() {
    return new WalStats(
        recordsWritten.get(),
        writes.get(),
        fsyncs.get(),
        bytesWritten.get(),
        segments.size(),
        compactedSegments.get(),
        reclaimedBytes.get(),
        truncatedBytes,
        quarantinedSegments);
  }
}
