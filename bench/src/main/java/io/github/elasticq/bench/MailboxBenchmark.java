package io.github.elasticq.bench;

import io.github.elasticq.bench.BenchActors.Msg;
import io.github.elasticq.bench.BenchActors.Player;
import io.github.elasticq.bench.BenchActors.Serve;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.ActorRef;
import org.apache.pekko.actor.Props;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;

/**
 * ElasticMailbox against Pekko's single-consumer mailboxes, in messages processed per millisecond.
 * {@code fanIn}: 4 sender threads into one actor (oversubscribed on 2 cores: the dispatcher thread
 * competes with the senders). {@code burst}: one thread sends {@value
 * AbstractMailboxBenchmark#BURST} messages into one actor and waits until it has processed them.
 * {@code pingPong}: {@value #PAIRS} pairs of actors returning a message {@value #HOPS} times each.
 *
 * <p>Every fork pre-touches its heap ({@code -XX:+AlwaysPreTouch}, appended for every mailbox
 * alike): without it the first pass of the young generation through never-touched pages (G1 grows
 * eden to ~600 MB with {@code -Xms1g}) page-faults on every new region, and the scores of the first
 * ~10 s of a fork (5 warm-up and the first measurement iterations) ran at half speed, more for some
 * mailboxes than others (bench/results/2026-12-01/mailbox-round3.md).
 */
@State(Scope.Benchmark)
@Fork(jvmArgsAppend = "-XX:+AlwaysPreTouch")
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
public class MailboxBenchmark extends AbstractMailboxBenchmark {
  /** Ping-pong pairs per invocation. */
  public static final int PAIRS = 4;

  /** Round trips per pair and invocation. */
  public static final int HOPS = 2_000;

  /** The mailbox under test; see {@link Mailboxes}. */
  @Param({
    "ElasticMailbox",
    "ElasticMailbox+padded",
    "ElasticMailbox+padded+burst-memory",
    "SingleConsumerOnlyUnboundedMailbox",
    "UnboundedMailbox",
    "NonBlockingBoundedMailbox",
    "BoundedMailbox"
  })
  public String mailbox;

  private final ActorRef[] servers = new ActorRef[PAIRS];
  private final ActorRef[] receivers = new ActorRef[PAIRS];

  @Override
  String mailbox() {
    return mailbox;
  }

  @Override
  Msg message(int i) {
    return BenchActors.MSG;
  }

  @Override
  void startMore() {
    Props props = Props.create(Player.class, Player::new).withMailbox(Mailboxes.PATH);
    for (int i = 0; i < PAIRS; i++) {
      servers[i] = system.actorOf(props, "server-" + i);
      receivers[i] = system.actorOf(props, "receiver-" + i);
    }
  }

  /** Concurrent ping-pong rallies; counts every message (two per round trip). */
  @Benchmark
  @OperationsPerInvocation(PAIRS * HOPS * 2)
  public void pingPong() throws InterruptedException {
    CountDownLatch done = new CountDownLatch(PAIRS);
    for (int i = 0; i < PAIRS; i++) {
      servers[i].tell(new Serve(receivers[i], HOPS, done), ActorRef.noSender());
    }
    if (!done.await(60, TimeUnit.SECONDS)) {
      throw new IllegalStateException(mailbox + ": ping-pong not finished within 60 s");
    }
  }
}
