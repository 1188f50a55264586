package io.github.elasticq.persistence.wal;

import static io.github.elasticq.persistence.wal.SegmentRecordDescriptor.SEGMENT_HEADER_LENGTH;
import static io.github.elasticq.persistence.wal.SegmentRecordDescriptor.SEGMENT_VERSION;
import static io.github.elasticq.persistence.wal.SegmentRecordDescriptor.TYPE_EVENT;
import static io.github.elasticq.persistence.wal.SegmentRecordDescriptor.TYPE_TOMBSTONE;

import java.io.IOException;
import java.lang.System.Logger.Level;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
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
 * WalStore}. Zeros after the last record (preallocated space) are not damage: the segment's logical
 * end is set before them, and the active segment's appends continue there, over the zeros. Runs on
 * the opening thread before the writer starts.
 */
final class WalRecovery {
  static final String COMPACTING_SUFFIX = ".compacting";
  private static final String QUARANTINE_DIR = "quarantine";

  private final WalStore store;
  private final Path dir;
  private final WalLogger logger;

  private WalRecovery(WalStore store) {
    this.store = store;
    this.dir = store.dir;
    this.logger = store.logger;
  }

  /**
   * Recovers the segments of {@code store.dir} into {@code store} and sets its active segment
   * (creating a first one if needed). On failure the caller closes the segments opened so far.
   */
  static void recover(WalStore store) throws IOException {
    new WalRecovery(store).recover();
  }

  private void recover() throws IOException {
    TreeMap<Long, Path> files = new TreeMap<>();
    try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir)) {
      for (Path p : ds) {
        String name = p.getFileName().toString();
        if (name.endsWith(COMPACTING_SUFFIX)) {
          logger.log(Level.INFO, "write-ahead log: removing unfinished compaction output " + p);
          Files.delete(p);
          continue;
        }
        Matcher m = Segment.FILE_NAME.matcher(name);
        if (m.matches()) {
          files.put(Long.parseLong(m.group(1)), p);
        }
      }
    }
    long maxId = files.isEmpty() ? 0 : files.lastKey();
    Segment last = null;
    for (Map.Entry<Long, Path> f : files.entrySet()) {
      boolean isLast = f.getKey() == maxId;
      Segment seg = Segment.open(f.getValue(), f.getKey(), isLast);
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
      // Appends go only to a segment of the current version (see SegmentRecordDescriptor):
      // the last segment of an older log stays sealed and the log continues in a new one.
      if (isLast && scanner.version() == SEGMENT_VERSION) {
        last = seg;
      }
    }
    store.nextSegmentId = maxId + 1;
    if (last == null) {
      last = Segment.create(dir, store.nextSegmentId++, true, store.preallocateTo());
      store.syncDirectory();
      store.segments.put(last.id, last);
    }
    store.active = last;
    store.compactableBelow = last.id;
  }

  private void quarantine(Segment seg, SegmentScanner.Result r, WalCorruptionException cause)
      throws IOException {
    Path qdir = dir.resolve(QUARANTINE_DIR);
    Files.createDirectories(qdir);
    Path target =
        qdir.resolve(seg.path.getFileName() + "." + Instant.now().toEpochMilli() + ".corrupt");
    seg.retire();
    Files.move(seg.path, target, StandardCopyOption.ATOMIC_MOVE);
    store.syncDirectory();
    store.quarantinedSegments++;
    List<SegmentScanner.Entry> readable = new ArrayList<>(r.entries());
    if (r.nextValidOffset() >= 0) {
      try (FileChannel ch = FileChannel.open(target, StandardOpenOption.READ)) {
        readable.addAll(new SegmentScanner(ch).salvage(r.nextValidOffset()));
      }
    }
    Map<String, long[]> lost = new LinkedHashMap<>();
    for (SegmentScanner.Entry e : readable) {
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
    logger.log(
        Level.ERROR,
        "write-ahead log: QUARANTINED "
            + seg.path
            + " -> "
            + target
            + " because: "
            + cause.getMessage()
            + ". Lost the segment's "
            + readable.size()
            + " readable record(s)"
            + (sb.length() > 0 ? " [" + sb + "]" : "")
            + " and whatever the damaged bytes from offset "
            + r.problemOffset()
            + " held");
  }
}
