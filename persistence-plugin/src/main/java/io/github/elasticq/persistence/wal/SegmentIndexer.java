package io.github.elasticq.persistence.wal;

import java.io.IOException;
import java.lang.System.Logger.Level;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;

/**
 * Writes the {@link SegmentIndexCheckpoint} of sealed segments on a background thread, off the
 * writer thread: the writer hands over a segment once the batch that sealed it is published, and
 * the indexer scans it (from the page cache, normally) and writes the checkpoint from the scan, so
 * that a checkpoint always says what a scan of those bytes would say. Recovery hands over the
 * sealed segments it had to scan. A task runs under the compactor's lock, so that it never
 * checkpoints a segment that compaction is replacing, and skips segments no longer in the log.
 *
 * <p>A failed checkpoint is only logged: the next open scans that segment.
 */
final class SegmentIndexer {
  private final WalStore store;
  private final WalCompactor compactor;
  private final ExecutorService executor;

  SegmentIndexer(WalStore store, WalCompactor compactor) {
    this.store = store;
    this.compactor = compactor;
    this.executor =
        store.settings.indexCheckpoint()
            ? Executors.newSingleThreadExecutor(WriteAheadLog.daemon("elasticq-wal-indexer"))
            : null;
  }

  /**
   * Queues the checkpoint of sealed segment {@code seg}; no-op if checkpoints are off. Any thread.
   */
  void submit(Segment seg) {
    if (executor == null) {
      return;
    }
    try {
      executor.execute(() -> checkpointInBackground(seg));
    } catch (RejectedExecutionException e) {
      // closing: the next open scans the segment and checkpoints it then
    }
  }

  private void checkpointInBackground(Segment seg) {
    try {
      compactor.exclusive(() -> checkpoint(store, seg));
    } catch (IOException | RuntimeException e) {
      store.logger.log(
          Level.WARNING,
          "write-ahead log: could not write the index checkpoint of "
              + seg.path
              + " (the next open scans it): "
              + e);
    }
  }

  /**
   * Scans sealed segment {@code seg} and writes its checkpoint, unless it left the log, is damaged
   * or ends in preallocated zeros. Under the compactor's lock.
   */
  static void checkpoint(WalStore store, Segment seg) throws IOException {
    // Not skipped once the log is closing: close waits for the queued checkpoints.
    if (store.segments.get(seg.id) != seg || !seg.acquire()) {
      return;
    }
    try {
      SegmentScanner.Result r = new SegmentScanner(seg.channel()).scan(seg.id);
      if (!r.clean() || r.committedEnd() != r.fileSize()) {
        store.logger.log(
            Level.WARNING,
            "write-ahead log: no index checkpoint for "
                + seg.path
                + ": "
                + (r.clean()
                    ? "it ends in " + (r.fileSize() - r.committedEnd()) + " preallocated bytes"
                    : r.problem() + " at offset " + r.problemOffset()));
        return;
      }
      SegmentIndexCheckpoint.write(store.dir, seg.id, r.fileSize(), r.entries());
    } finally {
      seg.release();
    }
  }

  /**
   * Finishes the queued checkpoints and stops the thread (not interrupting it: an interrupt would
   * close the segment channel it reads). Before the segments are closed.
   *
   * @return whether the wait was interrupted
   */
  boolean close() {
    return WriteAheadLog.shutdownWithoutInterrupt(executor);
  }
}
