package io.github.elasticq.bench.persistence;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.LongAdder;
import org.HdrHistogram.Recorder;
import org.apache.pekko.persistence.AbstractPersistentActor;
import org.apache.pekko.persistence.RecoveryCompleted;

/** The persistent actors the harness drives; each counts its acknowledged events in a meter. */
final class BenchActors {
  private BenchActors() {}

  /** Shared by the actors of one run: the driver reads it, the actors add to it. */
  static final class Meter {
    final LongAdder events = new LongAdder();
    final Recorder latency = new Recorder(3);
    volatile boolean running = true;
  }

  /** Persists one event, waits for its handler, persists the next: the journal's write latency. */
  static final class Sequential extends AbstractPersistentActor {
    private static final Object NEXT = "next";
    private final String persistenceId;
    private final Meter meter;
    private final byte[] payload;

    Sequential(String persistenceId, Meter meter, Integer payloadBytes) {
      this.persistenceId = persistenceId;
      this.meter = meter;
      this.payload = new byte[payloadBytes];
    }

    @Override
    public String persistenceId() {
      return persistenceId;
    }

    @Override
    public Receive createReceiveRecover() {
      return receiveBuilder()
          .match(RecoveryCompleted.class, r -> self().tell(NEXT, self()))
          .matchAny(e -> {})
          .build();
    }

    @Override
    public Receive createReceive() {
      return receiveBuilder()
          .matchEquals(
              NEXT,
              n -> {
                if (!meter.running) {
                  return;
                }
                long start = System.nanoTime();
                persist(
                    payload,
                    e -> {
                      meter.latency.recordValue(System.nanoTime() - start);
                      meter.events.increment();
                      self().tell(NEXT, self());
                    });
              })
          .build();
    }
  }

  /**
   * Issues bursts of {@code persistAsync}; keeps two bursts in flight so the journal always has the
   * next batch queued. Optionally stops after {@code limit} events and completes {@code done}.
   */
  static final class AsyncBursts extends AbstractPersistentActor {
    private static final Object BURST = "burst";
    private final String persistenceId;
    private final Meter meter;
    private final byte[] payload;
    private final int burst;
    private final long limit;
    private final CompletableFuture<Long> done;
    private long issued;
    private long handled;

    AsyncBursts(
        String persistenceId,
        Meter meter,
        Integer payloadBytes,
        Integer burst,
        Long limit,
        CompletableFuture<Long> done) {
      this.persistenceId = persistenceId;
      this.meter = meter;
      this.payload = new byte[payloadBytes];
      this.burst = burst;
      this.limit = limit;
      this.done = done;
    }

    @Override
    public String persistenceId() {
      return persistenceId;
    }

    @Override
    public Receive createReceiveRecover() {
      return receiveBuilder()
          .match(
              RecoveryCompleted.class,
              r -> {
                self().tell(BURST, self());
                self().tell(BURST, self());
              })
          .matchAny(e -> {})
          .build();
    }

    @Override
    public Receive createReceive() {
      return receiveBuilder()
          .matchEquals(
              BURST,
              b -> {
                if (!meter.running) {
                  return;
                }
                int n = (int) Math.min(burst, limit - issued);
                for (int i = 0; i < n; i++) {
                  issued++;
                  boolean endOfBurst = i == n - 1;
                  persistAsync(
                      payload,
                      e -> {
                        meter.events.increment();
                        handled++;
                        if (handled == limit) {
                          done.complete(handled);
                        } else if (endOfBurst) {
                          self().tell(BURST, self());
                        }
                      });
                }
              })
          .build();
    }
  }

  /** Only recovers: completes {@code done} with the number of events replayed. */
  static final class Recovering extends AbstractPersistentActor {
    private final String persistenceId;
    private final CompletableFuture<Long> done;
    private long replayed;

    Recovering(String persistenceId, CompletableFuture<Long> done) {
      this.persistenceId = persistenceId;
      this.done = done;
    }

    @Override
    public String persistenceId() {
      return persistenceId;
    }

    @Override
    public Receive createReceiveRecover() {
      return receiveBuilder()
          .match(RecoveryCompleted.class, r -> done.complete(replayed))
          .matchAny(e -> replayed++)
          .build();
    }

    @Override
    public Receive createReceive() {
      return receiveBuilder().build();
    }

    @Override
    public void onRecoveryFailure(Throwable cause, scala.Option<Object> event) {
      done.completeExceptionally(cause);
      super.onRecoveryFailure(cause, event);
    }
  }
}
