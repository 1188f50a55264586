package io.github.elasticq.persistence.wal;

import static io.github.elasticq.persistence.wal.SegmentRecordDescriptor.FLAGS_OFFSET;
import static io.github.elasticq.persistence.wal.SegmentRecordDescriptor.FLAG_BATCH_CONTINUES;
import static io.github.elasticq.persistence.wal.SegmentRecordDescriptor.FRAME_HEADER_LENGTH;
import static io.github.elasticq.persistence.wal.SegmentRecordDescriptor.SEGMENT_HEADER_LENGTH;
import static io.github.elasticq.persistence.wal.SegmentRecordDescriptor.TYPE_TOMBSTONE;

import java.io.IOException;
import java.lang.System.Logger.Level;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;

/**
 * Compaction: a sealed segment with enough dead bytes is rewritten with only its live records
 * (events still indexed, the latest tombstone of each id) to a temporary file, which is forced,
 * atomically renamed over the segment and followed by a directory fsync; a segment with nothing
 * live is deleted. A crash at any point leaves either the old or the new file, both complete;
 * {@link WalRecovery} deletes leftover temporary files. Before a pass changes a segment, the
 * records that made its records dead are forced, so that a power loss cannot take them and keep the
 * removal. Record frames are copied byte for byte (metadata trailers included); only the
 * batch-continues flag is cleared and the CRC redone.
 *
 * <p>Compactions run one at a time (under this object's lock), concurrently with the writer and
 * replays: only segments below {@link WalStore#compactableBelow} are touched, and readers hold a
 * segment reference ({@link Segment#acquire()}) across the swap.
 */
final class WalCompactor {
  private final WalStore store;
  private final Path dir;
  private final WalLogger logger;

  WalCompactor(WalStore store) {
    this.store = store;
    this.dir = store.dir;
    this.logger = store.logger;
  }

  /**
   * Compacts every eligible segment whose dead ratio is at least {@code minDeadRatio}. A segment
   * found damaged is left as it is and the pass goes on with the others; the damage is thrown at
   * the end of the pass (the others' as suppressed exceptions), so one damaged segment neither
   * stops the reclaiming of the rest of the log nor goes unreported.
   */
  synchronized int compact(double minDeadRatio) throws IOException {
    if (store.closed.get()) {
      throw store.closedException();
    }
    int done = 0;
    killersForcedAt = -1;
    long below = store.compactableBelow;
    WalCorruptionException damaged = null;
    for (Segment seg : List.copyOf(store.segments.values())) {
      if (store.closed.get()) {
        break; // close() waits for this pass (no interrupt): it ends after the current segment
      }
      if (seg.id < below && seg.deadRatio() >= minDeadRatio) {
        try {
          compactSegment(seg);
          done++;
        } catch (WalCorruptionException e) {
          if (damaged == null) {
            damaged = e;
          } else {
            damaged.addSuppressed(e);
          }
        }
      }
    }
    if (damaged != null) {
      throw damaged;
    }
    return done;
  }

  /**
   * {@code bytesWritten} when {@link #forceKillers} last forced in this pass; -1: not yet. A force
   * covers every segment newer than the one it was made for, and segments are compacted in
   * ascending order, so while nothing new is written one force serves the rest of the pass.
   */
  private long killersForcedAt;

  /**
   * Makes durable every record that made a record of segment {@code id} dead (a tombstone, a
   * rewrite's first record): called after the segment's records were judged and before they are
   * removed, durably. A power loss that took the record which killed them would otherwise lose both
   * (a deleted id's highest sequence number would go down). Every-write forced all records already;
   * periodic forced each sealed segment at its seal but maybe not the active one; no-sync forced
   * none. A failure is a sync failure: it is reported until the log is reopened.
   */
  private void forceKillers(long id) throws IOException {
    SyncMode mode = store.settings.syncMode();
    long written = store.bytesWritten.get();
    if (mode == SyncMode.EVERY_WRITE || written == killersForcedAt) {
      return;
    }
    Segment active = store.active;
    for (Segment s : List.copyOf(store.segments.tailMap(id, false).values())) {
      if (mode == SyncMode.NO_SYNC || s == active) {
        store.forceCountedOrSyncFailed(s, "compaction's fsync of " + s.path);
      }
    }
    killersForcedAt = written;
  }

  /** Scheduled compaction: logs instead of throwing. */
  void compactInBackground() {
    try {
      int n = compact(store.settings.compactionMinDeadRatio());
      if (n > 0) {
        logger.log(Level.DEBUG, "write-ahead log " + dir + ": compacted " + n + " segment(s)");
      }
    } catch (IOException | RuntimeException e) {
      if (!store.closed.get()) {
        logger.log(Level.ERROR, "write-ahead log " + dir + ": compaction failed, will retry: " + e);
      }
    }
  }

  /**
   * Runs {@code action} while no compaction runs and none can start (used by close to release the
   * segments).
   */
  synchronized void exclusive(IoAction action) throws IOException {
    action.run();
  }

  /** An action that may throw {@link IOException}. */
  interface IoAction {
    void run() throws IOException;
  }

  private void compactSegment(Segment seg) throws IOException {
    if (!seg.acquire()) {
      return;
    }
    List<SegmentScanner.Entry> kept = new ArrayList<>();
    long size;
    Path tmp = dir.resolve(seg.path.getFileName() + WalRecovery.COMPACTING_SUFFIX);
    try {
      SegmentScanner scanner = new SegmentScanner(seg.channel());
      SegmentScanner.Result r = scanner.scan(seg.id);
      if (!r.clean()) {
        throw new WalCorruptionException(seg.path, r.problemOffset(), r.problem());
      }
      for (SegmentScanner.Entry e : r.entries()) {
        PidIndex idx = store.index.get(e.header().persistenceId());
        boolean live =
            idx != null
                && (e.header().type() == TYPE_TOMBSTONE
                    ? idx.isLatestTombstone(seg, e.offset())
                    : idx.isLiveEvent(e.header().sequenceNr(), seg, e.offset())
                        || idx.mustKeep(seg, e.offset()));
        if (live) {
          kept.add(e);
        }
      }
      size = r.fileSize();
      forceKillers(seg.id);
      if (kept.isEmpty()) {
        store.segments.remove(seg.id, seg);
        SegmentIndexCheckpoint.delete(dir, seg.id);
        Files.delete(seg.path);
        store.syncDirectory();
        store.reclaimedBytes.addAndGet(size);
        store.compactedSegments.incrementAndGet();
        logger.log(Level.DEBUG, "write-ahead log: dropped fully deleted segment " + seg.path);
        seg.retire();
        return;
      }
      long newSize = SEGMENT_HEADER_LENGTH;
      int[] newOffsets = new int[kept.size()];
      try (FileChannel t =
          FileChannel.open(
              tmp,
              StandardOpenOption.CREATE,
              StandardOpenOption.TRUNCATE_EXISTING,
              StandardOpenOption.WRITE)) {
        ByteBuffer b = ByteBuffer.allocate(1 << 20);
        SegmentRecordDescriptor.writeSegmentHeader(b, seg.id);
        long filePos = 0;
        for (int i = 0; i < kept.size(); i++) {
          SegmentScanner.Entry e = kept.get(i);
          ByteBuffer frame = scanner.frame(e.offset(), e.frameLength());
          if (b.remaining() < e.frameLength()) {
            b.flip();
            while (b.hasRemaining()) {
              filePos += t.write(b, filePos);
            }
            if (b.capacity() < e.frameLength()) {
              b = ByteBuffer.allocate(e.frameLength());
            }
            b.clear();
          }
          int start = b.position();
          ByteBuffer src = frame.duplicate();
          src.limit(src.position() + e.frameLength());
          b.put(src);
          // Every kept record becomes its own committed group: its original group was committed.
          b.put(start + FLAGS_OFFSET, (byte) (b.get(start + FLAGS_OFFSET) & ~FLAG_BATCH_CONTINUES));
          ByteBuffer f = b.duplicate();
          f.position(start);
          b.putInt(
              start + SegmentRecordDescriptor.CRC_OFFSET,
              SegmentRecordDescriptor.checksum(f, e.frameLength() - FRAME_HEADER_LENGTH));
          newOffsets[i] = (int) newSize;
          newSize += e.frameLength();
        }
        b.flip();
        while (b.hasRemaining()) {
          filePos += t.write(b, filePos);
        }
        t.force(false);
      }
      // The old segment's checkpoint goes first: it must never be found next to the new file.
      SegmentIndexCheckpoint.delete(dir, seg.id);
      Files.move(
          tmp, seg.path, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      store.syncDirectory();
      Segment fresh = Segment.open(seg.path, seg.id, false);
      store.segments.put(seg.id, fresh);
      for (int i = 0; i < kept.size(); i++) {
        SegmentScanner.Entry e = kept.get(i);
        PidIndex idx = store.index.get(e.header().persistenceId());
        if (!idx.relocate(
            e.header().type(), e.header().sequenceNr(), seg, e.offset(), fresh, newOffsets[i])) {
          fresh.addDead(e.frameLength());
        }
      }
      if (store.settings.indexCheckpoint()) {
        try {
          // What a scan of the new file finds: the kept records, back to back, in this order.
          SegmentIndexCheckpoint.write(dir, seg.id, newSize, kept);
        } catch (IOException e) {
          logger.log(
              Level.WARNING,
              "write-ahead log: could not write the index checkpoint of compacted "
                  + seg.path
                  + " (the next open scans it): "
                  + e);
        }
      }
      store.reclaimedBytes.addAndGet(size - newSize);
      store.compactedSegments.incrementAndGet();
      logger.log(
          Level.DEBUG,
          "write-ahead log: compacted " + seg.path + " from " + size + " to " + newSize + " bytes");
      seg.retire();
    } finally {
      Files.deleteIfExists(tmp);
      seg.release();
    }
  }
}
