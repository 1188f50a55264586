package io.github.elasticq.persistence.wal;

import static io.github.elasticq.persistence.wal.SegmentRecordDescriptor.SEGMENT_HEADER_LENGTH;
import static io.github.elasticq.persistence.wal.SegmentRecordDescriptor.TYPE_EVENT;

import java.io.IOException;
import java.lang.System.Logger.Level;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantReadWriteLock;

/**
 * The group-commit writer: {@link #enqueue} queues a request; one writer thread takes every queued
 * request (up to {@code max-batch-bytes}), copies their pre-encoded frames into one buffer, issues
 * one positional write and, in {@link SyncMode#EVERY_WRITE}, one {@code FileChannel.force}; only
 * then does it publish the records to the index, complete the futures and wake the {@link
 * AppendWaiters}. While it forces, new requests queue up and form the next batch, so concurrent
 * writers share fsyncs.
 *
 * <p>On a failed write the batch's futures fail, and the touched segments are cut back to where the
 * batch began (repaired) before the futures fail, or before the next batch if that repair failed
 * too. With {@link SyncMode#PERIODIC} a scheduler forces the active segment every {@code
 * sync-interval}.
 *
 * <p>Preallocation ({@code preallocate}, not with {@link SyncMode#NO_SYNC}): a new segment starts
 * with one chunk of zeros; after a group commit that leaves less than half a chunk of zeros ahead,
 * the writer hands the extension by one more chunk to a background thread, which writes the zeros
 * and forces them with the file's length. A write that would overlap a running extension waits for
 * it (see {@link Segment#beforeWrite}). A segment is trimmed to its records when it is sealed.
 */
final class GroupCommitWriter {
  private final WalStore store;
  private final WalSettings settings;
  private final Path dir;
  private final WalLogger logger;
  private final SyncMode syncMode;
  private final AppendWaiters waiters;
  private final SegmentIndexer indexer;

  private final LinkedBlockingQueue<Request> queue = new LinkedBlockingQueue<>();
  private final ReentrantReadWriteLock closeLock = new ReentrantReadWriteLock();
  private final Thread thread;
  private final ScheduledExecutorService syncScheduler;

  /** Preallocation chunk in bytes, 0 if off. */
  private final long preallocate;

  /** Runs segment extensions; null if preallocation is off. */
  private final ExecutorService extender;

  /** Last storage failure of the writer; cleared by a successful repair. Writer thread only. */
  private Exception failure;

  /** The failure of the last group commit, until one writes records; for health. */
  private volatile Exception lastWriteFailure;

  private final List<Touched> touched = new ArrayList<>();

  /** Segments sealed by the current batch: checkpointed once the batch is published. */
  private final List<Segment> sealed = new ArrayList<>();

  private ByteBuffer out = ByteBuffer.allocateDirect(1 << 20);

  /** Periodic sync state; sync scheduler thread only. */
  private long lastSyncedBytes;

  private long lastSyncedRecords;

  GroupCommitWriter(WalStore store, AppendWaiters waiters, SegmentIndexer indexer) {
    this.store = store;
    this.settings = store.settings;
    this.dir = store.dir;
    this.logger = store.logger;
    this.syncMode = store.syncMode;
    this.waiters = waiters;
    this.indexer = indexer;
    this.preallocate = store.preallocateChunk();
    this.extender =
        preallocate > 0
            ? Executors.newSingleThreadExecutor(WriteAheadLog.daemon("elasticq-wal-prealloc"))
            : null;
    this.thread = new Thread(this::writerLoop, "elasticq-wal-writer[" + dir.getFileName() + "]");
    this.thread.setDaemon(true);
    this.thread.start();
    if (syncMode == SyncMode.PERIODIC) {
      long ms = Math.max(1, settings.syncInterval().toMillis());
      syncScheduler =
          Executors.newSingleThreadScheduledExecutor(WriteAheadLog.daemon("elasticq-wal-sync"));
      syncScheduler.scheduleWithFixedDelay(this::periodicSync, ms, ms, TimeUnit.MILLISECONDS);
    } else {
      syncScheduler = null;
    }
  }

  /** Queues a request; fails its future at once if the log is closed. Any thread. */
  CompletableFuture<Void> enqueue(Request r) {
    closeLock.readLock().lock();
    try {
      if (store.closed.get()) {
        r.future.completeExceptionally(store.closedException());
      } else {
        queue.add(r);
      }
    } finally {
      closeLock.readLock().unlock();
    }
    return r.future;
  }

  /**
   * Marks the log closed (no request is queued after this), lets the writer finish the queued
   * requests and waits for it and the sync scheduler to stop.
   *
   * @return false if the log was already closed
   */
  boolean close() {
    if (Thread.currentThread() == thread) {
      // joining itself would never return, with the log half closed (no writes, no final force,
      // the directory still locked); refused before anything changes
      throw new IllegalStateException(
          "WriteAheadLog.close() called on the log's writer thread ("
              + thread.getName()
              + "), e.g. from an append's completion callback: it would wait for itself; close"
              + " from another thread (thenRunAsync, an executor)");
    }
    closeLock.writeLock().lock();
    try {
      if (!store.closed.compareAndSet(false, true)) {
        return false;
      }
      queue.add(Request.CLOSE);
    } finally {
      closeLock.writeLock().unlock();
    }
    boolean interrupted = false;
    while (thread.isAlive()) {
      try {
        thread.join();
      } catch (InterruptedException e) {
        interrupted = true;
      }
    }
    // without an interrupt: it would close the active segment's channel under a running fsync, and
    // close() would then fail before its own final force
    interrupted |= WriteAheadLog.shutdownWithoutInterrupt(syncScheduler);
    interrupted |= WriteAheadLog.shutdownWithoutInterrupt(extender);
    if (interrupted) {
      Thread.currentThread().interrupt();
    }
    return true;
  }

  /** Whether the writer is in a failed state that the next batch must repair first. */
  boolean failed() {
    return failure != null;
  }

  Exception lastWriteFailure() {
    Exception write = lastWriteFailure;
    return write != null ? write : store.syncFailure();
  }

  private void writerLoop() {
    List<Request> batch = new ArrayList<>();
    List<Request> checks = new ArrayList<>();
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
        if (r.isWriteCheck()) {
          checks.add(r);
        } else {
          batch.add(r);
          bytes += r.bytes;
        }
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
      for (Request c : checks) {
        checkWrites(c);
      }
      checks.clear();
    }
    Request left;
    while ((left = queue.poll()) != null) {
      left.future.completeExceptionally(store.closedException());
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
        lastWriteFailure = err;
        for (Request q : batch) {
          q.future.completeExceptionally(err);
        }
        return;
      }
    }
    List<Placement> placements = new ArrayList<>();
    Map<String, long[]> batchState = new HashMap<>();
    touched.clear();
    sealed.clear();
    Segment seg = store.active;
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
            seg.trimPreallocation();
            if (syncMode != SyncMode.NO_SYNC) {
              forceSealed(seg); // no-sync: WriteAheadLog.close() forces every segment
            }
            sealed.add(seg);
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
        store.forceCounted(seg);
        int synced = records;
        store.notifyListener(l -> l.recordsSynced(synced));
      }
    } catch (IOException | RuntimeException e) {
      failure = e;
      IOException err =
          e instanceof IOException io
              ? io
              : new IOException("write-ahead log " + dir + " failed to write: " + e, e);
      lastWriteFailure = err;
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
      lastWriteFailure = null;
      store.writes.incrementAndGet();
      store.recordsWritten.addAndGet(records);
    }
    Set<String> changed = new HashSet<>();
    boolean newIds = false;
    PidIndex idx = null;
    for (Placement p : placements) {
      String pid = p.write.persistenceId;
      if (idx == null || !idx.persistenceId.equals(pid)) {
        idx = store.index.get(pid);
        if (idx == null) {
          idx = store.indexOrCreate(pid);
          newIds = true;
        }
        changed.add(pid);
      }
      idx.apply(p.write, p.segment, p.offset);
    }
    // Every record of the segments before the active one is now indexed: they may be compacted.
    store.compactableBelow = store.active.id;
    for (Segment s : sealed) {
      indexer.submit(s);
    }
    sealed.clear();
    long completedNanos = System.nanoTime();
    boolean timed = store.hasListener();
    for (Request r : batch) {
      if (timed) { // before the completion: whoever sees the append done also sees its figure
        store.notifyListener(x -> x.appendCompleted(completedNanos - r.createdNanos));
      }
      r.future.complete(null);
    }
    waiters.signal(changed, newIds);
    maybeExtend();
  }

  /** After a group commit: starts extending the active segment if its zeros run short. */
  private void maybeExtend() {
    if (preallocate == 0) {
      return;
    }
    Segment s = store.active;
    long target = s.startExtension(preallocate, preallocate / 2, settings.segmentSize());
    if (target < 0) {
      return;
    }
    try {
      extender.execute(
          () -> {
            try {
              s.extend(target);
            } catch (IOException | RuntimeException e) {
              logger.log(
                  Level.WARNING,
                  "write-ahead log "
                      + dir
                      + ": preallocating "
                      + s.path
                      + " to "
                      + target
                      + " bytes failed (appends extend the file themselves): "
                      + e);
            }
          });
    } catch (RejectedExecutionException e) {
      s.abandonExtension();
    }
  }

  /** {highest, deletedTo} of a persistence id including this batch's earlier requests. */
  private long[] stateOf(Map<String, long[]> batchState, String pid) {
    return batchState.computeIfAbsent(
        pid,
        k -> {
          PidIndex idx = store.index.get(k);
          return idx == null ? new long[] {0, 0} : new long[] {idx.highest(), idx.deletedTo()};
        });
  }

  private void flush(Segment seg, long[] pos) throws IOException {
    out.flip();
    int n = out.remaining();
    if (n > 0) {
      seg.beforeWrite(pos[0] + n);
      seg.write(out, pos[0]);
      pos[0] += n;
      seg.size = pos[0];
      store.bytesWritten.addAndGet(n);
    }
    out.clear();
  }

  private Segment roll() throws IOException {
    boolean sync = syncMode != SyncMode.NO_SYNC;
    long id = store.nextSegmentId;
    Segment s;
    try {
      s = Segment.create(dir, id, sync, store.preallocateTo());
    } catch (IOException | RuntimeException e) {
      if (Files.exists(dir.resolve(Segment.fileName(id)))) {
        store.nextSegmentId = id + 1; // left behind (not deletable): the next roll takes a new id
      }
      throw e;
    }
    store.nextSegmentId = id + 1;
    if (sync) {
      store.fsyncs.incrementAndGet();
      try {
        store.syncDirectory();
      } catch (IOException | RuntimeException e) {
        if (syncMode == SyncMode.PERIODIC) {
          store.syncFailed("the directory fsync after creating " + s.path, e);
        }
        s.retire(); // never becomes the active segment: its channel would stay open for good
        throw e;
      }
    }
    store.segments.put(s.id, s);
    store.active = s;
    return s;
  }

  /**
   * Forces a segment being sealed. In periodic mode it holds records acknowledged since the last
   * periodic sync, so its failure is a sync failure (reported until the log is reopened), not only
   * this batch's.
   */
  private void forceSealed(Segment seg) throws IOException {
    if (syncMode == SyncMode.PERIODIC) {
      store.forceCountedOrSyncFailed(seg, "the fsync of sealed segment " + seg.path);
    } else {
      store.forceCounted(seg);
    }
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

  /** The file {@link #checkWrites} writes; recovery deletes it if a crash left it behind. */
  static final String WRITE_CHECK_FILE = "write-check" + SegmentIndexCheckpoint.TEMP_SUFFIX;

  /**
   * Answers {@link WriteAheadLog#checkWrites}: repairs the log if a failed write left it
   * unrepaired, then writes one block of {@link #WRITE_CHECK_FILE} in the log's directory, forces
   * it with the file's length and deletes it. On success the last write failure is cleared (the log
   * takes writes again: the segments were cut back and forced by the repair, the directory took a
   * new block and an fsync); on failure it becomes that failure. A sync failure is not touched: it
   * stays until the log is reopened. Writer thread only, so it never runs beside a group commit.
   */
  private void checkWrites(Request r) {
    Path probe = dir.resolve(WRITE_CHECK_FILE);
    try {
      if (failure != null) {
        repair();
      }
      try (FileChannel ch =
          FileChannel.open(
              probe,
              StandardOpenOption.CREATE,
              StandardOpenOption.WRITE,
              StandardOpenOption.TRUNCATE_EXISTING)) {
        ByteBuffer block = ByteBuffer.allocate(WRITE_CHECK_BYTES);
        while (block.hasRemaining()) {
          ch.write(block);
        }
        ch.force(true);
      }
      Files.delete(probe);
      lastWriteFailure = null;
      r.future.complete(null);
    } catch (IOException | RuntimeException e) {
      IOException err =
          new IOException(
              "write-ahead log " + dir + " still cannot write (write check failed): " + e, e);
      lastWriteFailure = err;
      try {
        Files.deleteIfExists(probe);
      } catch (IOException ignored) {
        // recovery deletes it (a .tmp file)
      }
      r.future.completeExceptionally(err);
    }
  }

  /** One file-system block: what the write check writes and forces. */
  private static final int WRITE_CHECK_BYTES = 4096;

  /** Forces the active segment if anything was written since the last sync (periodic mode). */
  private void periodicSync() {
    try {
      long written = store.bytesWritten.get();
      Segment s = store.active;
      if (written != lastSyncedBytes) {
        long records = store.recordsWritten.get();
        store.forceCounted(s);
        lastSyncedBytes = written;
        long synced = records - lastSyncedRecords;
        lastSyncedRecords = records;
        store.notifyListener(l -> l.recordsSynced(synced));
      }
    } catch (IOException | RuntimeException | Error e) {
      // an Error too: escaping, it would cancel every later periodic sync, silently
      store.syncFailed("the periodic sync", e);
      logger.log(
          Level.ERROR, "write-ahead log " + dir + ": periodic sync failed, will retry: " + e);
    }
  }

  /** An append (writes) or a delete (deletePid, deleteTo), with the future its caller holds. */
  static final class Request {
    static final Request CLOSE = new Request(null, null, 0, 0);

    /** A write check ({@link WriteAheadLog#checkWrites}): no writes and no delete. */
    static Request writeCheck() {
      return new Request(null, null, 0, 0);
    }

    boolean isWriteCheck() {
      return writes == null && deletePid == null && this != CLOSE;
    }

    final List<WalWrite> writes;
    final String deletePid;
    final long deleteTo;
    final long bytes;
    final CompletableFuture<Void> future = new CompletableFuture<>();
    final long createdNanos = System.nanoTime();

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
