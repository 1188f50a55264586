package io.github.elasticq.persistence.wal;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.function.Consumer;

/**
 * Replay of one persistence id: takes slices of its index (segment, offset, length per event),
 * reads each run of neighbouring records with one positional read (up to 1 MiB), checks every
 * record's checksum and decodes it on the calling thread. Readers hold a segment reference while
 * reading, so compaction never closes a channel under them.
 */
final class WalReplayer {
  private static final int REPLAY_CHUNK = 1024;
  private static final int MAX_COALESCED_READ = 1 << 20;

  private WalReplayer() {}

  /** See {@link WriteAheadLog#replay}. */
  static long replay(
      WalStore store,
      String persistenceId,
      long fromSequenceNr,
      long toSequenceNr,
      long max,
      Consumer<WalEvent> consumer)
      throws IOException {
    PidIndex idx = store.index.get(persistenceId);
    if (idx == null || max <= 0 || fromSequenceNr > toSequenceNr) {
      return 0;
    }
    PidIndex.Slice slice = new PidIndex.Slice((int) Math.min(max, REPLAY_CHUNK));
    ByteBuffer buf = ByteBuffer.allocate(8192);
    RecordCodec.EventDecoder decoder = new RecordCodec.EventDecoder(persistenceId);
    long next = fromSequenceNr;
    long count = 0;
    while (count < max && next <= toSequenceNr) {
      idx.slice(next, toSequenceNr, (int) Math.min(max - count, slice.seqs.length), slice);
      if (slice.n == 0) {
        break;
      }
      try {
        int i = 0;
        while (i < slice.n) {
          int j = i + 1;
          long runEnd = (long) slice.offs[i] + slice.lens[i];
          while (j < slice.n
              && slice.segs[j] == slice.segs[i]
              && slice.offs[j] == runEnd
              && runEnd + slice.lens[j] - slice.offs[i] <= MAX_COALESCED_READ) {
            runEnd += slice.lens[j];
            j++;
          }
          int runLength = (int) (runEnd - slice.offs[i]);
          if (buf.capacity() < runLength) {
            buf = ByteBuffer.allocate(Math.max(runLength, buf.capacity() * 2));
          }
          buf.clear().limit(runLength);
          Segment seg = slice.segs[i];
          seg.readFully(buf, slice.offs[i]);
          byte[] a = buf.array();
          int p = 0;
          for (int k = i; k < j; k++) {
            String problem = RecordCodec.validate(a, p, slice.lens[k]);
            if (problem != null) {
              throw new WalCorruptionException(seg.path, slice.offs[k], problem);
            }
            WalEvent event = decoder.event(a, p);
            if (event == null) {
              throw new WalCorruptionException(
                  seg.path,
                  slice.offs[k],
                  "the index entry of "
                      + persistenceId
                      + " points at a record that is not its event");
            }
            consumer.accept(event);
            p += slice.lens[k];
          }
          i = j;
        }
        count += slice.n;
        next = slice.seqs[slice.n - 1] + 1;
      } finally {
        slice.release();
      }
    }
    if (count > 0) {
      long replayed = count;
      store.notifyListener(l -> l.replayed(replayed));
    }
    return count;
  }
}
