package io.github.elasticq.bench;

import io.github.elasticq.bench.BenchActors.Msg;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.BenchmarkMode;
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
 */
@State(Scope.Benchmark)
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
