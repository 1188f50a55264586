package io.github.elasticq.persistence.wal;

/**
 * A snapshot of the counters of a {@link WriteAheadLog}. Counters only grow while a log is open;
 * they start at zero on every open. Events per fsync is {@code recordsWritten / fsyncs}.
 *
 * @param recordsWritten records appended (events and tombstones)
 * @param writes group commits: {@code write} rounds of the writer thread
 * @param fsyncs {@code FileChannel.force} calls on segment files (group commits, periodic syncs,
 *     the sealing of a segment and the header of a new one); directory syncs are not counted
 * @param bytesWritten bytes appended to segments
 * @param segments segment files currently in the log
 * @param compactedSegments segments rewritten or dropped by compaction
 * @param reclaimedBytes bytes freed by compaction
 * @param truncatedBytes bytes cut from a torn tail when the log was opened
 * @param quarantinedSegments segments moved aside when the log was opened
 */
public record WalStats(
    long recordsWritten,
    long writes,
    long fsyncs,
    long bytesWritten,
    int segments,
    long compactedSegments,
    long reclaimedBytes,
    long truncatedBytes,
    int quarantinedSegments) {}
