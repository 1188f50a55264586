package io.github.elasticq.queue;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.IIII_Result;

/**
 * Hazard: the lazy first buffer. A new queue holds no array; the first offer installs one under the
 * resize bit, storing it into the consumer's buffer field too. Two producers race to install it,
 * and the consumer polls while the install may be in progress: it must see either "empty" or the
 * installed buffer with its array and its open end, never a half-built buffer, and no payload may
 * be lost, duplicated or torn (FirstBufferBeforeFirstClaim, NoReadOfUnpublished, NoLoss).
 *
 * <p>Both layouts are tested, {@link ElasticMpscQueue} (padded) and {@link CompactElasticMpscQueue}
 * (the mailboxes'), with min = initial = 2, max = 8 and nothing offered before the actors run.
 * Actor 1 is the consumer and a producer (an MPSC consumer may also offer): it polls once, offers
 * P1, then polls twice. Actor 2 offers P2. The arbiter drains the rest.
 *
 * <p>Results: r1 = the first poll ({@code 0} empty, {@code 1} P2 complete, {@code 2} P2 with a
 * default field, {@code 3} anything else); r2 = complete payloads the consumer saw in its three
 * polls; r3 = times P1 was seen, r4 = times P2 was seen (consumer plus arbiter), each plus 100 for
 * every torn or unknown element.
 *
 * <p>Run: {@code java -jar jcstress/target/jcstress.jar -t FirstBufferInstallTest}.
 */
public class FirstBufferInstallTest {

  private FirstBufferInstallTest() {}

  /** The race over the padded layout. */
  @JCStressTest
  @Outcome(
      id = "0, 1, 1, 1",
      expect = ACCEPTABLE,
      desc =
          "The first poll found no claimed index (no buffer or an empty one); P1 was polled; P2"
              + " was claimed after the last poll looked and the arbiter found it.")
  @Outcome(
      id = "0, 2, 1, 1",
      expect = ACCEPTABLE,
      desc =
          "The first poll found nothing; both payloads were claimed (either producer installing"
              + " the buffer) before the consumer's last poll and were polled complete.")
  @Outcome(
      id = "1, 2, 1, 1",
      expect = ACCEPTABLE,
      desc =
          "Actor 2 installed the buffer and published P2 before the first poll, which saw it"
              + " complete through the consumer buffer it had just read; then P1.")
  @Outcome(
      id = ".*",
      expect = FORBIDDEN,
      desc =
          "A payload lost, seen twice or torn: the consumer read a half-built first buffer, or"
              + " two producers installed two first buffers.")
  @State
  public static class Padded {
    private final ElasticMpscQueue<Object> queue = new ElasticMpscQueue<>(Races.config(2, 2, 8));
    private final Seen seen = new Seen();

    /** The consumer, which also offers P1. */
    @Actor
    public void consumerAndProducer1(IIII_Result r) {
      seen.consume(queue, r);
    }

    /** Producer 2. */
    @Actor
    public void producer2() {
      Races.offer(queue, new Payload(12));
    }

    /** After both actors: drain and count. */
    @Arbiter
    public void arbiter(IIII_Result r) {
      seen.drain(queue, r);
    }
  }

  /** The race over the compact layout: same outcomes. */
  @JCStressTest
  @Outcome(
      id = "0, 1, 1, 1",
      expect = ACCEPTABLE,
      desc = "The first poll found nothing; P1 polled; the arbiter found P2.")
  @Outcome(
      id = "0, 2, 1, 1",
      expect = ACCEPTABLE,
      desc = "The first poll found nothing; both payloads polled complete.")
  @Outcome(
      id = "1, 2, 1, 1",
      expect = ACCEPTABLE,
      desc = "Actor 2 installed the buffer and published P2 before the first poll; then P1.")
  @Outcome(
      id = ".*",
      expect = FORBIDDEN,
      desc = "A payload lost, seen twice or torn (half-built first buffer, two first buffers).")
  @State
  public static class Compact {
    private final CompactElasticMpscQueue<Object> queue =
        new CompactElasticMpscQueue<>(Races.config(2, 2, 8));
    private final Seen seen = new Seen();

    /** The consumer, which also offers P1. */
    @Actor
    public void consumerAndProducer1(IIII_Result r) {
      seen.consume(queue, r);
    }

    /** Producer 2. */
    @Actor
    public void producer2() {
      if (!queue.offer(new Payload(12))) {
        throw new IllegalStateException("offer refused below max: " + queue.stats());
      }
    }

    /** After both actors: drain and count. */
    @Arbiter
    public void arbiter(IIII_Result r) {
      seen.drain(queue, r);
    }
  }

  /** The consumer's bookkeeping, shared by both layouts. */
  static final class Seen {
    private int p1;
    private int p2;
    private int violations;

    void consume(AbstractElasticMpscQueue<Object> queue, IIII_Result r) {
      Object first = queue.poll();
      int complete = 0;
      if (first == null) {
        r.r1 = Races.EMPTY;
      } else if (first instanceof Payload p && p.id == 12) {
        r.r1 = p.complete() ? Races.VISIBLE : Races.TORN;
        complete += record(first);
      } else {
        r.r1 = Races.OTHER;
        record(first);
      }
      if (!queue.offer(new Payload(11))) {
        throw new IllegalStateException("offer refused below max: " + queue.stats());
      }
      for (int i = 0; i < 2; i++) {
        Object e = queue.poll();
        if (e != null) {
          complete += record(e);
        }
      }
      r.r2 = complete;
    }

    void drain(AbstractElasticMpscQueue<Object> queue, IIII_Result r) {
      Object e;
      while ((e = queue.poll()) != null) {
        record(e);
      }
      r.r3 = p1 + 100 * violations;
      r.r4 = p2 + 100 * violations;
    }

    /** Counts one polled element; returns 1 if it was a complete payload. */
    private int record(Object e) {
      if (!(e instanceof Payload p) || !p.complete() || (p.id != 11 && p.id != 12)) {
        violations++;
        return 0;
      }
      if (p.id == 11) {
        p1++;
      } else {
        p2++;
      }
      return 1;
    }
  }
}
