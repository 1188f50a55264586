package io.github.elasticq.persistence.wal;

import static io.github.elasticq.persistence.wal.SegmentRecordDescriptor.SEGMENT_HEADER_LENGTH;
import static io.github.elasticq.persistence.wal.SegmentRecordDescriptor.SEGMENT_VERSION;
import static io.github.elasticq.persistence.wal.SegmentRecordDescriptor.TYPE_EVENT;
import static io.github.elasticq.persistence.wal.SegmentRecordDescriptor.TYPE_TOMBSTONE;

import java.io.IOException;
import java.lang.System.Logger.Level;
import java.nio.ByteBuffer;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;

/**
 * Opening a log: lists the segment files, scans each once, truncates a torn tail of the last one,
 * fails on (or quarantines) damage anywhere else, and rebuilds the per-id index in a {@link
 * WalStore}. With {@code index-checkpoint = on}, a sealed segment (every one but the last) whose
 * {@link SegmentIndexCheckpoint} is valid is indexed from it instead of being scanned: its records
 * between the first and the last are then not validated at open, only when read (see {@link
 * SegmentIndexCheckpoint} for what that means for corruption detection); a missing or invalid
 * checkpoint is logged and the segment scanned as before, and gets a new checkpoint once the log is
 * open. The last segment is always scanned. Zeros after the last record (preallocated space) are
 * not damage: the segment's logical end is set before them, and the active segment's appends
 * continue there, over the zeros. Runs on the opening thread before the writer starts.
 */
final class WalRecovery {
  static final String COMPACTING_SUFFIX = ".compacting";
  private static final String QUARANTINE_DIR = "quarantine";

  private final WalStore store;
  private final Path dir;
  private final WalLogger logger;

  /** Sealed segments to checkpoint once the log is open: scanned, or sealed by this open. */
  private final List<Segment> needCheckpoint = new ArrayList<>();

  private int checkpointed;
  private long checkpointNanos;
  private int scanned;
  private long scanNanos;
  private long scannedBytes;
  private long forceNanos;

  private WalRecovery(WalStore store) {
    this.store = store;
    this.dir = store.dir;
    this.logger = store.logger;
  }

  /**
   * Recovers the segments of {@code store.dir} into {@code store} and sets its active segment
   * (creating a first one if needed). On failure the caller closes the segments opened so far.
   *
   * @return the sealed segments that were scanned (or sealed by this open) and should get an index
   *     checkpoint; empty when {@code index-checkpoint} is off
   */
  static List<Segment> recover(WalStore store) throws IOException {
    WalRecovery r = new WalRecovery(store);
    r.recover();
    return r.needCheckpoint;
  }

  private void recover() throws IOException {
    long openStart = System.nanoTime();
    TreeMap<Long, Path> files = new TreeMap<>();
    List<Path> checkpointFiles = new ArrayList<>();
    try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir)) {
      for (Path p : ds) {
        String name = p.getFileName().toString();
        if (name.endsWith(COMPACTING_SUFFIX)) {
          logger.log(Level.INFO, "write-ahead log: removing unfinished compaction output " + p);
          Files.delete(p);
          continue;
        }
        if (name.endsWith(SegmentIndexCheckpoint.TEMP_SUFFIX)) {
          Files.delete(p); // an index checkpoint whose writing was interrupted
          continue;
        }
        Matcher m = Segment.FILE_NAME.matcher(name);
        if (m.matches()) {
          files.put(Long.parseLong(m.group(1)), p);
        } else if (SegmentIndexCheckpoint.FILE_NAME.matcher(name).matches()) {
          checkpointFiles.add(p);
        }
      }
    }
    for (Path p : checkpointFiles) {
      Matcher m = SegmentIndexCheckpoint.FILE_NAME.matcher(p.getFileName().toString());
      if (m.matches() && !files.containsKey(Long.parseLong(m.group(1)))) {
        Files.delete(p); // its segment was dropped after it was written
      }
    }
    boolean useCheckpoints = store.settings.indexCheckpoint();
    List<Path> missing = new ArrayList<>();
    long maxId = files.isEmpty() ? 0 : files.lastKey();
    Segment last = null;
    for (Map.Entry<Long, Path> f : files.entrySet()) {
      boolean isLast = f.getKey() == maxId;
      Segment seg = Segment.open(f.getValue(), f.getKey(), isLast);
      if (!isLast && useCheckpoints) {
        long start = System.nanoTime();
        if (loadCheckpoint(seg, missing)) {
          checkpointNanos += System.nanoTime() - start;
          checkpointed++;
          continue;
        }
        needCheckpoint.add(seg);
      }
      long scanStart = System.nanoTime();
      scanned++;
      scannedBytes += seg.size;
      SegmentScanner scanner = new SegmentScanner(seg.channel());
      SegmentScanner.Result r;
      try {
        r = scanner.scan(seg.id);
      } catch (IOException | RuntimeException e) {
        seg.retire();
        throw e;
      }
      if (!r.clean()) {
        boolean tornTail = isLast && r.nextValidOffset() < 0;
        if (tornTail) {
          long cut = r.fileSize() - r.committedEnd();
          if (r.committedEnd() < SEGMENT_HEADER_LENGTH) {
            seg.truncate(0);
            ByteBuffer h = ByteBuffer.allocate(SEGMENT_HEADER_LENGTH);
            SegmentRecordDescriptor.writeSegmentHeader(h, seg.id);
            h.flip();
            seg.write(h, 0);
            seg.size = SEGMENT_HEADER_LENGTH;
          } else {
            seg.truncate(r.committedEnd());
          }
          seg.force();
          store.truncatedBytes += cut;
          logger.log(
              Level.WARNING,
              "write-ahead log: truncated torn tail of "
                  + seg.path
                  + ": cut "
                  + cut
                  + " bytes from offset "
                  + r.committedEnd()
                  + " (found at offset "
                  + r.problemOffset()
                  + ": "
                  + r.problem()
                  + "); kept "
                  + r.entries().size()
                  + " committed record(s)");
        } else {
          WalCorruptionException corrupt =
              new WalCorruptionException(
                  seg.path,
                  r.problemOffset(),
                  r.problem()
                      + (r.nextValidOffset() >= 0
                          ? ", followed by a valid record at offset " + r.nextValidOffset()
                          : ", in a segment that is not the last")
                      + ". Set quarantine-corrupt-segments = on to move the segment aside and"
                      + " start without it");
          if (!store.settings.quarantineCorruptSegments()) {
            seg.retire();
            store.closeSegmentsQuietly();
            throw corrupt;
          }
          quarantine(seg, r, corrupt);
          continue;
        }
      }
      if (r.clean() && r.committedEnd() < r.fileSize()) {
        seg.setLogicalEnd(r.committedEnd());
        logger.log(
            Level.DEBUG,
            "write-ahead log: "
                + seg.path
                + " ends at offset "
                + r.committedEnd()
                + ", followed by "
                + (r.fileSize() - r.committedEnd())
                + " preallocated bytes");
      }
      store.segments.put(seg.id, seg);
      String lastPid = null;
      PidIndex idx = null;
      for (SegmentScanner.Entry e : r.entries()) {
        RecordCodec.Header h = e.header();
        // The scanner hands back the same string for a run of records of one id.
        if (h.persistenceId() != lastPid) {
          lastPid = h.persistenceId();
          idx = store.indexOrCreate(lastPid);
        }
        if (h.type() == TYPE_TOMBSTONE) {
          idx.tombstone(h.sequenceNr(), seg, (int) e.offset(), e.frameLength());
        } else {
          idx.append(h.sequenceNr(), seg, (int) e.offset(), e.frameLength());
        }
      }
      scanNanos += System.nanoTime() - scanStart;
      // Appends go only to a segment of the current version (see SegmentRecordDescriptor):
      // the last segment of an older log stays sealed and the log continues in a new one.
      if (isLast && scanner.version() == SEGMENT_VERSION) {
        last = seg;
      } else if (isLast && useCheckpoints) {
        needCheckpoint.add(seg); // sealed from now on
      }
    }
    if (!missing.isEmpty()) {
      logger.log(
          Level.WARNING,
          "write-ahead log: no index checkpoint for "
              + missing.size()
              + " sealed segment(s) (a log written without index checkpoints, or stopped before it"
              + " wrote them), scanned them instead and writing checkpoints: "
              + (missing.size() <= 3
                  ? missing.toString()
                  : missing.subList(0, 3) + " and " + (missing.size() - 3) + " more"));
    }
    store.nextSegmentId = maxId + 1;
    if (last == null) {
      last = Segment.create(dir, store.nextSegmentId++, true, store.preallocateTo());
      store.syncDirectory();
      store.segments.put(last.id, last);
    }
    store.active = last;
    store.compactableBelow = last.id;
    forceRecovered();
    needCheckpoint.removeIf(s -> store.segments.get(s.id) != s); // quarantined
    store.checkpointedAtOpen = checkpointed;
    store.scannedAtOpen = scanned;
    logger.log(
        Level.DEBUG,
        String.format(
            "write-ahead log %s: opened %d segment(s) in %.1f ms: %d from index checkpoints"
                + " (%.1f ms), %d scanned (%.1f ms, %.1f MiB), all forced (%.1f ms)",
            dir,
            store.segments.size(),
            (System.nanoTime() - openStart) / 1e6,
            checkpointed,
            checkpointNanos / 1e6,
            scanned,
            scanNanos / 1e6,
            scannedBytes / (double) (1 << 20),
            forceNanos / 1e6));
  }

  /**
   * Makes what this open found durable before the log is used: every segment and the directory
   * (their entries). A process killed in {@code no-sync} or {@code periodic} mode (or one that was
   * switched since) can leave records in the page cache that it never forced; this open replays
   * them and, in {@code every-write} mode, then acknowledges later records as durable. Without this
   * a power loss could keep those later records and lose the earlier ones they were built on (the
   * sealed segments of the killed run and their directory entries: every-write forces only the
   * active segment). On a log that was closed cleanly each force finds nothing to write.
   */
  private void forceRecovered() throws IOException {
    long start = System.nanoTime();
    for (Segment seg : store.segments.values()) {
      seg.channel().force(true); // also the size: a killed run may have grown the file
    }
    store.syncDirectory();
    forceNanos = System.nanoTime() - start;
  }

  /**
   * Indexes sealed segment {@code seg} from its checkpoint, if there is a valid one: true if done;
   * false if it must be scanned (a missing checkpoint is added to {@code missing}, an invalid one
   * is logged). Nothing is indexed unless the whole checkpoint is valid.
   */
  private boolean loadCheckpoint(Segment seg, List<Path> missing) throws IOException {
    SegmentIndexCheckpoint.Entries e;
    try {
      e = SegmentIndexCheckpoint.load(dir, seg);
    } catch (NoSuchFileException ex) {
      missing.add(seg.path);
      return false;
    } catch (SegmentIndexCheckpoint.Rejected | IOException ex) {
      logger.log(
          Level.WARNING,
          "write-ahead log: ignoring index checkpoint "
              + SegmentIndexCheckpoint.path(dir, seg.id)
              + " of "
              + seg.path
              + " ("
              + ex.getMessage()
              + "); scanning the segment instead and writing a new checkpoint");
      return false;
    }
    store.segments.put(seg.id, seg);
    PidIndex[] byIndex = new PidIndex[e.persistenceIds().length];
    // Listed in order of first appearance in the segment: ids get the order a scan gives them.
    for (int i = 0; i < byIndex.length; i++) {
      byIndex[i] = store.indexOrCreate(e.persistenceIds()[i]);
    }
    byte[] types = e.types();
    int[] pids = e.pidIndexes();
    long[] seqs = e.seqs();
    int[] lens = e.lens();
    long offset = SEGMENT_HEADER_LENGTH;
    for (int i = 0; i < types.length; i++) {
      PidIndex idx = byIndex[pids[i]];
      if (types[i] == TYPE_TOMBSTONE) {
        idx.tombstone(seqs[i], seg, (int) offset, lens[i]);
      } else {
        idx.append(seqs[i], seg, (int) offset, lens[i]);
      }
      offset += lens[i];
    }
    return true;
  }

  /**
   * Takes a damaged segment out of the log: reads what is still readable in it (for the log line,
   * and its tombstones' deletions, which the open writes again) and leaves it in place until {@link
   * #moveQuarantined} runs, after those deletions are written. A failure or a crash in between
   * leaves the segment where it was, so the next open quarantines it again and loses no deletion.
   */
  private void quarantine(Segment seg, SegmentScanner.Result r, WalCorruptionException cause)
      throws IOException {
    List<SegmentScanner.Entry> readable = new ArrayList<>(r.entries());
    if (r.nextValidOffset() >= 0) {
      readable.addAll(new SegmentScanner(seg.channel()).salvage(r.nextValidOffset()));
    }
    Map<String, long[]> lost = new LinkedHashMap<>();
    Map<String, Long> deletions = new LinkedHashMap<>();
    for (SegmentScanner.Entry e : readable) {
      if (e.header().type() == TYPE_TOMBSTONE) {
        deletions.merge(e.header().persistenceId(), e.header().sequenceNr(), Math::max);
      }
      if (e.header().type() == TYPE_EVENT) {
        long[] range =
            lost.computeIfAbsent(
                e.header().persistenceId(), k -> new long[] {Long.MAX_VALUE, 0, 0});
        range[0] = Math.min(range[0], e.header().sequenceNr());
        range[1] = Math.max(range[1], e.header().sequenceNr());
        range[2]++;
      }
    }
    StringBuilder sb = new StringBuilder();
    for (Map.Entry<String, long[]> e : lost.entrySet()) {
      if (sb.length() > 0) {
        sb.append(", ");
      }
      long[] v = e.getValue();
      sb.append(e.getKey())
          .append(" seq ")
          .append(v[0])
          .append("..")
          .append(v[1])
          .append(" (")
          .append(v[2])
          .append(" events)");
    }
    String why =
        " because: "
            + cause.getMessage()
            + ". Lost the segment's "
            + readable.size()
            + " readable record(s)"
            + (sb.length() > 0 ? " [" + sb + "]" : "")
            + " and whatever the damaged bytes from offset "
            + r.problemOffset()
            + " held"
            + (deletions.isEmpty()
                ? ""
                : "; the deletions among them were written again (id up to sequence number): "
                    + deletions);
    deletions.forEach((pid, to) -> store.quarantinedDeletions.merge(pid, to, Math::max));
    store.quarantinePending.add(new WalStore.PendingQuarantine(seg, why));
  }

  /**
   * Moves the segments {@link #quarantine} took out of the log into {@code quarantine/}. Called by
   * the open once the deletions read from them are written again.
   */
  static void moveQuarantined(WalStore store) throws IOException {
    Path qdir = store.dir.resolve(QUARANTINE_DIR);
    while (!store.quarantinePending.isEmpty()) {
      WalStore.PendingQuarantine q = store.quarantinePending.get(0);
      Segment seg = q.segment();
      Files.createDirectories(qdir);
      Path target =
          qdir.resolve(seg.path.getFileName() + "." + Instant.now().toEpochMilli() + ".corrupt");
      SegmentIndexCheckpoint.delete(store.dir, seg.id);
      Files.move(seg.path, target, StandardCopyOption.ATOMIC_MOVE);
      store.syncDirectory();
      store.quarantinePending.remove(0);
      seg.retire();
      store.quarantinedSegments++;
      store.logger.log(
          Level.ERROR, "write-ahead log: QUARANTINED " + seg.path + " -> " + target + q.why());
    }
  }
}
