package io.github.elasticq.mailbox;

import static org.assertj.core.api.Assertions.assertThat;

import com.typesafe.config.ConfigFactory;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.pekko.actor.AbstractActor;
import org.apache.pekko.actor.ActorRef;
import org.apache.pekko.actor.ActorSystem;
import org.apache.pekko.actor.Props;
import org.apache.pekko.testkit.javadsl.TestKit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A mailbox configured with a {@code growth-factor} below 2 takes recurring bursts and drains them.
 * With such a factor one shrink step used not to shrink a small capacity ({@code ceil(10 / 1.1) =
 * 10}), and the queue's consumer, stepping a drained queue down to {@code min-capacity} while
 * holding the resize bit, looped for ever on the dispatcher thread; the senders, waiting for the
 * bit, hung in {@code tell}. Every burst must now be delivered, exactly once and in order.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(value = 60, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class SlowGrowthMailboxTest {

  private static final int BURSTS = 20;
  private static final int BURST = 300;

  private ActorSystem system;

  @BeforeAll
  void start() {
    system =
        ActorSystem.create(
            "SlowGrowthMailboxTest",
            ConfigFactory.parseString(
                    """
                    slow-compact {
                      mailbox-type = "io.github.elasticq.mailbox.ElasticMailbox"
                      initial-capacity = 4
                      min-capacity = 4
                      max-capacity = 4096
                      growth-factor = 1.1
                    }
                    slow-padded = ${slow-compact} { layout = padded }
                    """)
                .withFallback(ConfigFactory.load("application-test"))
                .resolve());
  }

  @AfterAll
  void stop() {
    TestKit.shutdownActorSystem(system);
  }

  /** Counts the messages, checks their order, and opens the latch of each burst's last one. */
  static final class Counter extends AbstractActor {
    private final AtomicLong received;
    private final AtomicReference<CountDownLatch> burstDone;
    private final AtomicReference<String> error;
    private long expected;

    Counter(
        AtomicLong received,
        AtomicReference<CountDownLatch> burstDone,
        AtomicReference<String> error) {
      this.received = received;
      this.burstDone = burstDone;
      this.error = error;
    }

    @Override
    public Receive createReceive() {
      return receiveBuilder()
          .match(
              Long.class,
              n -> {
                if (n != expected) {
                  error.compareAndSet(null, "expected " + expected + ", received " + n);
                }
                expected = n + 1;
                received.incrementAndGet();
                if ((n + 1) % BURST == 0) {
                  burstDone.get().countDown();
                }
              })
          .build();
    }
  }

  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"slow-compact", "slow-padded"})
  void recurringBursts_areDeliveredExactlyOnceInOrder(String mailbox) throws Exception {
    AtomicLong received = new AtomicLong();
    AtomicReference<CountDownLatch> burstDone = new AtomicReference<>();
    AtomicReference<String> error = new AtomicReference<>();
    ActorRef counter =
        system.actorOf(
            Props.create(Counter.class, () -> new Counter(received, burstDone, error))
                .withMailbox(mailbox));
    long next = 0;
    for (int burst = 0; burst < BURSTS; burst++) {
      CountDownLatch done = new CountDownLatch(1);
      burstDone.set(done);
      for (int i = 0; i < BURST; i++) {
        counter.tell(next++, ActorRef.noSender());
      }
      assertThat(done.await(10, TimeUnit.SECONDS))
          .as("burst %d delivered (received %d of %d)", burst, received.get(), next)
          .isTrue();
    }
    assertThat(error.get()).isNull();
    assertThat(received.get()).isEqualTo((long) BURSTS * BURST);
    system.stop(counter);
  }
}
