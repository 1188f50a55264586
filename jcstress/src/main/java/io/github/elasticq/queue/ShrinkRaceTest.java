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
 * Hazard: a stale slot after a shrink. The consumer's own poll decides to shrink and links a
 * smaller buffer at the current producer index while a producer is claiming that very index. The
 * producer must publish into the buffer that owns its index and the consumer must read it from
 * there: never a stale element from the retired buffer, never an element lost in a buffer nobody
 * reads any more, never a default field (NoPublishIntoRetiredBuffer, NoReadOfUnpublished, NoLoss).
 *
 * <p>The queue (min 2, initial = max = 8) is built with the package-private test constructor so
 * that the consumer samples occupancy on every operation and shrinks after one low sample. It holds
 * A. The consumer polls A (which samples and usually shrinks to min at once) and polls again; the
 * producer offers P; the arbiter drains the rest.
 *
 * <p>Results: r1 = the consumer's second poll ({@code 0} empty, {@code 1} P with every field
 * visible, {@code 2} P with a default field, {@code 3} another element); r2 = 1 if the first poll
 * returned A; r3 = how many times P was seen (consumer plus arbiter); r4 = shrinks before the
 * arbiter ran (0: the producer's claim beat the consumer's only resize CAS each time).
 *
 * <p>Run: {@code java -jar jcstress/target/jcstress.jar -t ShrinkRaceTest}.
 */
@JCStressTest
@Outcome(
    id = "0, 1, 1, 0",
    expect = ACCEPTABLE,
    desc =
        "No shrink (the producer moved the word under both of the consumer's CAS attempts);"
            + " the second poll ran before P was published; the arbiter found P.")
@Outcome(
    id = "0, 1, 1, [12]",
    expect = ACCEPTABLE,
    desc =
        "The consumer shrank; the second poll ran before P was published; the arbiter found P"
            + " in whichever buffer owns its index.")
@Outcome(
    id = "1, 1, 1, 0",
    expect = ACCEPTABLE,
    desc =
        "No shrink; P was published in the original buffer and polled with every field"
            + " visible.")
@Outcome(
    id = "1, 1, 1, [12]",
    expect = ACCEPTABLE,
    desc =
        "The consumer shrank before or after P's claim; P was published in the buffer that owns"
            + " its index and polled complete.")
@Outcome(
    id = ".*",
    expect = FORBIDDEN,
    desc =
        "P torn, lost (published into a retired buffer) or seen twice, or a stale element read"
            + " from the retired buffer.")
@State
public class ShrinkRaceTest {
  private final ElasticMpscQueue<Object> queue =
      new ElasticMpscQueue<>(Races.config(8, 2, 8), 0L, 1, 1);
  private final Payload a = new Payload(1);
  private int seenByConsumer;

  /** One element at capacity 8: occupancy 1/8 is below the shrink threshold. */
  public ShrinkRaceTest() {
    Races.offer(queue, a);
  }

  /** The producer. */
  @Actor
  public void producer() {
    Races.offer(queue, new Payload(2));
  }

  /** The single consumer: the poll that shrinks, then one more. */
  @Actor
  public void consumer(IIII_Result r) {
    r.r2 = queue.poll() == a ? 1 : 0;
    Object second = queue.poll();
    if (second instanceof Payload p && p.id == 2) {
      r.r1 = p.complete() ? Races.VISIBLE : Races.TORN;
      seenByConsumer = 1;
    } else {
      r.r1 = second == null ? Races.EMPTY : Races.OTHER;
    }
  }

  /** After both actors: read the shrink count, then drain and count. */
  @Arbiter
  public void arbiter(IIII_Result r) {
    r.r4 = (int) queue.stats().shrinks();
    int seen = seenByConsumer;
    Object e;
    while ((e = queue.poll()) != null) {
      // Anything but a complete P counts as 100 so that the outcome cannot look acceptable.
      seen += e instanceof Payload p && p.id == 2 && p.complete() ? 1 : 100;
    }
    r.r3 = seen;
  }
}
