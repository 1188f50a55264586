package io.github.elasticq.persistence.wal;

import static io.github.elasticq.persistence.wal.SegmentRecordDescriptor.FRAME_HEADER_LENGTH;
import static io.github.elasticq.persistence.wal.SegmentRecordDescriptor.MIN_BODY_LENGTH;
import static io.github.elasticq.persistence.wal.SegmentRecordDescriptor.SEGMENT_HEADER_LENGTH;
import static io.github.elasticq.persistence.wal.SegmentRecordDescriptor.SEGMENT_MAGIC;
import static io.github.elasticq.persistence.wal.SegmentRecordDescriptor.TYPE_EVENT;
import static io.github.elasticq.persistence.wal.SegmentRecordDescriptor.TYPE_TOMBSTONE;
import static io.github.elasticq.persistence.wal.SegmentRecordDescriptor.isReadableVersion;
import static io.github.elasticq.persistence.wal.SegmentRecordDescriptor.isValidBodyLength;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import java.util.zip.CRC32C;

/**
 * The index checkpoint of a sealed segment: a sidecar file {@code <20-digit id>.idx} next to {@code
 * <id>.wal} holding what a scan of the segment derives (type, persistence id, sequence number and
 * frame length of every committed record, in file order), so that opening the log can rebuild the
 * {@link PidIndex}es of that segment without reading it. Feeding these entries to the index in this
 * order makes exactly the calls the scan makes (appends, tombstones, dead bytes), so the resulting
 * index is the same. All integers are big-endian:
 *
 * <pre>
 *   0                   1                   2                   3
 *   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *  +---------------------------------------------------------------+
 *  |                     magic 0x45514958 ("EQIX")                 |
 *  +---------------------------------------------------------------+
 *  |                     checkpoint format version (1)             |
 *  +---------------------------------------------------------------+
 *  |                       segment id (int64)                      |
 *  +---------------------------------------------------------------+
 *  |             segment length in bytes (int64): the file size    |
 *  +---------------------------------------------------------------+
 *  |                 persistence id count (int32)                  |
 *  +---------------------------------------------------------------+
 *  |                      entry count (int32)                      |
 *  +---------------------------------------------------------------+
 *  |                  body length in bytes (int32)                 |
 *  +---------------------------------------------------------------+  body starts here (36)
 *  |  persistence ids, in order of first appearance in the segment: |
 *  |  UTF-8 length (u16), UTF-8 bytes; repeated "id count" times    ...
 *  +---------------+-----------------------------------------------+
 *  |  entries, in file order, 17 bytes each: type (u8), persistence |
 *  |  id index (int32), sequence number (int64), frame length (int32)|
 *  +---------------------------------------------------------------+
 *  |      CRC32C of every byte before it (header and body)          |
 *  +---------------------------------------------------------------+
 * </pre>
 *
 * <p>Offsets are not stored: the records of a sealed segment lie back to back from {@link
 * SegmentRecordDescriptor#SEGMENT_HEADER_LENGTH}, so an entry's offset is the sum of the frame
 * lengths before it, and the lengths must add up to the segment length exactly.
 *
 * <p><b>When a checkpoint is accepted</b> ({@link #load}): the file is exactly as long as its
 * header says, magic, version and CRC32C match, the segment id and length match the segment file,
 * every entry is well formed (type, id index, length) and the lengths add up to the segment length,
 * the segment file's header is valid for its id, and the first and the last record of the segment
 * are read and fully validated (length, CRC32C, structure) and carry the type, persistence id and
 * sequence number the checkpoint names. The last two checks reject a stale checkpoint of an earlier
 * file of the same name (compaction also deletes a segment's checkpoint before it replaces the
 * segment) and catch damage at the two ends of the segment.
 *
 * <p><b>What opening from a checkpoint does not check</b>: the CRC32C and structure of the records
 * between the first and the last, and the commit rule (batch-continues flags) of the segment. A
 * record damaged there is not found when the log opens; it is found, with file and offset, by the
 * first replay or query that reads it ({@link WalReplayer} validates every record it reads) and by
 * compaction (which scans the segment); a damaged record that nothing reads any more (deleted) is
 * not reported until compaction. {@code index-checkpoint = off} restores the full scan at every
 * open.
 *
 * <p>Checkpoints are written to {@code <id>.idx.tmp}, forced, and renamed over {@code <id>.idx}; a
 * leftover temporary file or a checkpoint without its segment is deleted on open. A checkpoint need
 * not be durable: a missing one only means a scan. Stateless; any thread.
 */
final class SegmentIndexCheckpoint {
  static final Pattern FILE_NAME = Pattern.compile("(\\d{20})\\.idx");
  static final String TEMP_SUFFIX = ".tmp";

  static final int MAGIC = 0x45514958;
  static final int VERSION = 1;
  static final int HEADER_LENGTH = 36;
  static final int ENTRY_LENGTH = 1 + 4 + 8 + 4;
  static final int CRC_LENGTH = 4;

  private static final int SMALLEST_FRAME = FRAME_HEADER_LENGTH + MIN_BODY_LENGTH;

  private SegmentIndexCheckpoint() {}

  /** The checkpoint file of segment {@code id} in {@code dir}. */
  static Path path(Path dir, long id) {
    return dir.resolve(String.format("%020d.idx", id));
  }

  /** A checkpoint that is not accepted: why, for the log line. */
  static final class Rejected extends Exception {
    private static final long serialVersionUID = 1L;

    Rejected(String reason) {
      super(reason, null, false, false);
    }
  }

  /**
   * The entries of a checkpoint, decoded and validated, in file order; offsets run from the segment
   * header. {@code persistenceIds} are in order of first appearance.
   */
  record Entries(String[] persistenceIds, byte[] types, int[] pidIndexes, long[] seqs, int[] lens) {
    int size() {
      return types.length;
    }
  }

  /**
   * Writes the checkpoint of {@code segmentId} (whose file is {@code segmentLength} bytes of
   * committed records, {@code entries} in file order): temporary file, force, atomic rename.
   */
  static void write(
      Path dir, long segmentId, long segmentLength, List<SegmentScanner.Entry> entries)
      throws IOException {
    Map<String, Integer> ids = new HashMap<>();
    int idBytes = 0;
    byte[][] utf8 = new byte[entries.size()][];
    int count = 0;
    for (SegmentScanner.Entry e : entries) {
      String pid = e.header().persistenceId();
      if (!ids.containsKey(pid)) {
        ids.put(pid, count);
        utf8[count] = pid.getBytes(StandardCharsets.UTF_8);
        idBytes += 2 + utf8[count].length;
        count++;
      }
    }
    long body = idBytes + (long) entries.size() * ENTRY_LENGTH;
    if (HEADER_LENGTH + body + CRC_LENGTH > Integer.MAX_VALUE) {
      throw new IOException("index checkpoint of segment " + segmentId + " would exceed 2 GiB");
    }
    ByteBuffer b = ByteBuffer.allocate((int) (HEADER_LENGTH + body + CRC_LENGTH));
    b.putInt(MAGIC)
        .putInt(VERSION)
        .putLong(segmentId)
        .putLong(segmentLength)
        .putInt(count)
        .putInt(entries.size())
        .putInt((int) body);
    for (int i = 0; i < count; i++) {
      b.putShort((short) utf8[i].length).put(utf8[i]);
    }
    for (SegmentScanner.Entry e : entries) {
      RecordCodec.Header h = e.header();
      b.put(h.type()).putInt(ids.get(h.persistenceId())).putLong(h.sequenceNr());
      b.putInt(e.frameLength());
    }
    CRC32C crc = new CRC32C();
    crc.update(b.array(), 0, b.position());
    b.putInt((int) crc.getValue());
    b.flip();
    Path target = path(dir, segmentId);
    Path tmp = target.resolveSibling(target.getFileName() + TEMP_SUFFIX);
    try (FileChannel ch =
        FileChannel.open(
            tmp,
            StandardOpenOption.CREATE,
            StandardOpenOption.TRUNCATE_EXISTING,
            StandardOpenOption.WRITE)) {
      long p = 0;
      while (b.hasRemaining()) {
        p += ch.write(b, p);
      }
      ch.force(false);
    } catch (IOException | RuntimeException e) {
      Files.deleteIfExists(tmp);
      throw e;
    }
    Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
  }

  /** Deletes the checkpoint of segment {@code id}, if any. */
  static void delete(Path dir, long id) throws IOException {
    Files.deleteIfExists(path(dir, id));
  }

  /**
   * Reads and validates the checkpoint of {@code seg} (a sealed segment just opened) against the
   * segment file; see the class comment for what is checked.
   *
   * @throws NoSuchFileException if there is no checkpoint
   * @throws Rejected if the checkpoint is not valid for this segment (the message says why)
   */
  static Entries load(Path dir, Segment seg) throws IOException, Rejected {
    Path file = path(dir, seg.id);
    byte[] a;
    try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
      long size = ch.size();
      if (size < HEADER_LENGTH + CRC_LENGTH) {
        throw new Rejected("truncated: " + size + " bytes, shorter than the header");
      }
      if (size > Integer.MAX_VALUE) {
        throw new Rejected("too large: " + size + " bytes");
      }
      ByteBuffer b = ByteBuffer.allocate((int) size);
      while (b.hasRemaining()) {
        if (ch.read(b, b.position()) < 0) {
          throw new Rejected("file shrank while reading");
        }
      }
      a = b.array();
    }
    ByteBuffer b = ByteBuffer.wrap(a);
    if (b.getInt(0) != MAGIC) {
      throw new Rejected(String.format("bad magic %08x", b.getInt(0)));
    }
    if (b.getInt(4) != VERSION) {
      throw new Rejected("unknown checkpoint version " + b.getInt(4));
    }
    int bodyLength = b.getInt(32);
    if (bodyLength < 0 || (long) HEADER_LENGTH + bodyLength + CRC_LENGTH != a.length) {
      throw new Rejected(
          "truncated or overlong: "
              + a.length
              + " bytes, the header announces "
              + ((long) HEADER_LENGTH + bodyLength + CRC_LENGTH));
    }
    CRC32C crc = new CRC32C();
    crc.update(a, 0, a.length - CRC_LENGTH);
    int stored = b.getInt(a.length - CRC_LENGTH);
    if (stored != (int) crc.getValue()) {
      throw new Rejected(
          String.format(
              "checksum mismatch (stored %08x, computed %08x)", stored, (int) crc.getValue()));
    }
    long segmentId = b.getLong(8);
    if (segmentId != seg.id) {
      throw new Rejected("it is the checkpoint of segment " + segmentId + ", not of " + seg.id);
    }
    long segmentLength = b.getLong(16);
    long fileSize = seg.channel().size();
    if (segmentLength != fileSize) {
      throw new Rejected(
          "it describes a segment of " + segmentLength + " bytes, the file has " + fileSize);
    }
    Entries entries = decode(b, bodyLength, segmentLength);
    checkEnds(seg, entries, segmentLength);
    return entries;
  }

  private static Entries decode(ByteBuffer b, int bodyLength, long segmentLength) throws Rejected {
    int idCount = b.getInt(24);
    int entryCount = b.getInt(28);
    int end = HEADER_LENGTH + bodyLength;
    if (idCount < 0 || entryCount < 0 || (long) entryCount * ENTRY_LENGTH > bodyLength) {
      throw new Rejected("bad counts: " + idCount + " ids, " + entryCount + " entries");
    }
    if (entryCount == 0 && segmentLength != SEGMENT_HEADER_LENGTH) {
      throw new Rejected("no entries for a segment of " + segmentLength + " bytes");
    }
    int entriesStart = end - entryCount * ENTRY_LENGTH;
    String[] ids = new String[idCount];
    int p = HEADER_LENGTH;
    for (int i = 0; i < idCount; i++) {
      if (p + 2 > entriesStart) {
        throw new Rejected("persistence id table overruns the entries");
      }
      int len = Short.toUnsignedInt(b.getShort(p));
      if (p + 2 + len > entriesStart) {
        throw new Rejected("persistence id table overruns the entries");
      }
      ids[i] = new String(b.array(), p + 2, len, StandardCharsets.UTF_8);
      p += 2 + len;
    }
    if (p != entriesStart) {
      throw new Rejected("persistence id table does not end where the entries start");
    }
    byte[] types = new byte[entryCount];
    int[] pidIndexes = new int[entryCount];
    long[] seqs = new long[entryCount];
    int[] lens = new int[entryCount];
    long offset = SEGMENT_HEADER_LENGTH;
    for (int i = 0; i < entryCount; i++, p += ENTRY_LENGTH) {
      byte type = b.get(p);
      int pid = b.getInt(p + 1);
      int len = b.getInt(p + 13);
      if (type != TYPE_EVENT && type != TYPE_TOMBSTONE) {
        throw new Rejected("entry " + i + ": bad record type " + type);
      }
      if (pid < 0 || pid >= idCount) {
        throw new Rejected("entry " + i + ": persistence id index " + pid + " out of range");
      }
      if (len < SMALLEST_FRAME || !isValidBodyLength(len - FRAME_HEADER_LENGTH)) {
        throw new Rejected("entry " + i + ": bad frame length " + len);
      }
      types[i] = type;
      pidIndexes[i] = pid;
      seqs[i] = b.getLong(p + 5);
      lens[i] = len;
      offset += len;
    }
    if (offset != segmentLength) {
      throw new Rejected(
          "its records end at offset " + offset + ", the segment at " + segmentLength);
    }
    return new Entries(ids, types, pidIndexes, seqs, lens);
  }

  /** Validates the segment header and the first and last records against the entries. */
  private static void checkEnds(Segment seg, Entries e, long segmentLength)
      throws IOException, Rejected {
    ByteBuffer h = ByteBuffer.allocate(SEGMENT_HEADER_LENGTH);
    seg.readFully(h, 0);
    if (h.getInt(0) != SEGMENT_MAGIC || !isReadableVersion(h.getInt(4)) || h.getLong(8) != seg.id) {
      throw new Rejected("the segment's header is not that of segment " + seg.id);
    }
    int n = e.size();
    if (n == 0) {
      return;
    }
    checkRecord(seg, e, 0, SEGMENT_HEADER_LENGTH);
    if (n > 1) {
      checkRecord(seg, e, n - 1, segmentLength - e.lens[n - 1]);
    }
  }

  private static void checkRecord(Segment seg, Entries e, int i, long offset)
      throws IOException, Rejected {
    ByteBuffer r = ByteBuffer.allocate(e.lens[i]);
    seg.readFully(r, offset);
    r.flip();
    String problem = RecordCodec.validate(r, e.lens[i]);
    if (problem == null && RecordCodec.bodyLength(r, 0) + FRAME_HEADER_LENGTH != e.lens[i]) {
      problem = "frame length " + (RecordCodec.bodyLength(r, 0) + FRAME_HEADER_LENGTH);
    }
    if (problem == null) {
      RecordCodec.Header h = RecordCodec.header(r, 0, new RecordCodec.StringCache());
      if (h.type() != e.types[i]
          || h.sequenceNr() != e.seqs[i]
          || !h.persistenceId().equals(e.persistenceIds[e.pidIndexes[i]])) {
        problem =
            "holds "
                + h.persistenceId()
                + " seq "
                + h.sequenceNr()
                + ", the checkpoint names "
                + e.persistenceIds[e.pidIndexes[i]]
                + " seq "
                + e.seqs[i];
      }
    }
    if (problem != null) {
      throw new Rejected(
          "the segment's record at offset " + offset + " does not match it: " + problem);
    }
  }
}
