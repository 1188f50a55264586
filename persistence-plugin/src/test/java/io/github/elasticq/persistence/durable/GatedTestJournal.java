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
import java.util.function.Consumer;
import org.apache.pekko.persistence.AtomicWrite;
import org.apache.pekko.persistence.PersistentRepr;
import org.apache.pekko.persistence.journal.japi.AsyncWriteJournal;
import scala.concurrent.Future;
import scala.jdk.javaapi.CollectionConverters;
import scala.jdk.javaapi.FutureConverters;

/**
 * An in-memory journal for the durable mailbox tests whose writes wait for permits ({@link
 * #PERMITS}): a test holds a write in flight, so that commands are stashed, and releases it.
 */
public class GatedTestJournal extends AsyncWriteJournal {
  static final Map<String, List<PersistentRepr>> STORE = new ConcurrentHashMap<>();
  static final Semaphore PERMITS = new Semaphore(Integer.MAX_VALUE / 2);
  static final AtomicInteger WRITES_STARTED = new AtomicInteger();

  static void reset() {
    STORE.clear();
    PERMITS.drainPermits();
    PERMITS.release(Integer.MAX_VALUE / 2);
    WRITES_STARTED.set(0);
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
                STORE
                    .computeIfAbsent(w.persistenceId(), k -> new CopyOnWriteArrayList<>())
                    .addAll(reprs);
                out.add(Optional.empty());
              }
              return (Iterable<Optional<Exception>>) out;
            }));
  }

  @Override
  public Future<Void> doAsyncDeleteMessagesTo(String pid, long to) {
    return FutureConverters.asScala(CompletableFuture.completedFuture(null));
  }

  @Override
  public Future<Void> doAsyncReplayMessages(
      String pid, long from, long to, long max, Consumer<PersistentRepr> cb) {
    long n = 0;
    for (PersistentRepr r : STORE.getOrDefault(pid, List.of())) {
      if (r.sequenceNr() >= from && r.sequenceNr() <= to && n++ < max) {
        cb.accept(r);
      }
    }
    return FutureConverters.asScala(CompletableFuture.completedFuture(null));
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
