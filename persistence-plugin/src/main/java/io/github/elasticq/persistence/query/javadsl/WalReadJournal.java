package io.github.elasticq.persistence.query.javadsl;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import io.github.elasticq.persistence.internal.EventCodec;
import io.github.elasticq.persistence.journal.WalRegistry;
import io.github.elasticq.persistence.wal.WalEvent;
import io.github.elasticq.persistence.wal.WriteAheadLog;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.NotUsed;
import org.apache.pekko.actor.ExtendedActorSystem;
import org.apache.pekko.japi.Pair;
import org.apache.pekko.persistence.query.EventEnvelope;
import org.apache.pekko.persistence.query.Offset;
import org.apache.pekko.persistence.query.javadsl.CurrentEventsByPersistenceIdQuery;
import org.apache.pekko.persistence.query.javadsl.CurrentPersistenceIdsQuery;
import org.apache.pekko.persistence.query.javadsl.EventsByPersistenceIdQuery;
import org.apache.pekko.persistence.query.javadsl.PersistenceIdsQuery;
import org.apache.pekko.stream.javadsl.Source;

/**
 * Java API of the read journal {@code elasticq.query}, reading the log of the journal plugin named
 * by {@code write-plugin} in the same actor system:
 *
 * <pre>{@code
 * WalReadJournal q = PersistenceQuery.get(system)
 *     .getReadJournalFor(WalReadJournal.class, WalReadJournal.Identifier);
 * }</pre>
 *
 * <p>Live streams ({@link #eventsByPersistenceId}, {@link #persistenceIds}) are woken by the
 * journal as soon as it publishes an append, and re-check every {@code refresh-interval} as a
 * fallback; they never complete on their own (except when {@code toSequenceNr} is reached, also
 * when the events up to it were deleted or never stored, as a rejected write's). Current streams
 * emit what was stored when they were materialized and complete. Events are the deserialized
 * payloads (no event adapters); the offset is a {@code Sequence} of the sequence number. An event
 * is visible once its write has been acknowledged to the persistent actor, or earlier.
 *
 * <p>A live stream shows what a replay shows: an emitted event stays the event of its sequence
 * number, also when its write failed for the persistent actor (a {@code write-timeout}) and was
 * stored all the same, because the actor's next recovery waits for that write and goes on after it
 * (see {@code WalJournal}). Only two live incarnations of one persistence id at once, which Pekko
 * does not support, can write a sequence number again: the journal's replays then return the newer
 * event (and drop the older incarnation's events after it), while a live stream that had emitted
 * the older one does not emit the newer.
 *
 * <p>Thread-safe; every returned {@code Source} may be materialized any number of times. Log reads
 * run on the journal's replay-dispatcher.
 */
public final class WalReadJournal
    implements EventsByPersistenceIdQuery,
        CurrentEventsByPersistenceIdQuery,
        PersistenceIdsQuery,
        CurrentPersistenceIdsQuery {
  /** The plugin id of this read journal in {@code reference.conf}. */
  public static final String Identifier = "elasticq.query";

  private static final long UNSET = -1;

  private final ExtendedActorSystem system;
  private final String writePlugin;
  private final long refreshMillis;
  private final int maxBufferSize;
  private final EventCodec codec;
  private final Executor io;
  private volatile WriteAheadLog wal;

  /**
   * Created by {@code WalReadJournalProvider}.
   *
   * @throws IllegalArgumentException if a setting is invalid (names {@code configPath.key})
   */
  public WalReadJournal(ExtendedActorSystem system, Config config, String configPath) {
    this.system = system;
    try {
      this.writePlugin = config.getString("write-plugin");
    } catch (ConfigException e) {
      throw new IllegalArgumentException(configPath + ".write-plugin: " + e.getMessage(), e);
    }
    Duration refresh;
    try {
      refresh = config.getDuration("refresh-interval");
    } catch (ConfigException e) {
      throw new IllegalArgumentException(configPath + ".refresh-interval: " + e.getMessage(), e);
    }
    if (refresh.isNegative() || refresh.isZero()) {
      throw new IllegalArgumentException(
          configPath + ".refresh-interval: invalid value " + refresh + " (must be > 0)");
    }
    this.refreshMillis = Math.max(1, refresh.toMillis());
    int max;
    try {
      max = config.getInt("max-buffer-size");
    } catch (ConfigException e) {
      throw new IllegalArgumentException(configPath + ".max-buffer-size: " + e.getMessage(), e);
    }
    if (max <= 0) {
      throw new IllegalArgumentException(
          configPath + ".max-buffer-size: invalid value " + max + " (must be > 0)");
    }
    this.maxBufferSize = max;
    this.codec = new EventCodec(system);
    String dispatcher;
    try {
      dispatcher = system.settings().config().getConfig(writePlugin).getString("replay-dispatcher");
    } catch (ConfigException e) {
      throw new IllegalArgumentException(
          configPath + ".write-plugin: no journal plugin section '" + writePlugin + "'", e);
    }
    this.io = system.dispatchers().lookup(dispatcher);
  }

  /** The shared log, opened on first use (the journal may not have started yet). */
  private WriteAheadLog wal() {
    WriteAheadLog w = wal;
    if (w == null || w.isClosed()) {
      w = WalRegistry.get(system).logFor(writePlugin);
      wal = w;
    }
    return w;
  }

  @Override
  public Source<EventEnvelope, NotUsed> eventsByPersistenceId(
      String persistenceId, long fromSequenceNr, long toSequenceNr) {
    return events(persistenceId, fromSequenceNr, toSequenceNr, true);
  }

  @Override
  public Source<EventEnvelope, NotUsed> currentEventsByPersistenceId(
      String persistenceId, long fromSequenceNr, long toSequenceNr) {
    return events(persistenceId, fromSequenceNr, toSequenceNr, false);
  }

  @Override
  public Source<String, NotUsed> persistenceIds() {
    return ids(true);
  }

  @Override
  public Source<String, NotUsed> currentPersistenceIds() {
    return ids(false);
  }

  // ------------------------------------------------------------------------------------------

  private record Cursor(long next, long bound) {}

  /**
   * One read of a stream; {@code settled}: every sequence number up to the bound was already stored
   * (or deleted) before the read, so an empty read means nothing more can come.
   */
  private record Step<T>(
      long bound, CompletableFuture<Void> signal, List<T> items, boolean settled) {}

  private Source<EventEnvelope, NotUsed> events(String pid, long from, long to, boolean live) {
    return Source.<Cursor, List<EventEnvelope>>unfoldAsync(
            new Cursor(Math.max(1, from), UNSET), c -> eventStep(pid, c, to, live))
        .mapConcat(l -> l);
  }

  private CompletionStage<Optional<Pair<Cursor, List<EventEnvelope>>>> eventStep(
      String pid, Cursor c, long to, boolean live) {
    if (c.next() > to) {
      return CompletableFuture.completedFuture(Optional.empty());
    }
    return CompletableFuture.supplyAsync(
            () -> {
              WriteAheadLog w = wal();
              long bound =
                  c.bound() != UNSET
                      ? c.bound()
                      : live ? to : Math.min(to, w.highestSequenceNr(pid));
              CompletableFuture<Void> signal = live ? w.awaitAppend(pid) : null;
              // read before the replay: every event up to it is indexed when the replay runs
              boolean settled = live && w.highestSequenceNr(pid) >= bound;
              List<EventEnvelope> items = new ArrayList<>();
              try {
                w.replay(pid, c.next(), bound, maxBufferSize, e -> items.add(envelope(e)));
              } catch (Exception e) {
                if (signal != null) {
                  w.cancelAwait(pid, signal);
                }
                throw new CompletionException(e);
              }
              return new Step<>(bound, signal, items, settled);
            },
            io)
        .thenCompose(
            s -> {
              if (!s.items().isEmpty()) {
                if (s.signal() != null) {
                  wal().cancelAwait(pid, s.signal());
                }
                long next = s.items().get(s.items().size() - 1).sequenceNr() + 1;
                return CompletableFuture.completedFuture(
                    Optional.of(Pair.create(new Cursor(next, s.bound()), s.items())));
              }
              if (!live || s.settled()) {
                // a live stream whose remaining sequence numbers up to toSequenceNr were deleted
                // or skipped (a rejected write): they never come (the highest is never lowered)
                if (s.signal() != null) {
                  wal().cancelAwait(pid, s.signal());
                }
                return CompletableFuture.completedFuture(Optional.empty());
              }
              return s.signal()
                  .completeOnTimeout(null, refreshMillis, TimeUnit.MILLISECONDS)
                  .thenApply(
                      v -> {
                        wal().cancelAwait(pid, s.signal());
                        return Optional.of(
                            Pair.create(new Cursor(c.next(), s.bound()), List.<EventEnvelope>of()));
                      });
            });
  }

  private EventEnvelope envelope(WalEvent e) {
    Object payload;
    scala.Option<Object> metadata;
    try {
      payload = codec.payload(e);
      metadata = codec.metadata(e);
    } catch (Throwable t) {
      throw new CompletionException("cannot deserialize " + e, t);
    }
    return new EventEnvelope(
        Offset.sequence(e.sequenceNr()),
        e.persistenceId(),
        e.sequenceNr(),
        payload,
        e.timestamp(),
        metadata);
  }

  private Source<String, NotUsed> ids(boolean live) {
    return Source.<Cursor, List<String>>unfoldAsync(new Cursor(0, UNSET), c -> idStep(c, live))
        .mapConcat(l -> l);
  }

  private CompletionStage<Optional<Pair<Cursor, List<String>>>> idStep(Cursor c, boolean live) {
    // on the io executor: the first step may open the log (a recovery), never on the stream's
    // thread
    return CompletableFuture.supplyAsync(
            () -> {
              WriteAheadLog w = wal();
              CompletableFuture<Void> signal = live ? w.awaitNewPersistenceId() : null;
              long bound =
                  c.bound() != UNSET ? c.bound() : live ? Long.MAX_VALUE : w.persistenceIdCount();
              // one page: a stream over many ids copies each id once
              int max = (int) Math.max(0, Math.min(bound - c.next(), maxBufferSize));
              List<String> page = w.persistenceIds((int) c.next(), max);
              if (!page.isEmpty() && signal != null) {
                w.cancelAwaitNewPersistenceId(signal);
              }
              return new Step<>(bound, signal, page, false);
            },
            io)
        .thenCompose(
            s -> {
              if (!s.items().isEmpty()) {
                return CompletableFuture.completedFuture(
                    Optional.of(
                        Pair.create(
                            new Cursor(c.next() + s.items().size(), s.bound()), s.items())));
              }
              if (!live) {
                return CompletableFuture.completedFuture(Optional.empty());
              }
              return s.signal()
                  .completeOnTimeout(null, refreshMillis, TimeUnit.MILLISECONDS)
                  .thenApply(
                      v -> {
                        wal().cancelAwaitNewPersistenceId(s.signal());
                        return Optional.of(
                            Pair.create(new Cursor(c.next(), s.bound()), List.<String>of()));
                      });
            });
  }
}
