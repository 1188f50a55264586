package io.github.elasticq.persistence.durable;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Consumer;
import org.apache.pekko.persistence.AtomicWrite;
import org.apache.pekko.persistence.PersistentRepr;
import org.apache.pekko.persistence.journal.japi.AsyncWriteJournal;
import scala.concurrent.Future;
import scala.jdk.javaapi.CollectionConverters;
import scala.jdk.javaapi.FutureConverters;

/**
 * An in-memory journal for the durable mailbox tests whose writes wait for permits ({@link
 * #PERMITS}): a test holds a write in flight, so that commands are stashed, and releases it. A test
 * can also have the write that holds a chosen {@link Work} rejected ({@link #rejectWork}: the
 * journal's answer for that atomic write is an exception, nothing of it is stored) or failed
 * ({@link #failWork}: the whole call fails, nothing is stored); that write is counted in {@link
 * #TROUBLED_WRITES} and then waits for a permit of {@link #TROUBLE_GATE}. And it can store a write
 * and then report it failed, as a journal whose connection broke after its commit does ({@link
 * #storeThenFailWork}, {@link #storeThenFailPoisoned}), or fail the next write that stores no
 * message ({@link #failNextWriteWithoutMessages}). It can also fail a write and store it later
 * ({@link #failThenLandWork}, {@link #landLateWrite}), as a database does whose transaction commits
 * after the journal's call timed out; with {@link #uniqueSeqNrs} a write whose sequence number is
 * taken fails, as on PostgreSQL's primary key. Replays take a permit of {@link #REPLAY_GATE}: one
 * that finds none stalls (counted in {@link #STALLED_REPLAYS}) on a thread of its own until the
 * test releases permits, and then replays slowly (1 ms per event), as a journal on a stuck disk
 * would.
 */
public class GatedTestJournal extends AsyncWriteJournal {
  static final Map<String, List<PersistentRepr>> STORE = new ConcurrentHashMap<>();
  static final Semaphore PERMITS = new Semaphore(Integer.MAX_VALUE / 2);
  static final AtomicInteger WRITES_STARTED = new AtomicInteger();

  /** The {@code n} of the Work whose atomic write is rejected; -1: none. */
  static volatile int rejectWork = -1;

  /** The {@code n} of the Work whose write fails; -1: none. */
  static volatile int failWork = -1;

  /** The {@code n} of the Work whose write is stored, then reported failed; -1: none. */
  static volatile int storeThenFailWork = -1;

  /** The next write holding a {@code Poisoned} event is stored, then reported failed. */
  static volatile boolean storeThenFailPoisoned;

  /** The next write that stores no message (a {@code Confirmed}, say) fails; nothing is stored. */
  static volatile boolean failNextWriteWithoutMessages;

  /**
   * Stores each {@code MessageStored} without its message object, as a journal that serializes its
   * events replays it (the object is not part of the stored form).
   */
  static volatile boolean storeSerializedForm;

  /** The {@code n} of the Work whose write fails and is kept for {@link #landLateWrite}. */
  static volatile int failThenLandWork = -1;

  /** The write failed by {@link #failThenLandWork}, not stored yet. */
  static final List<AtomicWrite> LATE = new CopyOnWriteArrayList<>();

  /** A write whose (persistence id, sequence number) is stored already fails the call. */
  static volatile boolean uniqueSeqNrs;

  static final AtomicInteger TROUBLED_WRITES = new AtomicInteger();
  static final Semaphore TROUBLE_GATE = new Semaphore(0);
  static final Semaphore REPLAY_GATE = new Semaphore(Integer.MAX_VALUE / 2);
  static final AtomicInteger STALLED_REPLAYS = new AtomicInteger();

  static void reset() {
    STORE.clear();
    PERMITS.drainPermits();
    PERMITS.release(Integer.MAX_VALUE / 2);
    WRITES_STARTED.set(0);
    rejectWork = -1;
    failWork = -1;
    storeThenFailWork = -1;
    storeThenFailPoisoned = false;
    failNextWriteWithoutMessages = false;
    storeSerializedForm = false;
    failThenLandWork = -1;
    LATE.clear();
    uniqueSeqNrs = false;
    TROUBLED_WRITES.set(0);
    TROUBLE_GATE.drainPermits();
    REPLAY_GATE.drainPermits();
    REPLAY_GATE.release(Integer.MAX_VALUE / 2);
    STALLED_REPLAYS.set(0);
  }

  private static boolean holds(List<PersistentRepr> reprs, int n) {
    Work work = new Work(n);
    return reprs.stream()
        .anyMatch(
            r ->
                r.payload() instanceof DurableMailboxEvent.MessageStored m
                    && work.equals(m.message()));
  }

  @Override
  public Future<Iterable<Optional<Exception>>> doAsyncWriteMessages(Iterable<AtomicWrite> writes) {
    WRITES_STARTED.incrementAndGet();
    return FutureConverters.asScala(
        CompletableFuture.supplyAsync(
            () -> {
              PERMITS.acquireUninterruptibly();
              List<Optional<Exception>> out = new ArrayList<>();
              for (AtomicWrite w : writes) {
                List<PersistentRepr> reprs = CollectionConverters.asJava(w.payload());
                if (holds(reprs, failWork) || holds(reprs, rejectWork)) {
                  TROUBLED_WRITES.incrementAndGet();
                  TROUBLE_GATE.acquireUninterruptibly();
                }
                if (holds(reprs, failThenLandWork)) {
                  failThenLandWork = -1;
                  LATE.add(w);
                  throw new IllegalStateException("test: fails the write, it lands later");
                }
                if (uniqueSeqNrs && taken(w.persistenceId(), reprs)) {
                  throw new IllegalStateException("test: duplicate key (persistence id, seqNr)");
                }
                if (holds(reprs, failWork)) {
                  throw new IllegalStateException("test: fails the write of Work " + failWork);
                }
                if (failNextWriteWithoutMessages
                    && reprs.stream()
                        .noneMatch(r -> r.payload() instanceof DurableMailboxEvent.MessageStored)) {
                  failNextWriteWithoutMessages = false;
                  throw new IllegalStateException("test: fails a write without messages");
                }
                if (holds(reprs, rejectWork)) {
                  out.add(
                      Optional.of(
                          new IllegalArgumentException(
                              "test: rejects the write of Work " + rejectWork)));
                  continue;
                }
                STORE
                    .computeIfAbsent(w.persistenceId(), k -> new CopyOnWriteArrayList<>())
                    .addAll(storeSerializedForm ? serializedForm(reprs) : reprs);
                if (storeThenFailPoisoned
                    && reprs.stream()
                        .anyMatch(r -> r.payload() instanceof DurableMailboxEvent.Poisoned)) {
                  storeThenFailPoisoned = false;
                  throw new IllegalStateException("test: stored, then fails a Poisoned write");
                }
                if (holds(reprs, storeThenFailWork)) {
                  throw new IllegalStateException(
                      "test: stored, then fails the write of Work " + storeThenFailWork);
                }
                out.add(Optional.empty());
              }
              return (Iterable<Optional<Exception>>) out;
            }));
  }

  private static List<PersistentRepr> serializedForm(List<PersistentRepr> reprs) {
    List<PersistentRepr> out = new ArrayList<>(reprs.size());
    for (PersistentRepr r : reprs) {
      out.add(
          r.payload() instanceof DurableMailboxEvent.MessageStored m
              ? r.withPayload(
                  new DurableMailboxEvent.MessageStored(m.seqNr(), m.serialized(), null))
              : r);
    }
    return out;
  }

  private static boolean taken(String pid, List<PersistentRepr> reprs) {
    List<PersistentRepr> stored = STORE.getOrDefault(pid, List.of());
    return reprs.stream()
        .anyMatch(r -> stored.stream().anyMatch(s -> s.sequenceNr() == r.sequenceNr()));
  }

  /** Stores the write {@link #failThenLandWork} failed: its transaction commits late. */
  static void landLateWrite() {
    for (AtomicWrite w : LATE) {
      STORE
          .computeIfAbsent(w.persistenceId(), k -> new CopyOnWriteArrayList<>())
          .addAll(CollectionConverters.asJava(w.payload()));
    }
    LATE.clear();
  }

  @Override
  public Future<Void> doAsyncDeleteMessagesTo(String pid, long to) {
    return FutureConverters.asScala(CompletableFuture.completedFuture(null));
  }

  @Override
  public Future<Void> doAsyncReplayMessages(
      String pid, long from, long to, long max, Consumer<PersistentRepr> cb) {
    if (REPLAY_GATE.tryAcquire()) {
      replay(pid, from, to, max, cb, false);
      return FutureConverters.asScala(CompletableFuture.completedFuture(null));
    }
    STALLED_REPLAYS.incrementAndGet();
    CompletableFuture<Void> done = new CompletableFuture<>();
    Thread stalled =
        new Thread(
            () -> {
              try {
                REPLAY_GATE.acquireUninterruptibly();
                replay(pid, from, to, max, cb, true);
                done.complete(null);
              } catch (RuntimeException e) {
                done.completeExceptionally(e);
              }
            },
            "gated-journal-stalled-replay");
    stalled.setDaemon(true);
    stalled.start();
    return FutureConverters.asScala(done);
  }

  private static void replay(
      String pid, long from, long to, long max, Consumer<PersistentRepr> cb, boolean slowly) {
    long n = 0;
    for (PersistentRepr r : STORE.getOrDefault(pid, List.of())) {
      if (r.sequenceNr() >= from && r.sequenceNr() <= to && n++ < max) {
        cb.accept(r);
        if (slowly) {
          LockSupport.parkNanos(1_000_000L);
        }
      }
    }
  }

  @Override
  public Future<Long> doAsyncReadHighestSequenceNr(String pid, long from) {
    long h =
        STORE.getOrDefault(pid, List.of()).stream()
            .mapToLong(PersistentRepr::sequenceNr)
            .max()
            .orElse(0);
    return FutureConverters.asScala(CompletableFuture.completedFuture(h));
  }
}
