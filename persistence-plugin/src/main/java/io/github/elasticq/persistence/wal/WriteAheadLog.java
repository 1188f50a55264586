package io.github.elasticq.persistence.wal;

import io.github.elasticq.persistence.internal.DirectoryLock;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;

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
 *   <li><b>Group commit</b> ({@link GroupCommitWriter}). {@link #append} and {@link #deleteTo}
 *       enqueue a request; one writer thread takes every queued request (up to {@code
 *       max-batch-bytes}), copies their pre-encoded frames into one buffer, issues one positional
 *       write and, in {@link SyncMode#EVERY_WRITE}, one {@code FileChannel.force}; only then does
 *       it publish the records to the index and complete the futures. While it forces, new requests
 *       queue up and form the next batch, so concurrent writers share fsyncs (see {@link #stats()}:
 *       {@code recordsWritten / fsyncs}).
 *   <li><b>Index</b> ({@link PidIndex}, {@link WalReplayer}). Each persistence id has an in-memory
 *       index of its live events (segment, offset, length), its highest sequence number and its
 *       latest tombstone, rebuilt on open by scanning the segments once. A replay reads only that
 *       id's records, with positional reads, coalescing neighbours into one read.
 *   <li><b>Deletes.</b> {@link #deleteTo} appends a tombstone whose sequence number is {@code
 *       min(toSequenceNr, highest)}; the highest sequence number is never lowered.
 *   <li><b>Compaction</b> ({@link WalCompactor}). A sealed segment with enough dead bytes is
 *       rewritten with only its live records (events still indexed, the latest tombstone of each
 *       id) to a temporary file, which is forced, atomically renamed over the segment and followed
 *       by a directory fsync; a segment with nothing live is deleted. A crash at any point leaves
 *       either the old or the new file, both complete; leftover temporary files are deleted on
 *       open.
 *   <li><b>Recovery</b> ({@link WalRecovery}). On open, a torn tail of the last segment (partial or
 *       zero-filled frame, bad checksum on the last frame, an atomic write not completely written)
 *       is truncated at the last committed record and logged. Damage followed by valid data, or in
 *       a segment other than the last, fails the open with a {@link WalCorruptionException} naming
 *       file and offset, or, with {@code quarantine-corrupt-segments}, moves the segment to {@code
 *       quarantine/} and logs the records lost.
 *   <li><b>Index checkpoints</b> ({@link SegmentIndexCheckpoint}, {@link SegmentIndexer}). With
 *       {@code index-checkpoint = on}, a background thread writes a small {@code <id>.idx} file per
 *       sealed segment (its records' ids, sequence numbers and lengths); the next open indexes such
 *       a segment from that file instead of scanning it, if the file is intact and matches the
 *       segment. The last segment is always scanned.
 *   <li><b>Live queries</b> ({@link AppendWaiters}). {@link #awaitAppend} and {@link
 *       #awaitNewPersistenceId} park a future that the writer completes after it indexed a batch.
 *   <li><b>Lock.</b> {@code dir/LOCK} is locked ({@link DirectoryLock}: an OS file lock, and a
 *       JVM-wide registry checked first) for the lifetime of the instance; a second open, in this
 *       JVM or another process, fails with {@link WalLockedException} before it reads anything.
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
  /**
   * The file a log locks in its directory ({@link DirectoryLock}: a second open, in this JVM or
   * another process, is refused before it reads anything).
   */
  private static final String LOCK_FILE = "LOCK";

  private final WalStore store;
  private final DirectoryLock lock;
  private final AppendWaiters waiters;
  private final GroupCommitWriter writer;

  /**
   * Per persistence id with appends under way, a future that completes when they all have; see
   * {@link #trackUnderWay}.
   */
  private final ConcurrentHashMap<String, CompletableFuture<Void>> underWay =
      new ConcurrentHashMap<>();

  /** The last {@link #checkWrites} future; the next call starts a new check once it is done. */
  private final AtomicReference<CompletableFuture<Void>> writeCheck = new AtomicReference<>();

  private final WalCompactor compactor;
  private final SegmentIndexer indexer;
  private final ScheduledExecutorService compactionScheduler;

  /** Called by {@link #open} with the directory locked; a failure leaves the lock to the caller. */
  private WriteAheadLog(WalSettings settings, DirectoryLock lock) throws IOException {
    this.lock = lock;
    this.store = new WalStore(settings);
    List<Segment> toCheckpoint;
    try {
      lock.writeOwnerPid();
      toCheckpoint = WalRecovery.recover(store);
    } catch (IOException | RuntimeException | Error e) {
      releaseAfterFailedOpen(null, null);
      throw e;
    }
    GroupCommitWriter w = null;
    SegmentIndexer ix = null;
    try {
      this.waiters = new AppendWaiters(() -> store.closed.get() ? store.closedException() : null);
      this.compactor = new WalCompactor(store);
      ix = new SegmentIndexer(store, compactor);
      this.indexer = ix;
      w = new GroupCommitWriter(store, waiters, indexer);
      this.writer = w;
      for (Segment s : toCheckpoint) {
        indexer.submit(s);
      }
      rewriteQuarantinedDeletions();
      WalRecovery.moveQuarantined(store); // only now: a failure before leaves them to the next open
      if (settings.compactionEnabled()) {
        long ms = Math.max(1, settings.compactionInterval().toMillis());
        compactionScheduler =
            Executors.newSingleThreadScheduledExecutor(daemon("elasticq-wal-compaction"));
        compactionScheduler.scheduleWithFixedDelay(
            compactor::compactInBackground, ms, ms, TimeUnit.MILLISECONDS);
      } else {
        compactionScheduler = null;
      }
    } catch (IOException | RuntimeException | Error e) { // a thread that cannot start, ...
      releaseAfterFailedOpen(w, ix);
      throw e;
    }
  }

  /**
   * Writes again, before the open returns, the deletions read from the tombstones of segments the
   * recovery quarantined: the tombstone was the only record of such a deletion, and the events it
   * deleted in older segments would otherwise be live again (replays, queries, recovery). The new
   * tombstone also deletes events of the id written after the quarantined segment with sequence
   * numbers up to the same bound, which Pekko never writes (an id's sequence numbers only grow).
   */
  private void rewriteQuarantinedDeletions() throws IOException {
    List<CompletableFuture<Void>> writes = new ArrayList<>();
    for (Map.Entry<String, Long> d : store.quarantinedDeletions.entrySet()) {
      writes.add(deleteTo(d.getKey(), d.getValue()));
    }
    try {
      CompletableFuture.allOf(writes.toArray(CompletableFuture[]::new)).get();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new InterruptedIOException("interrupted while writing the quarantined deletions");
    } catch (ExecutionException e) {
      Throwable cause = e.getCause();
      throw cause instanceof IOException io
          ? io
          : new IOException("writing the quarantined segments' deletions again failed", cause);
    }
  }

  /** A failed open stops what it started; {@link #open} then releases the directory lock. */
  private void releaseAfterFailedOpen(GroupCommitWriter w, SegmentIndexer ix) {
    try {
      if (w != null) {
        w.close();
      }
      if (ix != null) {
        ix.close();
      }
    } finally {
      store.closeSegmentsQuietly();
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
    Path dir = settings.dir().toAbsolutePath().normalize();
    Files.createDirectories(dir);
    DirectoryLock lock;
    try {
      lock = DirectoryLock.acquire(dir, LOCK_FILE);
    } catch (DirectoryLock.InUseException e) {
      throw new WalLockedException(
          dir,
          e.holder() == DirectoryLock.Holder.THIS_JVM
              ? "it is already open in this JVM (another ActorSystem or WriteAheadLog instance)"
              : e.getMessage());
    }
    try {
      return new WriteAheadLog(settings, lock);
    } catch (IOException | RuntimeException | Error e) {
      try {
        lock.close();
      } catch (IOException | RuntimeException closing) {
        e.addSuppressed(closing);
      }
      throw e;
    }
  }

  /** The settings this log was opened with. */
  public WalSettings settings() {
    return store.settings;
  }

  /** The absolute, normalized directory of this log. */
  public Path directory() {
    return store.dir;
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
    CompletableFuture<Void> done =
        writer.enqueue(new GroupCommitWriter.Request(List.copyOf(atomicWrites), null, 0, bytes));
    String previous = null;
    for (WalWrite w : atomicWrites) {
      if (!w.persistenceId.equals(previous)) { // a repeat that is not adjacent is tracked twice
        previous = w.persistenceId;
        trackUnderWay(previous, done);
      }
    }
    return done;
  }

  /**
   * Adds {@code done}, an append of {@code persistenceId}, to what {@link #appendsSettled} waits
   * for. The entry holds a future that completes with every append tracked for the id while it was
   * pending (all of them, whatever order concurrent callers enqueued them in), and is removed once
   * that completes: an id with nothing under way has no entry.
   */
  private void trackUnderWay(String persistenceId, CompletableFuture<Void> done) {
    CompletableFuture<Void> tracked =
        underWay.compute(
            persistenceId,
            (id, pending) ->
                pending == null || pending.isDone()
                    ? done
                    : CompletableFuture.allOf(pending, done));
    tracked.whenComplete((v, e) -> underWay.remove(persistenceId, tracked));
  }

  /**
   * A future that completes once every append of {@code persistenceId} whose {@link #append} call
   * returned before this call has completed, stored or failed (at once if none is under way), so
   * that {@link #highestSequenceNr} read after it reflects each of them that was stored. It
   * completes normally also when an append failed; completing it from outside changes nothing in
   * the log. Any thread.
   *
   * <p>Why: a write that failed for its caller (a timeout) may still be stored a moment later; a
   * reader of the highest sequence number that does not wait for it can hand out that sequence
   * number again. The log keeps this, not its caller, so that a new caller (a restarted journal
   * actor) waits for what an earlier one left under way.
   */
  public CompletableFuture<Void> appendsSettled(String persistenceId) {
    CompletableFuture<Void> pending = underWay.get(persistenceId);
    if (pending == null || pending.isDone()) {
      return CompletableFuture.completedFuture(null);
    }
    return pending.handle((v, e) -> null);
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
    return writer.enqueue(new GroupCommitWriter.Request(null, persistenceId, toSequenceNr, 64));
  }

  /**
   * The highest sequence number ever appended for {@code persistenceId} (deletions and compaction
   * do not lower it); 0 if unknown. Reflects every append whose future has completed. Any thread.
   */
  public long highestSequenceNr(String persistenceId) {
    PidIndex idx = store.index.get(persistenceId);
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
    return WalReplayer.replay(store, persistenceId, fromSequenceNr, toSequenceNr, max, consumer);
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
    return store.persistenceIds(from, Integer.MAX_VALUE);
  }

  /**
   * At most {@code max} persistence ids in the order they first appeared, starting at position
   * {@code from} of that order: a page, so that a reader going through many ids copies each once.
   * Any thread.
   */
  public List<String> persistenceIds(int from, int max) {
    return store.persistenceIds(from, max);
  }

  /** How many persistence ids {@link #persistenceIds(int)} lists now. Any thread. */
  public int persistenceIdCount() {
    return store.persistenceIdCount();
  }

  /**
   * A future that completes when an append or delete of {@code persistenceId} is published (or
   * exceptionally when the log closes). Register before reading to never miss an append; pass it to
   * {@link #cancelAwait} if it is abandoned. Completed on the writer thread. Any thread.
   */
  public CompletableFuture<Void> awaitAppend(String persistenceId) {
    return waiters.awaitAppend(persistenceId);
  }

  /** Forgets a future from {@link #awaitAppend}. Any thread. */
  public void cancelAwait(String persistenceId, CompletableFuture<Void> waiter) {
    waiters.cancelAwait(persistenceId, waiter);
  }

  /**
   * A future that completes when a new persistence id appears (or exceptionally on close). Pass it
   * to {@link #cancelAwaitNewPersistenceId} if abandoned. Any thread.
   */
  public CompletableFuture<Void> awaitNewPersistenceId() {
    return waiters.awaitNewPersistenceId();
  }

  /** Forgets a future from {@link #awaitNewPersistenceId}. Any thread. */
  public void cancelAwaitNewPersistenceId(CompletableFuture<Void> waiter) {
    waiters.cancelAwaitNewPersistenceId(waiter);
  }

  /**
   * Sends this log's timings to {@code l} (null: to nobody). Any thread; takes effect for the
   * operations that start after the call.
   */
  public void setListener(WalListener l) {
    store.setListener(l);
  }

  /** A snapshot of the counters. Any thread; never blocks the writer. */
  public WalStats stats() {
    return store.stats();
  }

  /** Paths of the segment files, oldest first. Any thread. */
  public List<Path> segmentFiles() {
    List<Path> paths = new ArrayList<>();
    for (Segment s : store.segments.values()) {
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
    return compact(store.settings.compactionMinDeadRatio());
  }

  /** As {@link #compact()}, with an explicit dead-ratio threshold in (0, 1]. */
  public int compact(double minDeadRatio) throws IOException {
    return compactor.compact(minDeadRatio);
  }

  /**
   * Stops accepting writes, completes the queued ones and the queued index checkpoints, forces the
   * log (in every mode), releases the channels and the directory lock. Appends after close fail
   * with {@link IllegalStateException}. Blocks; idempotent; any thread but the log's writer, which
   * runs the appends' completions: called there (from a completion callback), it would wait for
   * itself, so it throws {@link IllegalStateException} and changes nothing.
   */
  @Override
  public void close() throws IOException {
    // the forces below must not run with the interrupt status set: an interrupted FileChannel
    // operation closes the channel (ClosedByInterruptException) and the final force is lost
    boolean wasInterrupted = Thread.interrupted();
    try {
      closeUninterrupted();
    } finally {
      if (wasInterrupted) {
        Thread.currentThread().interrupt();
      }
    }
  }

  private void closeUninterrupted() throws IOException {
    if (!writer.close()) {
      return;
    }
    // no interrupt: it would close the channel of a segment being compacted, which the final
    // forces below may need; the pass in progress stops after its segment (store.closed is set)
    boolean interrupted = Thread.interrupted(); // writer.close() may have set it again
    interrupted |= shutdownWithoutInterrupt(compactionScheduler);
    interrupted |= indexer.close();
    interrupted |= Thread.interrupted();
    compactor.exclusive(
        () -> {
          try {
            if (!writer.failed()) {
              store.active.trimPreallocation();
              store.forceCounted(store.active);
              if (store.settings.syncMode() == SyncMode.NO_SYNC) {
                // no-sync seals segments without a force: the whole log is forced now
                for (Segment s : store.segments.values()) {
                  if (s != store.active) {
                    store.forceCounted(s);
                  }
                }
                store.syncDirectory(); // their files' entries (no-sync rolls do not sync it)
              }
            }
          } finally {
            store.closeSegmentsQuietly();
            waiters.failAll(store.closedException());
            lock.close();
          }
        });
    if (interrupted) {
      Thread.currentThread().interrupt();
    }
  }

  /**
   * Why the log is not accepting durable writes right now (a full disk, an I/O error), or null: the
   * failure of the most recent group commit until a later one writes records, else the first failed
   * fsync of records already acknowledged without being durable (a periodic sync, the seal of a
   * segment or the directory at a roll in periodic mode, a compaction's force) until the log is
   * reopened: after a failed fsync the kernel may have dropped the pages it could not write, so
   * neither a later write nor a later successful fsync makes them durable. Reopening (restarting
   * the journal) recovers what is on disk. Any thread; never blocks.
   */
  public Exception lastWriteFailure() {
    return writer.lastWriteFailure();
  }

  /**
   * Checks whether the log takes writes again after {@link #lastWriteFailure} reported a failed
   * group commit, without writing a record: behind the writes already queued, it repairs the log if
   * the failed write left it unrepaired, then writes one block to a temporary file in the log's
   * directory, forces it and deletes it. On success the write failure is cleared, as a successful
   * write would clear it; on failure the returned future fails and {@link #lastWriteFailure} says
   * why. A failed fsync of acknowledged records (a sync failure) stays reported until the log is
   * reopened whatever this finds. Calls while a check is queued or running share it. Any thread;
   * never blocks.
   *
   * <p>For a readiness check: a node taken out of service after a failed write gets no more writes,
   * so without this it would stay not ready after the disk had room again.
   */
  public CompletableFuture<Void> checkWrites() {
    while (true) {
      CompletableFuture<Void> running = writeCheck.get();
      if (running != null && !running.isDone()) {
        return running;
      }
      GroupCommitWriter.Request r = GroupCommitWriter.Request.writeCheck();
      if (writeCheck.compareAndSet(running, r.future)) {
        return writer.enqueue(r);
      }
    }
  }

  /** Whether {@link #close()} has been called. */
  public boolean isClosed() {
    return store.closed.get();
  }

  @Override
  public String toString() {
    return "WriteAheadLog[" + store.dir + ", " + store.syncMode.configName() + "]";
  }

  static ThreadFactory daemon(String name) {
    return r -> {
      Thread t = new Thread(r, name);
      t.setDaemon(true);
      return t;
    };
  }

  /**
   * Stops {@code s} (if not null) without interrupting its running task, and waits for it and the
   * queued ones (a scheduled executor drops its periodic tasks): an interrupt would close the
   * {@code FileChannel} the task is using.
   *
   * @return whether the wait was interrupted
   */
  static boolean shutdownWithoutInterrupt(ExecutorService s) {
    if (s == null) {
      return false;
    }
    s.shutdown();
    try {
      s.awaitTermination(1, TimeUnit.MINUTES);
      return false;
    } catch (InterruptedException e) {
      return true;
    }
  }

  // ------------------------------------------------------------------------------------------
  // Test support

  /**
   * The whole in-memory index as text (ids in order of first appearance, each id's entries, and
   * every segment's size and dead bytes): equal strings mean equal indexes. For tests.
   */
  String describeIndexForTesting() {
    StringBuilder sb = new StringBuilder();
    for (String pid : store.persistenceIds(0, Integer.MAX_VALUE)) {
      sb.append(store.index.get(pid).describe()).append('\n');
    }
    for (Segment s : store.segments.values()) {
      sb.append("segment ").append(s.id).append(" size=").append(s.size);
      sb.append(" dead=").append(s.deadBytes()).append('\n');
    }
    return sb.toString();
  }

  /** {checkpointed, scanned} segments of the open; for tests. */
  int[] openCountsForTesting() {
    return new int[] {store.checkpointedAtOpen, store.scannedAtOpen};
  }

  /**
   * Closes the active segment's channel so that the next write fails like a storage error. For
   * tests of failure handling only; the log repairs itself on the following write.
   */
  void breakActiveChannelForTesting() {
    try {
      store.active.channel().close();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
