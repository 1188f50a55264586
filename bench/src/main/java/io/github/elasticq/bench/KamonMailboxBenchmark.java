package io.github.elasticq.bench;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import io.github.elasticq.bench.BenchActors.Msg;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.ActorRef;
import org.apache.pekko.dispatch.Envelope;
import org.apache.pekko.dispatch.MailboxType;
import org.apache.pekko.dispatch.MessageQueue;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.infra.Blackhole;
import scala.Option;

/**
 * The cost of the Kamon integration on the mailbox hot paths, in messages processed per
 * millisecond: ElasticMailbox and QosMailbox with {@code elasticq.kamon} off, on without
 * time-in-mailbox sampling ({@code sample-every = 0}: the poller alone) and on with sampling (one
 * envelope in 64 timestamped, the default). Same workloads as {@link MailboxBenchmark}: {@code
 * fanIn} (4 senders into one actor) and {@code burst} ({@value AbstractMailboxBenchmark#BURST}
 * messages from one thread). Kamon is not initialized (no reporter): the instruments record, but
 * nothing is shipped, as with a reporter between two ticks.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
public class KamonMailboxBenchmark extends AbstractMailboxBenchmark {
  /** The mailbox under test; see {@link Mailboxes}. */
  @Param({"ElasticMailbox", "QosMailbox"})
  public String mailbox;

  /** off, on (poller only), sampled (poller and 1-in-64 time in mailbox). */
  @Param({"off", "on", "sampled"})
  public String kamon;

  @Override
  String mailbox() {
    return mailbox;
  }

  @Override
  Config systemConfig() {
    String section =
        switch (kamon) {
          case "off" -> "elasticq.kamon.enabled = off";
          case "on" ->
              "elasticq.kamon { enabled = on, poll-interval = 1s,"
                  + " time-in-mailbox.sample-every = 0 }";
          case "sampled" ->
              "elasticq.kamon { enabled = on, poll-interval = 1s,"
                  + " time-in-mailbox.sample-every = 64 }";
          default -> throw new IllegalArgumentException("kamon: off | on | sampled, not " + kamon);
        };
    return ConfigFactory.parseString(section).withFallback(super.systemConfig());
  }

  @Override
  Msg message(int i) {
    return mailbox.startsWith("Qos") ? BenchActors.LEVELS[i % 3] : BenchActors.MSG;
  }

  private MessageQueue queue;
  private ActorRef owner;
  private Envelope[] envelopes;

  /** A queue of the mailbox under test, registered like an actor's, for {@link #offerPoll}. */
  @Override
  void startMore() {
    MailboxType type = system.mailboxes().lookup(Mailboxes.PATH);
    owner = burstSink;
    queue = type.create(Option.apply(owner), Option.apply(system));
    envelopes = new Envelope[OFFER_POLL];
    for (int i = 0; i < OFFER_POLL; i++) {
      envelopes[i] = Envelope.apply(message(i), ActorRef.noSender(), system);
    }
  }

  /** Messages per {@link #offerPoll} invocation. */
  public static final int OFFER_POLL = 64;

  /**
   * The hot path alone, on one thread: {@value #OFFER_POLL} enqueues, then as many dequeues, on the
   * mailbox's message queue (no actor, no dispatcher), so scheduling noise stays out.
   */
  @Benchmark
  @OperationsPerInvocation(OFFER_POLL)
  public void offerPoll(Blackhole bh) {
    MessageQueue q = queue;
    for (int i = 0; i < OFFER_POLL; i++) {
      q.enqueue(owner, envelopes[i]);
    }
    for (int i = 0; i < OFFER_POLL; i++) {
      bh.consume(q.dequeue());
    }
  }
}
