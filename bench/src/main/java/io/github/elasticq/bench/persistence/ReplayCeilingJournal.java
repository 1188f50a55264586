package io.github.elasticq.bench.persistence;

import com.typesafe.config.Config;
import java.util.Arrays;
import java.util.function.Consumer;
import org.apache.pekko.actor.ActorRef;
import org.apache.pekko.dispatch.Futures;
import org.apache.pekko.persistence.PersistentRepr;
import org.apache.pekko.serialization.Serialization;
import org.apache.pekko.serialization.SerializationExtension;
import org.apache.pekko.serialization.Serializer;
import org.apache.pekko.serialization.Serializers;
import scala.concurrent.Future;

/**
 * The replay ceiling: a journal that holds no storage and replays {@code events} events of every
 * persistence id from memory, synchronously inside {@code doAsyncReplayMessages} (on the journal
 * actor's thread, no hand-off), as fast as Pekko's recovery path takes them; its highest sequence
 * number is always {@code events}. What is left is Pekko's per-event path: AsyncWriteJournal's
 * callback (event adapters, one {@code ReplayedMessage} per event), the message to the recovering
 * actor and its recovery handler. Writes are acknowledged at once and dropped ({@link
 * NoOpJournal}).
 *
 * <p>Two modes ({@code deserialize} in its configuration):
 *
 * <ul>
 *   <li>off: hands over {@code PersistentRepr}s built before the replay (one array per persistence
 *       id and event count, kept for the JVM, see {@link #prebuilt}). No journal can be faster.
 *   <li>on: per event, what any real journal must do once the bytes are in memory: copy the stored
 *       payload into a fresh array (as a read does), deserialize it with Pekko Serialization (the
 *       serializer id and manifest it was stored with) and build the {@code PersistentRepr} with
 *       its writer uuid and timestamp. No reading, no checksum, no record decoding.
 * </ul>
 *
 * <p>The payload is a {@code byte[]} of {@code payload-bytes} zeros, as the harness's actors
 * persist. Select it with the harness's {@code REPLAY_CEILING} or {@code
 * REPLAY_CEILING_DESERIALIZE} journal; bench only, not a journal.
 */
public final class ReplayCeilingJournal extends NoOpJournal {
  private static final String WRITER_UUID = "00000000-0000-0000-0000-000000000000";

  /** The last array of {@link #prebuilt}, reused by the next replay of the same id and size. */
  private static PersistentRepr[] cached;

  private final long events;
  private final boolean deserialize;
  private final int payloadBytes;
  private final Serialization serialization;
  private final byte[] stored;
  private final int serializerId;
  private final String manifest;

  /**
   * Called by Pekko with the plugin's configuration section.
   *
   * @throws IllegalArgumentException if {@code events} or {@code payload-bytes} is negative
   */
  public ReplayCeilingJournal(Config config) {
    this.events = config.getLong("events");
    this.deserialize = config.getBoolean("deserialize");
    this.payloadBytes = config.getInt("payload-bytes");
    if (events < 0 || payloadBytes < 0) {
      throw new IllegalArgumentException(
          "events and payload-bytes must be >= 0, got " + events + " and " + payloadBytes);
    }
    this.serialization = SerializationExtension.get(context().system());
    byte[] payload = new byte[payloadBytes];
    Serializer serializer = serialization.findSerializerFor(payload);
    this.serializerId = serializer.identifier();
    this.manifest = Serializers.manifestFor(serializer, payload);
    this.stored = serializer.toBinary(payload);
  }

  /**
   * The pre-built events 1..{@code n} of {@code persistenceId} with payloads of {@code
   * payloadBytes} zeros (one shared array): built on the first call, then reused while the id and
   * size are the same. The harness calls it before it times a recovery. Thread-safe.
   */
  static synchronized PersistentRepr[] prebuilt(String persistenceId, int n, int payloadBytes) {
    PersistentRepr[] c = cached;
    if (c != null
        && c.length == n
        && (n == 0
            || (c[0].persistenceId().equals(persistenceId)
                && ((byte[]) c[0].payload()).length == payloadBytes))) {
      return c;
    }
    byte[] payload = new byte[payloadBytes];
    c = new PersistentRepr[n];
    for (int i = 0; i < n; i++) {
      c[i] = repr(payload, i + 1, persistenceId);
    }
    cached = c;
    return c;
  }

  private static PersistentRepr repr(Object payload, long sequenceNr, String persistenceId) {
    return PersistentRepr.apply(
            payload,
            sequenceNr,
            persistenceId,
            PersistentRepr.Undefined(),
            false,
            ActorRef.noSender(),
            WRITER_UUID)
        .withTimestamp(1_700_000_000_000L + sequenceNr);
  }

  @Override
  public Future<Void> doAsyncReplayMessages(
      String persistenceId,
      long fromSequenceNr,
      long toSequenceNr,
      long max,
      Consumer<PersistentRepr> replayCallback) {
    long from = Math.max(1, fromSequenceNr);
    long to = Math.min(Math.min(toSequenceNr, events), from + Math.min(max, events) - 1);
    try {
      if (deserialize) {
        for (long seq = from; seq <= to; seq++) {
          byte[] read = Arrays.copyOf(stored, stored.length);
          Object payload = serialization.deserialize(read, serializerId, manifest).get();
          replayCallback.accept(repr(payload, seq, persistenceId));
        }
      } else {
        PersistentRepr[] reprs = prebuilt(persistenceId, (int) events, payloadBytes);
        for (long seq = from; seq <= to; seq++) {
          replayCallback.accept(reprs[(int) (seq - 1)]);
        }
      }
    } catch (RuntimeException e) {
      return Futures.failed(e);
    }
    return NOTHING;
  }

  @Override
  public Future<Long> doAsyncReadHighestSequenceNr(String persistenceId, long fromSequenceNr) {
    return Futures.successful(events);
  }
}
