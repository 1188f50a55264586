package io.github.elasticq.bench;

import io.github.elasticq.bench.BenchActors.BatchEnd;
import io.github.elasticq.bench.BenchActors.Expect;
import io.github.elasticq.bench.BenchActors.Msg;
import io.github.elasticq.bench.BenchActors.Sink;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.ActorRef;
import org.apache.pekko.actor.ActorSystem;
import org.apache.pekko.actor.Props;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Threads;
import scala.concurrent.Await;
import scala.concurrent.duration.Duration;

/**
 * Shared machinery of the mailbox benchmarks: one classic ActorSystem per trial whose {@value
 * Mailboxes#PATH} section selects the mailbox under test, and the two workloads that every mailbox
 * family runs (fan-in with a bounded window per sender, and a burst into one actor). The two
 * workloads are {@link Benchmark} methods here; JMH runs them for each concrete subclass under the
 * subclass's name ({@code MailboxBenchmark.fanIn}, {@code QosMailboxBenchmark.burst}, ...), with
 * the subclass's {@link #message} and mailbox parameter.
 */
public abstract class AbstractMailboxBenchmark {
  /** Messages per fan-in batch; each sender keeps at most {@value #WINDOW} batches in flight. */
  public static final int BATCH = 1_000;

  /** Batches in flight per fan-in sender. */
  public static final int WINDOW = 2;

  /** Messages per burst. */
  public static final int BURST = 100_000;

  ActorSystem system;
  ActorRef fanInSink;
  ActorRef burstSink;
  private long burstSent;

  /** The mailbox under test, one of {@link Mailboxes#section}'s names. */
  abstract String mailbox();

  /** The message sent as the {@code i}-th of a batch or burst. */
  abstract Msg message(int i);

  /** Starts the actor system and the sinks. */
  @Setup(Level.Trial)
  public void startSystem() {
    system = ActorSystem.create("bench", systemConfig());
    fanInSink = system.actorOf(sinkProps(), "fan-in-sink");
    burstSink = system.actorOf(sinkProps(), "burst-sink");
    startMore();
  }

  /** The actor system's configuration; subclasses may add to it. */
  com.typesafe.config.Config systemConfig() {
    return Mailboxes.systemConfig(mailbox());
  }

  /** Hook for subclasses that need more actors. */
  void startMore() {}

  static Props sinkProps() {
    return Props.create(Sink.class, Sink::new).withMailbox(Mailboxes.PATH);
  }

  /**
   * With {@code -Delasticq.bench.resizes=true}: after each iteration, prints the fan-in and burst
   * sinks' grows and shrinks since the last one (ours only, from the registry), to relate an
   * iteration's score to its resizing. Off by default; runs outside the measured time.
   */
  @TearDown(Level.Iteration)
  public void printResizes() {
    if (!Boolean.getBoolean("elasticq.bench.resizes")) {
      return;
    }
    StringBuilder line = new StringBuilder("resizes:");
    for (ActorRef sink : new ActorRef[] {fanInSink, burstSink}) {
      io.github.elasticq.mailbox.MailboxRegistry.get(system)
          .find(sink)
          .ifPresent(
              info -> {
                long g = info.stats().grows();
                long sh = info.stats().shrinks();
                String key = sink.path().name();
                long[] last = lastResizes.computeIfAbsent(key, k -> new long[2]);
                line.append(' ')
                    .append(key)
                    .append(" grows ")
                    .append(g - last[0])
                    .append(" shrinks ")
                    .append(sh - last[1])
                    .append(" capacity ")
                    .append(info.stats().capacity());
                last[0] = g;
                last[1] = sh;
              });
    }
    System.out.println(line);
  }

  private final java.util.Map<String, long[]> lastResizes = new java.util.HashMap<>();

  /** Stops the actor system. */
  @TearDown(Level.Trial)
  public void stopSystem() throws Exception {
    Await.result(system.terminate(), Duration.create(30, TimeUnit.SECONDS));
  }

  /** A fan-in sender's window of batches in flight. */
  @State(Scope.Thread)
  public static class Sender {
    final Semaphore window = new Semaphore(WINDOW);
    final BatchEnd end = new BatchEnd(window);
  }

  /** Four senders, one actor: each sends batches of {@value #BATCH} within its window. */
  @Benchmark
  @Threads(4)
  @OperationsPerInvocation(BATCH)
  public void fanIn(Sender sender) throws InterruptedException {
    sendBatch(sender);
  }

  /** One burst of {@value #BURST} into one actor, until processed. */
  @Benchmark
  @OperationsPerInvocation(BURST)
  public void burst() throws InterruptedException {
    sendBurst();
  }

  /** Sends one batch from the calling thread, after waiting for a free slot in its window. */
  private void sendBatch(Sender sender) throws InterruptedException {
    sender.window.acquire();
    ActorRef sink = fanInSink;
    for (int i = 0; i < BATCH; i++) {
      sink.tell(message(i), ActorRef.noSender());
    }
    sink.tell(sender.end, ActorRef.noSender());
  }

  /** Sends {@value #BURST} messages from the calling thread and waits until all are processed. */
  private void sendBurst() throws InterruptedException {
    ActorRef sink = burstSink;
    CountDownLatch processed = new CountDownLatch(1);
    burstSent += BURST;
    sink.tell(new Expect(burstSent, processed), ActorRef.noSender());
    for (int i = 0; i < BURST; i++) {
      sink.tell(message(i), ActorRef.noSender());
    }
    if (!processed.await(60, TimeUnit.SECONDS)) {
      throw new IllegalStateException(mailbox() + ": burst not processed within 60 s");
    }
  }
}
