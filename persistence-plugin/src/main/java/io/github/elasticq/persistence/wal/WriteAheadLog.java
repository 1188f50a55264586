package io.github.elasticq.persistence.wal;

import static io.github.elasticq.persistence.wal.SegmentRecordDescriptor.FLAGS_OFFSET;
import static io.github.elasticq.persistence.wal.SegmentRecordDescriptor.FLAG_BATCH_CONTINUES;
import static io.github.elasticq.persistence.wal.SegmentRecordDescriptor.FRAME_HEADER_LENGTH;
import static io.github.elasticq.persistence.wal.SegmentRecordDescriptor.SEGMENT_HEADER_LENGTH;
import static io.github.elasticq.persistence.wal.SegmentRecordDescriptor.SEGMENT_VERSION;
import static io.github.elasticq.persistence.wal.SegmentRecordDescriptor.TYPE_EVENT;
import static io.github.elasticq.persistence.wal.SegmentRecordDescriptor.TYPE_TOMBSTONE;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.System.Logger.Level;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.function.Consumer;
import java.util.regex.Matcher;

/**
 * An append-only, checksummed, group-committed write-ahead log of events, keyed by persistence id:
 * the storage engine behind {@code WalJournal}. It has no Pekko dependency, so a plain JVM (a crash
 * test child, a benchmark) can run it with {@code WriteAheadLog.open(WalSettings.builder(dir)
 * .syncMode(...).build())}.
 *
 * <h2>Design</h2>
 *
 * <ul>
 *   <li><b>Segments.</b> The directory holds segment files {@code <id>.wal} laid out as in {@link
 *       SegmentRecordDescriptor}; only the newest (active) one is appended to.
 *   <li><b>Group commit.</b> {@link #append} and {@link #deleteTo} enqueue a request; one writer
 *       thread takes every queued request (up to {@code max-batch-bytes}), copies their pre-encoded
 *       frames into one buffer, issues one positional write and, in {@link SyncMode#EVERY_WRITE},
 *       one {@code FileChannel.force}; only then does it publish the records to the index and
 *       complete the futures. While it forces, new requests queue up and form the next batch, so
 *       concurrent writers share fsyncs (see {@link #stats()}: {@code recordsWritten / fsyncs}).
 *   <li><b>Index.</b> Each persistence id has an in-memory index of its live events (segment,
 *       offset, length), its highest sequence number and its latest tombstone, rebuilt on open by
 *       scanning the segments once. A replay reads only that id's records, with positional reads,
 *       coalescing neighbours into one read.
 *   <li><b>Deletes.</b> {@link #deleteTo} appends a tombstone whose sequence number is {@code
 *       min(toSequenceNr, highest)}; the highest sequence number is never lowered.
 *   <li><b>Compaction.</b> A sealed segment with enough dead bytes is rewritten with only its live
 *       records (events still indexed, the latest tombstone of each id) to a temporary file, which
 *       is forced, atomically renamed over the segment and followed by a directory fsync; a segment
 *       with nothing live is deleted. A crash at any point leaves either the old or the new file,
 *       both complete; leftover temporary files are deleted on open.
 *   <li><b>Recovery.</b> On open, a torn tail of the last segment (partial or zero-filled frame,
 *       bad checksum on the last frame, an atomic write not completely written) is truncated at the
 *       last committed record and logged. Damage followed by valid data, or in a segment other than
 *       the last, fails the open with a {@link WalCorruptionException} naming file and offset, or,
 *       with {@code quarantine-corrupt-segments}, moves the segment to {@code quarantine/} and logs
 *       the records lost.
 *   <li><b>Lock.</b> {@code dir/LOCK} is locked with {@code FileChannel.tryLock} for the lifetime
 *       of the instance; a second open in any process fails with {@link WalLockedException}.
 * </ul>
 *
 * <h2>Durability</h2>
 *
 * A future returned by {@link #append} completes after the write is in the OS page cache and, with
 * {@link SyncMode#EVERY_WRITE}, after it is forced to the device. Hence: a process crash (kill -9)
 * loses no completed write in any mode; an OS crash or power loss loses none with {@code
 * every-write}, those of the last {@code sync-interval} with {@code periodic}, and anything not yet
 * written back by the kernel with {@code no-sync} (see {@link SyncMode}). A write whose future
 * failed may or may not be stored.
 *
 * <h2>Threads</h2>
 *
 * All public methods may be called from any thread. Completing an append's future happens-after its
 * records are visible to {@link #replay} and {@link #highestSequenceNr}. Futures are completed on
 * the writer thread: dependants should be cheap or hop to their own executor.
 */
public final class WriteAheadLog implements AutoCloseable {
  private static final String LOCK_FILE = "LOCK";
  private static final String COMPACTING_SUFFIX = ".compacting";
  private static final String QUARANTINE_DIR = "quarantine";
  private static final int REPLAY_CHUNK = 1024;
  private static final int MAX_COALESCED_READ = 1 << 20;

  private final WalSettings settings;
  private final Path dir;
  private final WalLogger logger;
  private final SyncMode syncMode;

  private final FileChannel lockChannel;
  private final FileLock lock;

  private final ConcurrentSkipListMap<Long, Segment> segments = new ConcurrentSkipListMap<>();
  private final ConcurrentHashMap<String, PidIndex> index = new ConcurrentHashMap<>();
  private final List<String> idsInOrder = new ArrayList<>();

  private volatile Segment active;

  /**
   * Segments with a smaller id are sealed and all their records are in the index; set by the writer
   * after it publishes a batch, read by compaction. A segment sealed in the middle of a batch must
   * not be compacted before that batch is indexed, or its records would look dead.
   */
  private volatile long compactableBelow;

  private long nextSegmentId;

  private final LinkedBlockingQueue<Request> queue = new LinkedBlockingQueue<>();
  private final ReentrantReadWriteLock closeLock = new ReentrantReadWriteLock();
  private final AtomicBoolean closed = new AtomicBoolean();
  private final Thread writer;
  private final ScheduledExecutorService syncScheduler;
  private final ScheduledExecutorService compactionScheduler;
  private final Object compactionLock = new Object();

  /** Last storage failure of the writer; cleared by a successful repair. Writer thread only. */
  private Exception failure;

  private final List<Touched> touched = new ArrayList<>();
  private ByteBuffer out = ByteBuffer.allocateDirect(1 << 20);

  private final ConcurrentHashMap<String, Set<CompletableFuture<Void>>> appendWaiters =
      new ConcurrentHashMap<>();
  private final Set<CompletableFuture<Void>> newIdWaiters = new HashSet<>();

  private final AtomicLong recordsWritten = new AtomicLong();
  private final AtomicLong writes = new AtomicLong();
  private final AtomicLong fsyncs = new AtomicLong();
  private final AtomicLong bytesWritten = new AtomicLong();
  private final AtomicLong compactedSegments = new AtomicLong();
  private final AtomicLong reclaimedBytes = new AtomicLong();
  private long truncatedBytes;
  private int quarantinedSegments;
  private long lastSyncedBytes;

  private WriteAheadLog(WalSettings settings) throws IOException {
    this.settings = settings;
    this.dir = settings.dir().toAbsolutePath().normalize();
    this.logger = settings.logger();
    this.syncMode = settings.syncMode();
    Files.createDirectories(dir);
    Path lockPath = dir.resolve(LOCK_FILE);
    FileChannel lc =
        FileChannel.open(lockPath, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
    FileLock fl;
    try {
      fl = lc.tryLock();
    } catch (OverlappingFileLockException e) {
      lc.close();
      throw new WalLockedException(
          dir, "it is already open in this JVM (another ActorSystem or WriteAheadLog instance)");
    } catch (IOException | RuntimeException e) {
      lc.close();
      throw e;
    }
    if (fl == null) {
      lc.close();
      throw new WalLockedException(dir, "another process holds the lock on " + lockPath);
    }
    this.lockChannel = lc;
    this.lock = fl;
    try {
      lc.truncate(0);
      lc.write(
          ByteBuffer.wrap(
              (ProcessHandle.current().pid() + "\n").getBytes(StandardCharsets.US_ASCII)),
          0);
      recover();
    } catch (IOException | RuntimeException e) {
      closeSegmentsQuietly();
      fl.release();
      lc.close();
      throw e;
    }
    this.writer = new Thread(this::writerLoop, "elasticq-wal-writer[" + dir.getFileName() + "]");
    this.writer.setDaemon(true);
    this.writer.start();
    if (syncMode == SyncMode.PERIODIC) {
      long ms = Math.max(1, settings.syncInterval().toMillis());
      syncScheduler = Executors.newSingleThreadScheduledExecutor(daemon("elasticq-wal-sync"));
      syncScheduler.scheduleWithFixedDelay(this::periodicSync, ms, ms, TimeUnit.MILLISECONDS);
    } else {
      syncScheduler = null;
    }
    if (settings.compactionEnabled()) {
      long ms = Math.max(1, settings.compactionInterval().toMillis());
      compactionScheduler =
          Executors.newSingleThreadScheduledExecutor(daemon("elasticq-wal-compaction"));
      compactionScheduler.scheduleWithFixedDelay(
          this::backgroundCompaction, ms, ms, TimeUnit.MILLISECONDS);
    } else {
      compactionScheduler = null;
    }
  }

  /**
   * Opens (creating if needed) the log in {@code settings.dir()}: locks the directory, recovers the
   * segments and rebuilds the index, then starts the writer thread. Blocks for the duration of the
   * scan; call it from a thread that may block.
   *
   * @throws WalLockedException if the directory is open elsewhere (message names the directory)
   * @throws WalCorruptionException if a segment is damaged before the tail and quarantine is off
   * @throws IOException on any other I/O error
   */
  public static WriteAheadLog open(WalSettings settings) throws IOException {
    return new WriteAheadLog(settings);
  }

  // ------------------------------------------------------------------------------------------
  // Public API

  /** The settings this log was opened with. */
  public WalSettings settings() {
    return settings;
  }

  /** The absolute, normalized directory of this log. */
  public Path directory() {
    return dir;
  }

  /**
   * Appends atomic writes in list order; each is stored entirely or not at all. The future
   * completes when all are durable as the {@link SyncMode} defines, and fails with the I/O error if
   * storing failed (then none, some or all of them may be stored). Any thread.
   */
  public CompletableFuture<Void> append(List<WalWrite> atomicWrites) {
    long bytes = 0;
    for (WalWrite w : atomicWrites) {
      bytes += w.byteSize();
    }
    return enqueue(new Request(List.copyOf(atomicWrites), null, 0, bytes));
  }

  /** Appends one atomic write; see {@link #append(List)}. */
  public CompletableFuture<Void> append(WalWrite atomicWrite) {
    return append(List.of(atomicWrite));
  }

  /**
   * Deletes the events of {@code persistenceId} with sequence numbers up to {@code toSequenceNr}
   * (clamped to the highest sequence number; {@code Long.MAX_VALUE} deletes all) by appending a
   * tombstone, durable as the {@link SyncMode} defines. The highest sequence number is unchanged.
   * Ordered after every append enqueued before it. Any thread.
   */
  public CompletableFuture<Void> deleteTo(String persistenceId, long toSequenceNr) {
    return enqueue(new Request(null, persistenceId, toSequenceNr, 64));
  }

  /**
   * The highest sequence number ever appended for {@code persistenceId} (deletions and compaction
   * do not lower it); 0 if unknown. Reflects every append whose future has completed. Any thread.
   */
  public long highestSequenceNr(String persistenceId) {
    PidIndex idx = index.get(persistenceId);
    return idx == null ? 0 : idx.highest();
  }

  /**
   * Reads the live (not deleted) events of {@code persistenceId} with sequence numbers in {@code
   * [fromSequenceNr, toSequenceNr]}, in order, at most {@code max}, passing each to {@code
   * consumer} on the calling thread. Sees every append whose future completed before the call.
   * Blocking; any thread, concurrently with writes and other replays.
   *
   * @return the number of events passed to the consumer
   * @throws WalCorruptionException if a stored record no longer matches its checksum
   */
  public long replay(
      String persistenceId,
      long fromSequenceNr,
      long toSequenceNr,
      long max,
      Consumer<WalEvent> consumer)
      throws IOException {
    PidIndex idx = index.get(persistenceId);
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
    return count;
  }

  /** Convenience: all live events of {@code persistenceId} in a list. Blocking; any thread. */
  public List<WalEvent> readAll(String persistenceId) throws IOException {
    List<WalEvent> events = new ArrayList<>();
    replay(persistenceId, 1, Long.MAX_VALUE, Long.MAX_VALUE, events::add);
    return events;
  }

  /**
   * Persistence ids in the order they first appeared, starting at position {@code from} of that
   * order (0 for all). Ids whose events were all deleted are still listed. Any thread.
   */
  public List<String> persistenceIds(int from) {
    synchronized (idsInOrder) {
      int n = idsInOrder.size();
      return from >= n ? List.of() : List.copyOf(idsInOrder.subList(Math.max(0, from), n));
    }
  }

  /**
   * A future that completes when an append or delete of {@code persistenceId} is published (or
   * exceptionally when the log closes). Register before reading to never miss an append; pass it to
   * {@link #cancelAwait} if it is abandoned. Completed on the writer thread. Any thread.
   */
  public CompletableFuture<Void> awaitAppend(String persistenceId) {
    CompletableFuture<Void> f = new CompletableFuture<>();
    appendWaiters.compute(
        persistenceId,
        (k, set) -> {
          Set<CompletableFuture<Void>> s = set == null ? new HashSet<>() : set;
          s.add(f);
          return s;
        });
    if (closed.get()) {
      f.completeExceptionally(closedException());
    }
    return f;
  }

  /** Forgets a future from {@link #awaitAppend}. Any thread. */
  public void cancelAwait(String persistenceId, CompletableFuture<Void> waiter) {
    appendWaiters.computeIfPresent(
        persistenceId,
        (k, set) -> {
          set.remove(waiter);
          return set.isEmpty() ? null : set;
        });
  }

  /**
   * A future that completes when a new persistence id appears (or exceptionally on close). Pass it
   * to {@link #cancelAwaitNewPersistenceId} if abandoned. Any thread.
   */
  public CompletableFuture<Void> awaitNewPersistenceId() {
    CompletableFuture<Void> f = new CompletableFuture<>();
    synchronized (newIdWaiters) {
      newIdWaiters.add(f);
    }
    if (closed.get()) {
      f.completeExceptionally(closedException());
    }
    return f;
  }

  /** Forgets a future from {@link #awaitNewPersistenceId}. Any thread. */
  public void cancelAwaitNewPersistenceId(CompletableFuture<Void> waiter) {
    synchronized (newIdWaiters) {
      newIdWaiters.remove(waiter);
    }
  }

  /** A snapshot of the counters. Any thread; never blocks the writer. */
  public WalStats stats() {
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

  /** Paths of the segment files, oldest first. Any thread. */
  public List<Path> segmentFiles() {
    List<Path> paths = new ArrayList<>();
    for (Segment s : segments.values()) {
      paths.add(s.path);
    }
    return paths;
  }

  /**
   * Compacts every sealed segment whose dead ratio is at least {@code compaction.min-dead-ratio},
   * on the calling thread (blocking); runs concurrently with appends and replays, and serially with
   * other compactions. Crash-safe at every step.
   *
   * @return the number of segments rewritten or dropped
   */
  public int compact() throws IOException {
    return compact(settings.compactionMinDeadRatio());
  }

  /** As {@link #compact()}, with an explicit dead-ratio threshold in (0, 1]. */
  public int compact(double minDeadRatio) throws IOException {
    synchronized (compactionLock) {
      if (closed.get()) {
        throw closedException();
      }
      int done = 0;
      long below = compactableBelow;
      for (Segment seg : List.copyOf(segments.values())) {
        if (seg.id < below && seg.deadRatio() >= minDeadRatio) {
          compactSegment(seg);
          done++;
        }
      }
      return done;
    }
  }

  /**
   * Stops accepting writes, completes the queued ones, forces the log (in every mode), releases the
   * channels and the directory lock. Appends after close fail with {@link IllegalStateException}.
   * Blocks; any thread; idempotent.
   */
  @Override
  public void close() throws IOException {
    closeLock.writeLock().lock();
    try {
      if (!closed.compareAndSet(false, true)) {
        return;
      }
      queue.add(Request.CLOSE);
    } finally {
      closeLock.writeLock().unlock();
    }
    boolean interrupted = false;
    while (writer.isAlive()) {
      try {
        writer.join();
      } catch (InterruptedException e) {
        interrupted = true;
      }
    }
    for (ScheduledExecutorService s :
        new ScheduledExecutorService[] {syncScheduler, compactionScheduler}) {
      if (s != null) {
        s.shutdownNow();
        try {
          s.awaitTermination(1, TimeUnit.MINUTES);
        } catch (InterruptedException e) {
          interrupted = true;
        }
      }
    }
    synchronized (compactionLock) {
      try {
        if (failure == null) {
          forceCounted(active);
        }
      } finally {
        closeSegmentsQuietly();
        failWaiters();
        try {
          lock.release();
        } finally {
          lockChannel.close();
        }
      }
    }
    if (interrupted) {
      Thread.currentThread().interrupt();
    }
  }

  /** Whether {@link #close()} has been called. */
  public boolean isClosed() {
    return closed.get();
  }

  @Override
  public String toString() {
    return "WriteAheadLog[" + dir + ", " + syncMode.configName() + "]";
  }

  // ------------------------------------------------------------------------------------------
  // Writer thread

  private CompletableFuture<Void> enqueue(Request r) {
    closeLock.readLock().lock();
    try {
      if (closed.get()) {
        r.future.completeExceptionally(closedException());
      } else {
        queue.add(r);
      }
    } finally {
      closeLock.readLock().unlock();
    }
    return r.future;
  }

  private IllegalStateException closedException() {
    return new IllegalStateException("write-ahead log " + dir + " is closed");
  }

  private void writerLoop() {
    List<Request> batch = new ArrayList<>();
    boolean running = true;
    while (running) {
      Request first;
      try {
        first = queue.take();
      } catch (InterruptedException e) {
        continue;
      }
      long bytes = 0;
      Request r = first;
      while (r != null) {
        if (r == Request.CLOSE) {
          running = false;
          break;
        }
        batch.add(r);
        bytes += r.bytes;
        Request peek = queue.peek();
        r =
            peek != null
                    && (bytes + peek.bytes <= settings.maxBatchBytes() || peek == Request.CLOSE)
                ? queue.poll()
                : null;
      }
      if (!batch.isEmpty()) {
        try {
          writeBatch(batch);
        } catch (Throwable t) {
          for (Request q : batch) {
            q.future.completeExceptionally(t);
          }
          logger.log(Level.ERROR, "write-ahead log " + dir + ": writer failed: " + t);
        }
        batch.clear();
      }
    }
    Request left;
    while ((left = queue.poll()) != null) {
      left.future.completeExceptionally(closedException());
    }
  }

  /** One group commit. Writer thread only. */
  private void writeBatch(List<Request> batch) {
    if (failure != null) {
      try {
        repair();
      } catch (IOException e) {
        IOException err =
            new IOException(
                "write-ahead log "
                    + dir
                    + " cannot write after an earlier storage failure ("
                    + failure
                    + "); repair failed: "
                    + e,
                e);
        for (Request q : batch) {
          q.future.completeExceptionally(err);
        }
        return;
      }
    }
    List<Placement> placements = new ArrayList<>();
    Map<String, long[]> batchState = new HashMap<>();
    touched.clear();
    Segment seg = active;
    long[] pos = {seg.size};
    touched.add(new Touched(seg, seg.size));
    int records = 0;
    String statePid = null;
    long[] state = null;
    try {
      out.clear();
      for (Request r : batch) {
        List<WalWrite> ws = r.writes;
        if (ws == null) {
          long[] st = stateOf(batchState, r.deletePid);
          long target = Math.min(r.deleteTo, st[0]);
          if (target <= st[1]) {
            continue;
          }
          st[1] = target;
          ws = List.of(WalWrite.tombstone(r.deletePid, target));
        }
        for (WalWrite w : ws) {
          long at = pos[0] + out.position();
          if (at > SEGMENT_HEADER_LENGTH && at + w.frames.length > settings.segmentSize()) {
            flush(seg, pos);
            if (syncMode != SyncMode.NO_SYNC) {
              forceCounted(seg);
            }
            seg = roll();
            pos[0] = seg.size;
            touched.add(new Touched(seg, seg.size));
            at = pos[0];
          }
          if (out.remaining() < w.frames.length) {
            flush(seg, pos);
            if (out.capacity() < w.frames.length) {
              out = ByteBuffer.allocateDirect(Integer.highestOneBit(w.frames.length) << 1);
            }
            at = pos[0];
          }
          out.put(w.frames);
          placements.add(new Placement(w, seg, (int) at));
          records += w.sequenceNrs.length;
          if (w.type == TYPE_EVENT) {
            if (!w.persistenceId.equals(statePid)) {
              statePid = w.persistenceId;
              state = stateOf(batchState, statePid);
            }
            state[0] = Math.max(state[0], w.highestSequenceNr());
          }
        }
      }
      flush(seg, pos);
      if (syncMode == SyncMode.EVERY_WRITE && records > 0) {
        forceCounted(seg);
      }
    } catch (IOException | RuntimeException e) {
      failure = e;
      IOException err =
          e instanceof IOException io
              ? io
              : new IOException("write-ahead log " + dir + " failed to write: " + e, e);
      logger.log(
          Level.ERROR,
          "write-ahead log "
              + dir
              + ": write failed, "
              + batch.size()
              + " request(s) failed: "
              + e);
      try {
        // Repair before failing the futures, so a caller that reacts to the failure finds the log
        // readable and without the failed batch.
        repair();
      } catch (IOException re) {
        logger.log(
            Level.ERROR,
            "write-ahead log "
                + dir
                + ": repair after failed write failed, will retry on next write: "
                + re);
      }
      for (Request q : batch) {
        q.future.completeExceptionally(err);
      }
      return;
    }
    if (records > 0) {
      writes.incrementAndGet();
      recordsWritten.addAndGet(records);
    }
    Set<String> changed = new HashSet<>();
    boolean newIds = false;
    PidIndex idx = null;
    for (Placement p : placements) {
      String pid = p.write.persistenceId;
      if (idx == null || !idx.persistenceId.equals(pid)) {
        idx = index.get(pid);
        if (idx == null) {
          idx = newPidIndex(pid);
          newIds = true;
        }
        changed.add(pid);
      }
      idx.apply(p.write, p.segment, p.offset);
    }
    // Every record of the segments before the active one is now indexed: they may be compacted.
    compactableBelow = active.id;
    for (Request r : batch) {
      r.future.complete(null);
    }
    for (String pid : changed) {
      Set<CompletableFuture<Void>> ws = appendWaiters.remove(pid);
      if (ws != null) {
        for (CompletableFuture<Void> f : ws) {
          f.complete(null);
        }
      }
    }
    if (newIds) {
      List<CompletableFuture<Void>> ws;
      synchronized (newIdWaiters) {
        ws = List.copyOf(newIdWaiters);
        newIdWaiters.clear();
      }
      for (CompletableFuture<Void> f : ws) {
        f.complete(null);
      }
    }
  }

  /** {highest, deletedTo} of a persistence id including this batch's earlier requests. */
  private long[] stateOf(Map<String, long[]> batchState, String pid) {
    return batchState.computeIfAbsent(
        pid,
        k -> {
          PidIndex idx = index.get(k);
          return idx == null ? new long[] {0, 0} : new long[] {idx.highest(), idx.deletedTo()};
        });
  }

  private void flush(Segment seg, long[] pos) throws IOException {
    out.flip();
    int n = out.remaining();
    if (n > 0) {
      seg.write(out, pos[0]);
      pos[0] += n;
      seg.size = pos[0];
      bytesWritten.addAndGet(n);
    }
    out.clear();
  }

  private Segment roll() throws IOException {
    boolean sync = syncMode != SyncMode.NO_SYNC;
    Segment s = Segment.create(dir, nextSegmentId++, sync);
    if (sync) {
      fsyncCounted();
      syncDirectory();
    }
    segments.put(s.id, s);
    active = s;
    return s;
  }

  /** Adds a persistence id to the index. Writer thread only (the only one that adds ids). */
  private PidIndex newPidIndex(String pid) {
    PidIndex idx = new PidIndex(pid);
    index.put(pid, idx);
    synchronized (idsInOrder) {
      idsInOrder.add(pid);
    }
    return idx;
  }

  /** After a failed write: cut every touched segment back to where this batch began. */
  private void repair() throws IOException {
    for (Touched t : touched) {
      t.segment.reopenWritable();
      t.segment.truncate(t.sizeBefore);
      t.segment.force();
    }
    touched.clear();
    logger.log(
        Level.WARNING, "write-ahead log " + dir + ": recovered from storage failure " + failure);
    failure = null;
  }

  private void forceCounted(Segment s) throws IOException {
    s.force();
    fsyncCounted();
  }

  private void fsyncCounted() {
    fsyncs.incrementAndGet();
  }

  private void periodicSync() {
    try {
      long written = bytesWritten.get();
      Segment s = active;
      if (written != lastSyncedBytes) {
        forceCounted(s);
        lastSyncedBytes = written;
      }
    } catch (IOException | RuntimeException e) {
      logger.log(
          Level.ERROR, "write-ahead log " + dir + ": periodic sync failed, will retry: " + e);
    }
  }

  private void backgroundCompaction() {
    try {
      int n = compact();
      if (n > 0) {
        logger.log(Level.DEBUG, "write-ahead log " + dir + ": compacted " + n + " segment(s)");
      }
    } catch (IOException | RuntimeException e) {
      if (!closed.get()) {
        logger.log(Level.ERROR, "write-ahead log " + dir + ": compaction failed, will retry: " + e);
      }
    }
  }

  private void syncDirectory() throws IOException {
    try (FileChannel d = FileChannel.open(dir, StandardOpenOption.READ)) {
      d.force(true);
    }
  }

  // ------------------------------------------------------------------------------------------
  // Compaction

  private void compactSegment(Segment seg) throws IOException {
    if (!seg.acquire()) {
      return;
    }
    List<SegmentScanner.Entry> kept = new ArrayList<>();
    long size;
    Path tmp = dir.resolve(seg.path.getFileName() + COMPACTING_SUFFIX);
    try {
      SegmentScanner scanner = new SegmentScanner(seg.channel());
      SegmentScanner.Result r = scanner.scan(seg.id);
      if (!r.clean()) {
        throw new WalCorruptionException(seg.path, r.problemOffset(), r.problem());
      }
      for (SegmentScanner.Entry e : r.entries()) {
        PidIndex idx = index.get(e.header().persistenceId());
        boolean live =
            idx != null
                && (e.header().type() == TYPE_TOMBSTONE
                    ? idx.isLatestTombstone(seg, e.offset())
                    : idx.isLiveEvent(e.header().sequenceNr(), seg, e.offset()));
        if (live) {
          kept.add(e);
        }
      }
      size = r.fileSize();
      if (kept.isEmpty()) {
        segments.remove(seg.id, seg);
        Files.delete(seg.path);
        syncDirectory();
        reclaimedBytes.addAndGet(size);
        compactedSegments.incrementAndGet();
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
      Files.move(
          tmp, seg.path, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      syncDirectory();
      Segment fresh = Segment.open(seg.path, seg.id, false);
      segments.put(seg.id, fresh);
      for (int i = 0; i < kept.size(); i++) {
        SegmentScanner.Entry e = kept.get(i);
        PidIndex idx = index.get(e.header().persistenceId());
        if (!idx.relocate(
            e.header().type(), e.header().sequenceNr(), seg, e.offset(), fresh, newOffsets[i])) {
          fresh.addDead(e.frameLength());
        }
      }
      reclaimedBytes.addAndGet(size - newSize);
      compactedSegments.incrementAndGet();
      logger.log(
          Level.DEBUG,
          "write-ahead log: compacted " + seg.path + " from " + size + " to " + newSize + " bytes");
      seg.retire();
    } finally {
      Files.deleteIfExists(tmp);
      seg.release();
    }
  }

  // ------------------------------------------------------------------------------------------
  // Recovery

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
          truncatedBytes += cut;
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
          if (!settings.quarantineCorruptSegments()) {
            seg.retire();
            closeSegmentsQuietly();
            throw corrupt;
          }
          quarantine(seg, r, corrupt);
          continue;
        }
      }
      segments.put(seg.id, seg);
      String lastPid = null;
      PidIndex idx = null;
      for (SegmentScanner.Entry e : r.entries()) {
        RecordCodec.Header h = e.header();
        // The scanner hands back the same string for a run of records of one id.
        if (h.persistenceId() != lastPid) {
          lastPid = h.persistenceId();
          idx =
              index.computeIfAbsent(
                  lastPid,
                  k -> {
                    synchronized (idsInOrder) {
                      idsInOrder.add(k);
                    }
                    return new PidIndex(k);
                  });
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
    nextSegmentId = maxId + 1;
    if (last == null) {
      last = Segment.create(dir, nextSegmentId++, true);
      syncDirectory();
      segments.put(last.id, last);
    }
    active = last;
    compactableBelow = last.id;
  }

  private void quarantine(Segment seg, SegmentScanner.Result r, WalCorruptionException cause)
      throws IOException {
    Path qdir = dir.resolve(QUARANTINE_DIR);
    Files.createDirectories(qdir);
    Path target =
        qdir.resolve(seg.path.getFileName() + "." + Instant.now().toEpochMilli() + ".corrupt");
    seg.retire();
    Files.move(seg.path, target, StandardCopyOption.ATOMIC_MOVE);
    syncDirectory();
    quarantinedSegments++;
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

  private void closeSegmentsQuietly() {
    for (Segment s : segments.values()) {
      s.retire();
    }
    segments.clear();
  }

  private void failWaiters() {
    IllegalStateException e = closedException();
    for (String pid : List.copyOf(appendWaiters.keySet())) {
      Set<CompletableFuture<Void>> ws = appendWaiters.remove(pid);
      if (ws != null) {
        ws.forEach(f -> f.completeExceptionally(e));
      }
    }
    List<CompletableFuture<Void>> ws;
    synchronized (newIdWaiters) {
      ws = List.copyOf(newIdWaiters);
      newIdWaiters.clear();
    }
    ws.forEach(f -> f.completeExceptionally(e));
  }

  private static java.util.concurrent.ThreadFactory daemon(String name) {
    return r -> {
      Thread t = new Thread(r, name);
      t.setDaemon(true);
      return t;
    };
  }

  // ------------------------------------------------------------------------------------------
  // Test support

  /**
   * Closes the active segment's channel so that the next write fails like a storage error. For
   * tests of failure handling only; the log repairs itself on the following write.
   */
  void breakActiveChannelForTesting() {
    try {
      active.channel().close();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static final class Request {
    static final Request CLOSE = new Request(null, null, 0, 0);

    final List<WalWrite> writes;
    final String deletePid;
    final long deleteTo;
    final long bytes;
    final CompletableFuture<Void> future = new CompletableFuture<>();

    Request(List<WalWrite> writes, String deletePid, long deleteTo, long bytes) {
      this.writes = writes;
      this.deletePid = deletePid;
      this.deleteTo = deleteTo;
      this.bytes = bytes;
    }
  }

  private record Placement(WalWrite write, Segment segment, int offset) {}

  private record Touched(Segment segment, long sizeBefore) {}
}
