package io.github.elasticq.bench;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import io.github.elasticq.bench.BenchActors.Expect;
import io.github.elasticq.mailbox.MailboxRegistry;
import java.util.Locale;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import org.apache.pekko.actor.ActorRef;
import org.apache.pekko.actor.ActorSystem;
import org.apache.pekko.dispatch.Envelope;
import org.apache.pekko.dispatch.MailboxType;
import org.apache.pekko.dispatch.MessageQueue;
import scala.Option;
import scala.concurrent.Await;
import scala.concurrent.duration.Duration;

/**
 * Why a mailbox run ends, counted: bursts of {@value AbstractMailboxBenchmark#BURST} messages from
 * one thread into one actor (the {@code burst} benchmarks' workload), through a message queue that
 * wraps the mailbox under test and counts its {@code dequeue}s that return null. Pekko's mailbox
 * run stops at such a null (otherwise after {@code throughput} messages) and then re-checks {@code
 * hasMessages}; a null while {@code hasMessages} is true means the run ended with a message claimed
 * by its sender but not yet stored (or sent right after), a run end the relaxed dequeue pays and an
 * exact one does not.
 *
 * <pre>
 * java -cp bench/target/benchmarks.jar io.github.elasticq.bench.MailboxRunEnds \
 *   [bursts=60] ElasticMailbox QosMailbox SingleConsumerOnlyUnboundedMailbox ...
 * </pre>
 *
 * Names as {@link Mailboxes#section}. Per mailbox: the mean per burst over the second half of the
 * bursts (the first half warms the JVM) of dequeues that returned a message, of those that returned
 * null, of those nulls with {@code hasMessages} true right after, the queue's grows and shrinks
 * (ours only, from the registry: each links a new array), and the throughput. Not a JMH benchmark:
 * the wrapper costs a call per dequeue, so the throughput is a rough figure; the counts are the
 * point.
 */
public final class MailboxRunEnds {
  private MailboxRunEnds() {}

  /** Counts of the one queue under test; reset between warm-up and measurement. */
  static final LongAdder TAKEN = new LongAdder();

  static final LongAdder EMPTY = new LongAdder();
  static final LongAdder CLAIMED = new LongAdder();

  /** A mailbox type around another ({@code inner-type}) whose queues count their null dequeues. */
  public static final class Counting implements MailboxType {
    private final MailboxType inner;

    /**
     * Called by Pekko.
     *
     * @param settings the actor system settings
     * @param config the mailbox section, with {@code inner-type} the wrapped type's class
     */
    public Counting(ActorSystem.Settings settings, Config config)
        throws ReflectiveOperationException {
      inner =
          (MailboxType)
              Class.forName(config.getString("inner-type"))
                  .getConstructor(ActorSystem.Settings.class, Config.class)
                  .newInstance(settings, config);
    }

    @Override
    public MessageQueue create(Option<ActorRef> owner, Option<ActorSystem> system) {
      MessageQueue q = inner.create(owner, system);
      return new MessageQueue() {
        @Override
        public void enqueue(ActorRef receiver, Envelope handle) {
          q.enqueue(receiver, handle);
        }

        @Override
        public Envelope dequeue() {
          Envelope e = q.dequeue();
          if (e != null) {
            TAKEN.increment();
          } else {
            EMPTY.increment();
            if (q.hasMessages()) {
              CLAIMED.increment();
            }
          }
          return e;
        }

        @Override
        public int numberOfMessages() {
          return q.numberOfMessages();
        }

        @Override
        public boolean hasMessages() {
          return q.hasMessages();
        }

        @Override
        public void cleanUp(ActorRef owner, MessageQueue deadLetters) {
          q.cleanUp(owner, deadLetters);
        }
      };
    }
  }

  /**
   * Runs the bursts for each mailbox named and prints one line each.
   *
   * @param args {@code [bursts=N]} then mailbox names
   */
  public static void main(String[] args) throws Exception {
    int bursts = 60;
    StringBuilder out = new StringBuilder();
    out.append(
        "| mailbox | taken / burst | null dequeues / burst | of which claimed | grows / burst"
            + " | shrinks / burst | msgs/ms |\n");
    out.append("|---|---:|---:|---:|---:|---:|---:|\n");
    for (String a : args) {
      if (a.startsWith("bursts=")) {
        bursts = Integer.parseInt(a.substring("bursts=".length()));
        continue;
      }
      out.append(run(a, bursts)).append('\n');
    }
    System.out.print(out);
  }

  /**
   * The sink's queue's grows and shrinks so far (all levels of a QosMailbox), from the registry;
   * null for a mailbox that is not ours.
   */
  private static long[] resizes(ActorSystem system, ActorRef sink) {
    return MailboxRegistry.get(system)
        .find(sink)
        .map(info -> new long[] {info.stats().grows(), info.stats().shrinks()})
        .orElse(null);
  }

  private static String run(String mailbox, int bursts) throws Exception {
    Config base = Mailboxes.systemConfig(mailbox);
    String innerType = base.getString(Mailboxes.PATH + ".mailbox-type");
    Config config =
        ConfigFactory.parseString(
                Mailboxes.PATH
                    + " { mailbox-type = \""
                    + Counting.class.getName()
                    + "\"\ninner-type = \""
                    + innerType
                    + "\" }")
            .withFallback(base);
    ActorSystem system = ActorSystem.create("run-ends", config);
    try {
      ActorRef sink = system.actorOf(AbstractMailboxBenchmark.sinkProps(), "sink");
      long sent = 0;
      long measuredNanos = 0;
      int measured = 0;
      long[] before = {0, 0};
      for (int b = 0; b < bursts; b++) {
        if (b == bursts / 2) {
          TAKEN.reset();
          EMPTY.reset();
          CLAIMED.reset();
          before = resizes(system, sink);
        }
        long start = System.nanoTime();
        CountDownLatch processed = new CountDownLatch(1);
        sent += AbstractMailboxBenchmark.BURST;
        sink.tell(new Expect(sent, processed), ActorRef.noSender());
        for (int i = 0; i < AbstractMailboxBenchmark.BURST; i++) {
          sink.tell(BenchActors.LEVELS[i % 3], ActorRef.noSender());
        }
        if (!processed.await(60, TimeUnit.SECONDS)) {
          throw new IllegalStateException(mailbox + ": burst not processed within 60 s");
        }
        if (b >= bursts / 2) {
          measuredNanos += System.nanoTime() - start;
          measured++;
        }
      }
      long[] after = resizes(system, sink);
      return String.format(
          Locale.ROOT,
          "| %s | %d | %d | %d | %s | %s | %.0f |",
          mailbox,
          TAKEN.sum() / measured,
          EMPTY.sum() / measured,
          CLAIMED.sum() / measured,
          after == null ? "—" : Long.toString((after[0] - before[0]) / measured),
          after == null ? "—" : Long.toString((after[1] - before[1]) / measured),
          (double) measured * AbstractMailboxBenchmark.BURST / (measuredNanos / 1e6));
    } finally {
      Await.result(system.terminate(), Duration.create(30, TimeUnit.SECONDS));
    }
  }
}
