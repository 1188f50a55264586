package io.github.elasticq.persistence.journal;

import com.typesafe.config.Config;
import io.github.elasticq.persistence.internal.EventCodec;
import io.github.elasticq.persistence.wal.WalEvent;
import io.github.elasticq.persistence.wal.WalWrite;
import io.github.elasticq.persistence.wal.WriteAheadLog;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executor;
import java.util.function.Consumer;
import org.apache.pekko.actor.ActorSystem;
import org.apache.pekko.dispatch.Futures;
import org.apache.pekko.persistence.AtomicWrite;
import org.apache.pekko.persistence.PersistentRepr;
import org.apache.pekko.persistence.journal.japi.AsyncWriteJournal;
import scala.concurrent.Future;
import scala.jdk.javaapi.FutureConverters;

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
 *       the future completes when they are durable as {@code sync-mode} defines.
 *   <li>Replays run on the plugin dispatcher ({@code elasticq.journal.dispatcher}), never on the
 *       default dispatcher; the highest sequence number comes from the in-memory index.
 * </ul>
 *
 * <p>Instantiated by Pekko; the instance is an actor and confined to it. The log itself is owned by
 * {@link WalRegistry} and shared with the read journal.
 */
public final class WalJournal extends AsyncWriteJournal {
  private final WriteAheadLog wal;
  private final EventCodec codec;
  private final Executor io;

  /** Encodes atomic writes; confined to the actor, like {@link #doAsyncWriteMessages}. */
  private final WalWrite.Encoder encoder = new WalWrite.Encoder();

  /**
   * Called by Pekko with the plugin's configuration section and its path.
   *
   * @throws IllegalArgumentException if a setting is invalid (names the key)
   * @throws IllegalStateException if the log cannot be opened (names the directory or the file)
   */
  public WalJournal(Config config, String configPath) {
    ActorSystem system = context().system();
    this.wal = WalRegistry.get(system).logFor(configPath, config);
    this.codec = new EventCodec(system);
    this.io = system.dispatchers().lookup(config.getString("plugin-dispatcher"));
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
    Iterable<Optional<Exception>> done = results;
    return toScala(wal.append(writes).thenApply(v -> done));
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
    return toScala(wal.deleteTo(persistenceId, toSequenceNr));
  }

  @Override
  public Future<Void> doAsyncReplayMessages(
      String persistenceId,
      long fromSequenceNr,
      long toSequenceNr,
      long max,
      Consumer<PersistentRepr> replayCallback) {
    return toScala(
        CompletableFuture.runAsync(
            () -> {
              try {
                codec.withTransportInformation(
                    () ->
                        wal.replay(
                            persistenceId,
                            fromSequenceNr,
                            toSequenceNr,
                            max,
                            e -> {
                              try {
                                replayCallback.accept(codec.toRepr(e));
                              } catch (Throwable t) {
                                throw new CompletionException(
                                    "cannot deserialize " + e + " of " + persistenceId, t);
                              }
                            }));
              } catch (CompletionException e) {
                throw e;
              } catch (Exception e) {
                throw new CompletionException(e);
              }
            },
            io));
  }

  @Override
  public Future<Long> doAsyncReadHighestSequenceNr(String persistenceId, long fromSequenceNr) {
    return Futures.successful(wal.highestSequenceNr(persistenceId));
  }

  /** A Scala future failing with the real cause, not a {@link CompletionException}. */
  private static <T> Future<T> toScala(CompletableFuture<T> f) {
    CompletableFuture<T> unwrapped = new CompletableFuture<>();
    f.whenComplete(
        (v, e) -> {
          if (e == null) {
            unwrapped.complete(v);
          } else {
            Throwable t = e;
            while (t instanceof CompletionException && t.getCause() != null) {
              t = t.getCause();
            }
            unwrapped.completeExceptionally(t);
          }
        });
    return FutureConverters.asScala(unwrapped);
  }
}
