package io.github.elasticq.persistence.journal;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import io.github.elasticq.persistence.internal.EventCodec;
import io.github.elasticq.persistence.wal.WalEvent;
import io.github.elasticq.persistence.wal.WalWrite;
import io.github.elasticq.persistence.wal.WriteAheadLog;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import org.apache.pekko.actor.ActorSystem;
import org.apache.pekko.actor.Cancellable;
import org.apache.pekko.dispatch.Batchable;
import org.apache.pekko.dispatch.Futures;
import org.apache.pekko.event.Logging;
import org.apache.pekko.persistence.AtomicWrite;
import org.apache.pekko.persistence.PersistentRepr;
import org.apache.pekko.persistence.journal.japi.AsyncWriteJournal;
import scala.concurrent.ExecutionContextExecutor;
import scala.concurrent.Future;
import scala.concurrent.Promise;

/**
 * The Pekko Persistence journal plugin {@code elasticq.journal}: events go to an embedded {@link
 * WriteAheadLog} in the configured directory (see the module's {@code reference.conf}).
 *
 * <p>Enable it with {@code pekko.persistence.journal.plugin = "elasticq.journal"}.
 *
 * <ul>
 *   <li>Each {@code AtomicWrite} is serialized with Pekko Serialization on the journal actor (the
 *       plugin dispatcher), inside Pekko's transport-information scope so that events holding an
 *       {@code ActorRef} serialize and replay to the same actor; the event's metadata ({@code
 *       PersistentRepr.metadata}) is stored and replayed with it. If any payload of an atomic write
 *       cannot be serialized, that atomic write is rejected and the others are stored. A storage
 *       failure fails the whole returned future (never a rejection).
 *   <li>All atomic writes of one call share one group commit with every other concurrent call, and
 *       the future completes when they are durable as {@code sync-mode} defines. The writer thread
 *       hands the completions of a group commit to the plugin dispatcher as one batch (one task, so
 *       one thread wake-up per commit rather than one per call); AsyncWriteJournal's callbacks and
 *       replies then run in that batch on one thread.
 *   <li>A write or delete not completed within {@code write-timeout} fails with a {@code
 *       TimeoutException} (Pekko's per-call circuit-breaker timer is switched off in {@code
 *       reference.conf}).
 *   <li>Replays run on {@code replay-dispatcher} ({@code elasticq.journal.replay-pool}), never on
 *       the default dispatcher nor on the plugin's own (many recoveries at once cannot delay the
 *       replies of writes); the highest sequence number comes from the in-memory index.
 *   <li>A recovery waits for the writes of its persistence id still under way in the log: its read
 *       of the highest sequence number (which Pekko makes before every replay) is answered once
 *       they are stored or failed. So a write that failed for the persistent actor (after {@code
 *       write-timeout}) and is stored all the same is replayed to the next incarnation, which
 *       writes after it; it does not write that sequence number again (the log would let the new
 *       event replace the stored one for replays, after a live {@code eventsByPersistenceId} had
 *       emitted the stored one).
 * </ul>
 *
 * <p>Instantiated by Pekko; the instance is an actor and confined to it. The log itself is owned by
 * {@link WalRegistry} and shared with the read journal.
 */
public final class WalJournal extends AsyncWriteJournal {
  private final String configPath;
  private final Config config;

  /** The log; null until it could be opened (see {@link #log()}). Actor thread. */
  private WriteAheadLog wal;

  private final EventCodec codec;
  private final Executor io;

  /** Encodes atomic writes; confined to the actor, like {@link #doAsyncWriteMessages}. */
  private final WalWrite.Encoder encoder = new WalWrite.Encoder();

  /** Fails calls not completed within {@code write-timeout}; swept by {@link #sweeper}. */
  private final WriteTimeouts timeouts;

  private final Cancellable sweeper;

  /**
   * Completions of calls whose log futures completed on the writer thread, waiting for {@link
   * #drain} on the journal's dispatcher. The writer hands over a whole group commit with at most
   * one task submission (one thread wake-up) instead of one per call.
   */
  private final ConcurrentLinkedQueue<Runnable> completions = new ConcurrentLinkedQueue<>();

  private final AtomicBoolean drainScheduled = new AtomicBoolean();
  private final ExecutionContextExecutor dispatcher;
  private final Drain drain = new Drain();

  /**
   * Called by Pekko with the plugin's configuration section and its path. If the log cannot be
   * opened (a locked directory, an I/O error, corruption) the journal still starts: every request
   * tries to open it again and, until one succeeds, fails with the reason (naming the directory or
   * the file).
   *
   * @throws IllegalArgumentException if a setting is invalid (names the key)
   */
  public WalJournal(Config config, String configPath) {
    ActorSystem system = context().system();
    this.configPath = configPath;
    this.config = config;
    long timeoutNanos = writeTimeoutNanos(config, configPath); // checked before the log is opened
    try {
      this.wal = WalRegistry.get(system).logFor(configPath, config);
    } catch (IllegalStateException e) {
      // The directory may be held by the previous process on the volume for a while: throwing here
      // would stop this plugin actor for good (Pekko keeps handing out the dead actor). Each later
      // request tries again and fails with this reason until the log opens.
      Logging.getLogger(system, this)
          .error("{} (requests fail until a later one opens it)", e.getMessage());
      this.wal = null;
    }
    this.codec = new EventCodec(system);
    this.io = system.dispatchers().lookup(config.getString("replay-dispatcher"));
    this.dispatcher = context().dispatcher();
    this.timeouts = new WriteTimeouts(timeoutNanos, configPath);
    if (timeouts.enabled()) {
      Duration every =
          Duration.ofNanos(Math.min(Math.max(timeoutNanos / 10, 10_000_000L), 1_000_000_000L));
      this.sweeper =
          system
              .scheduler()
              .scheduleWithFixedDelay(
                  every, every, () -> timeouts.sweep(System.nanoTime()), system.dispatcher());
    } else {
      this.sweeper = null;
    }
  }

  /**
   * The plugin's {@code write-timeout} in nanoseconds (0: off).
   *
   * @throws IllegalArgumentException naming {@code <configPath>.write-timeout} if it is not a
   *     duration or is negative
   */
  static long writeTimeoutNanos(Config config, String configPath) {
    String key = configPath + ".write-timeout";
    long nanos;
    try {
      nanos = config.getDuration("write-timeout").toNanos();
    } catch (ConfigException e) {
      throw new IllegalArgumentException(
          key + " must be a duration (e.g. 10s, or 0 for none): " + e.getMessage(), e);
    }
    if (nanos < 0) {
      throw new IllegalArgumentException(
          key + " must be >= 0, got " + config.getString("write-timeout"));
    }
    return nanos;
  }

  @Override
  public void postStop() throws Exception {
    if (sweeper != null) {
      sweeper.cancel();
    }
    super.postStop();
  }

  @Override
  public Future<Iterable<Optional<Exception>>> doAsyncWriteMessages(
      Iterable<AtomicWrite> messages) {
    List<Optional<Exception>> results = new ArrayList<>();
    List<WalWrite> writes;
    try {
      // One transport-information scope for the whole call: serializers of events holding an
      // ActorRef need it (see EventCodec).
      writes = codec.withTransportInformation(() -> encode(messages, results));
    } catch (Exception e) {
      return Futures.failed(e);
    }
    if (writes.isEmpty()) {
      return Futures.successful(results);
    }
    // One promise per call, completed from the group commit through complete(): no intermediate
    // futures between the log and AsyncWriteJournal's callbacks.
    Iterable<Optional<Exception>> done = results;
    WriteAheadLog log;
    try {
      log = log();
    } catch (RuntimeException e) {
      return Futures.failed(e);
    }
    Promise<Iterable<Optional<Exception>>> promise = Futures.promise();
    timeouts.track(promise, System.nanoTime());
    log.append(writes).whenComplete((v, e) -> complete(() -> settle(promise, done, e)));
    return promise.future();
  }

  /**
   * Serializes every atomic write; one that fails to serialize gets its exception in {@code
   * results} (a rejection) and is left out of the returned writes.
   */
  private List<WalWrite> encode(Iterable<AtomicWrite> messages, List<Optional<Exception>> results) {
    List<WalWrite> writes = new ArrayList<>();
    for (AtomicWrite aw : messages) {
      try {
        scala.collection.Iterator<PersistentRepr> it = aw.payload().iterator();
        WalEvent first = codec.toWalEvent(it.next());
        List<WalEvent> events;
        if (it.hasNext()) {
          events = new ArrayList<>();
          events.add(first);
          while (it.hasNext()) {
            events.add(codec.toWalEvent(it.next()));
          }
        } else {
          events = List.of(first);
        }
        writes.add(encoder.encode(events));
        results.add(Optional.empty());
      } catch (Exception e) {
        results.add(Optional.of(e));
      }
    }
    return writes;
  }

  @Override
  public Future<Void> doAsyncDeleteMessagesTo(String persistenceId, long toSequenceNr) {
    try {
      return toScala(log().deleteTo(persistenceId, toSequenceNr), true);
    } catch (RuntimeException e) {
      return Futures.failed(e);
    }
  }

  @Override
  public Future<Void> doAsyncReplayMessages(
      String persistenceId,
      long fromSequenceNr,
      long toSequenceNr,
      long max,
      Consumer<PersistentRepr> replayCallback) {
    WriteAheadLog log;
    try {
      log = log();
    } catch (RuntimeException e) {
      return Futures.failed(e);
    }
    return toScala(
        CompletableFuture.runAsync(
            () -> {
              try {
                codec.withTransportInformation(
                    () ->
                        log.replay(
                            persistenceId,
                            fromSequenceNr,
                            toSequenceNr,
                            max,
                            e -> {
                              PersistentRepr repr;
                              try {
                                repr = codec.toRepr(e);
                              } catch (Throwable t) {
                                // not a bare CompletionException: unwrap() would drop its message
                                throw new CompletionException(
                                    new IllegalStateException(
                                        "cannot deserialize "
                                            + e
                                            + " of "
                                            + persistenceId
                                            + ": "
                                            + t,
                                        t));
                              }
                              replayCallback.accept(repr);
                            }));
              } catch (CompletionException e) {
                throw e;
              } catch (Exception e) {
                throw new CompletionException(e);
              }
            },
            io),
        // Pekko does not run a replay under its circuit breaker (only the read of the highest
        // sequence number before it), so a replay has no timeout here either.
        false);
  }

  /**
   * The highest sequence number, once the writes of {@code persistenceId} that are still under way
   * in the log are stored or failed (see the class comment); Pekko reads it before every replay.
   * Not timed: Pekko's {@code recovery-event-timeout} bounds a recovery that waits here.
   */
  @Override
  public Future<Long> doAsyncReadHighestSequenceNr(String persistenceId, long fromSequenceNr) {
    WriteAheadLog log;
    try {
      log = log();
    } catch (RuntimeException e) {
      return Futures.failed(e);
    }
    // Tracked by the log, not by this actor: a restarted journal actor still waits for the appends
    // its previous incarnation left under way.
    CompletableFuture<Void> settled = log.appendsSettled(persistenceId);
    if (settled.isDone()) {
      return Futures.successful(log.highestSequenceNr(persistenceId));
    }
    Promise<Long> promise = Futures.promise();
    settled.whenComplete(
        (v, e) ->
            complete(
                () -> {
                  try {
                    promise.trySuccess(log.highestSequenceNr(persistenceId));
                  } catch (RuntimeException failure) {
                    promise.tryFailure(failure);
                  }
                }));
    return promise.future();
  }

  /**
   * The log, opened now if it could not be before (the constructor's attempt failed, e.g. the
   * previous process still held the directory). Actor thread.
   *
   * @throws IllegalStateException why it cannot be opened
   */
  private WriteAheadLog log() {
    WriteAheadLog w = wal;
    if (w == null || w.isClosed()) {
      w = WalRegistry.get(context().system()).logFor(configPath, config);
      wal = w;
    }
    return w;
  }

  /**
   * A Scala future failing with the real cause, not a {@link CompletionException}; with {@code
   * timed}, failed after {@code write-timeout} if not completed.
   */
  private <T> Future<T> toScala(CompletableFuture<T> f, boolean timed) {
    Promise<T> promise = Futures.promise();
    if (timed) {
      timeouts.track(promise, System.nanoTime());
    }
    f.whenComplete((v, e) -> settle(promise, v, e));
    return promise.future();
  }

  /** Completes {@code promise} with {@code value}, or fails it with the real cause of {@code e}. */
  private static <T> void settle(Promise<T> promise, T value, Throwable e) {
    if (e == null) {
      promise.trySuccess(value);
    } else {
      promise.tryFailure(unwrap(e));
    }
  }

  /**
   * Runs {@code completion} on the journal's dispatcher, together with every other completion
   * handed over before the dispatcher gets to them. Called on the log's writer thread.
   */
  private void complete(Runnable completion) {
    completions.add(completion);
    if (drainScheduled.compareAndSet(false, true)) {
      dispatcher.execute(drain);
    }
  }

  /**
   * Completes the queued calls. Batchable: Pekko's dispatcher runs it inside a batch, so the future
   * callbacks that the completions trigger (AsyncWriteJournal's, which send the replies) join that
   * batch on this thread instead of being submitted to the pool one by one.
   */
  private final class Drain implements Batchable {
    @Override
    public boolean isBatchable() {
      return true;
    }

    @Override
    public void run() {
      // Reset before draining: a completion queued after the last poll schedules a new drain.
      drainScheduled.set(false);
      Runnable r;
      while ((r = completions.poll()) != null) {
        r.run();
      }
    }
  }

  /** The cause under any {@link CompletionException} wrappers. */
  private static Throwable unwrap(Throwable e) {
    Throwable t = e;
    while (t instanceof CompletionException && t.getCause() != null) {
      t = t.getCause();
    }
    return t;
  }
}
