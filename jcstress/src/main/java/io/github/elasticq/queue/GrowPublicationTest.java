package io.github.elasticq.queue;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.IIIII_Result;

/**
 * Hazard: an element offered while the queue grows is published into the new buffer, and the
 * consumer must never read it before its fields are visible, never miss it and never read it twice
 * (invariants NoReadOfUnpublished, NoPublishIntoRetiredBuffer, NoLoss, NoDuplicate).
 *
 * <p>The queue (min = initial = 2, max = 8) is pre-filled with A and B, so the producer's offer of
 * a fresh {@link Payload} P must link a bigger buffer unless the consumer has already taken A. The
 * consumer polls three times (A, B, then P or nothing); the arbiter drains what is left.
 *
 * <p>Results: r1 = third poll ({@code 0} empty, {@code 1} P with every field visible, {@code 2} P
 * with a default field, {@code 3} another element); r2 = 1 if the first two polls returned A then
 * B; r3 = how many times P was seen (consumer plus arbiter); r4 = elements other than P the arbiter
 * found; r5 = grows.
 *
 * <p>Run: {@code java -jar jcstress/target/jcstress.jar -t GrowPublicationTest} (add {@code -m
 * tough} for a long run).
 */
@JCStressTest
@Outcome(
    id = "0, 1, 1, 0, 0",
    expect = ACCEPTABLE,
    desc =
        "Consumer took A before the producer checked capacity (no grow); its third poll ran"
            + " before P was published; the arbiter found P.")
@Outcome(
    id = "0, 1, 1, 0, 1",
    expect = ACCEPTABLE,
    desc =
        "Producer found the queue full and grew it; the consumer's third poll ran before P was"
            + " published; the arbiter found P in the new buffer.")
@Outcome(
    id = "1, 1, 1, 0, 0",
    expect = ACCEPTABLE,
    desc =
        "Consumer took A first (no grow needed); P was published into the first buffer and"
            + " polled with every field visible.")
@Outcome(
    id = "1, 1, 1, 0, 1",
    expect = ACCEPTABLE,
    desc =
        "Producer grew the queue; the consumer crossed from the old buffer into the new one and"
            + " polled P with every field visible.")
@Outcome(
    id = ".*",
    expect = FORBIDDEN,
    desc = "P torn (default field), lost, seen twice, A/B out of order, or a stale element read.")
@State
public class GrowPublicationTest {
  private final ElasticMpscQueue<Object> queue = new ElasticMpscQueue<>(Races.config(2, 2, 8));
  private final Payload a = new Payload(1);
  private final Payload b = new Payload(2);
  private int seenByConsumer;

  /** Fills the queue to its capacity so that one more offer has to grow it. */
  public GrowPublicationTest() {
    Races.offer(queue, a);
    Races.offer(queue, b);
  }

  /** The producer: builds P with plain fields and offers it into the full queue. */
  @Actor
  public void producer() {
    Races.offer(queue, new Payload(3));
  }

  /** The single consumer: three polls. */
  @Actor
  public void consumer(IIIII_Result r) {
    Object first = queue.poll();
    Object second = queue.poll();
    Object third = queue.poll();
    r.r2 = (first == a && second == b) ? 1 : 0;
    if (third instanceof Payload p && p != a && p != b) {
      r.r1 = p.complete() ? Races.VISIBLE : Races.TORN;
      seenByConsumer = 1;
    } else {
      r.r1 = third == null ? Races.EMPTY : Races.OTHER;
    }
  }

  /** After both actors: drain the rest and count. */
  @Arbiter
  public void arbiter(IIIII_Result r) {
    int seen = seenByConsumer;
    int others = 0;
    Object e;
    while ((e = queue.poll()) != null) {
      if (e instanceof Payload p && p.id == 3 && p.complete()) {
        seen++;
      } else {
        others++;
      }
    }
    r.r3 = seen;
    r.r4 = others;
    r.r5 = (int) queue.stats().grows();
  }
}
