package io.github.elasticq.bench;

import io.github.elasticq.bench.BenchActors.Msg;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;

/**
 * QosMailbox (weighted, the default, and strict) against Pekko's UnboundedStablePriorityMailbox
 * with a three-level comparator, in messages processed per millisecond. The messages cycle through
 * levels 0, 1, 2. {@code fanIn}: 4 sender threads into one actor (oversubscribed on 2 cores);
 * {@code burst}: {@value AbstractMailboxBenchmark#BURST} messages from one thread.
 *
 * <p>Every fork pre-touches its heap ({@code -XX:+AlwaysPreTouch}, for every mailbox alike), as
 * {@link MailboxBenchmark} does and for its reason (the first seconds of a fork page-faulting on
 * fresh young-generation regions). Until round 36 (2026-12-06) this harness ran without it, so the
 * QoS rows of earlier rounds were measured in that slower regime (the mailbox rows were not).
 */
@State(Scope.Benchmark)
@Fork(jvmArgsAppend = "-XX:+AlwaysPreTouch")
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
public class QosMailboxBenchmark extends AbstractMailboxBenchmark {
  /** The mailbox under test; see {@link Mailboxes}. */
  @Param({"QosMailbox", "QosMailboxStrict", "UnboundedStablePriorityMailbox"})
  public String mailbox;

  @Override
  String mailbox() {
    return mailbox;
  }

  @Override
  Msg message(int i) {
    return BenchActors.LEVELS[i % 3];
  }
}
