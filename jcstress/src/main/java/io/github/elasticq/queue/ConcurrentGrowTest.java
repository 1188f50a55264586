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
 * Hazard: two producers find the queue full at the same moment; one takes the resize bit and links
 * a bigger buffer while the other waits or retries with a stale view of the producer buffer. The
 * resize releases the producer word at the value it took it at (a deliberate ABA), so the late
 * producer must find its index in the successor buffer, not write into the retired one
 * (NoPublishIntoRetiredBuffer), and the consumer must wait for a claimed slot rather than skip it.
 *
 * <p>The queue (min = initial = 2, max = 8) is pre-filled with A and B. Actor 1 is a producer and
 * the consumer (an MPSC consumer may also offer): it offers P1, then polls four times. Actor 2
 * offers P2. Both payloads have plain fields. The arbiter drains the rest. (Two actors, not three,
 * so that the test runs on a two-CPU machine.)
 *
 * <p>Results: r1 = how many times P1 was seen, r2 = how many times P2 was seen (each by consumer
 * and arbiter together); r3 = how many payloads the consumer itself saw complete; r4 = violations:
 * a payload with a default field, A or B out of place, or an unknown element.
 *
 * <p>Run: {@code java -jar jcstress/target/jcstress.jar -t ConcurrentGrowTest}.
 */
@JCStressTest
@Outcome(
    id = "1, 1, 1, 0",
    expect = ACCEPTABLE,
    desc =
        "Actor 1 grew the queue and published P1; P2 had not claimed an index when the fourth"
            + " poll looked, so the arbiter found P2 (in the grown buffer).")
@Outcome(
    id = "1, 1, 2, 0",
    expect = ACCEPTABLE,
    desc =
        "Both producers claimed indexes before the consumer's last poll, one of them after the"
            + " other's grow (possibly through the released-at-the-same-value word); the consumer saw"
            + " both payloads complete.")
@Outcome(
    id = ".*",
    expect = FORBIDDEN,
    desc =
        "A payload lost or seen twice, torn, A/B out of order, or the consumer missed its own"
            + " P1 and an earlier-claimed P2: the late producer wrote into the retired buffer or the"
            + " consumer read a slot before its element was published.")
@State
public class ConcurrentGrowTest {
  private final ElasticMpscQueue<Object> queue = new ElasticMpscQueue<>(Races.config(2, 2, 8));
  private final Payload a = new Payload(1);
  private final Payload b = new Payload(2);
  private int seenP1;
  private int seenP2;
  private int violations;

  /** Fills the queue to its capacity so that the producers' offers have to grow it. */
  public ConcurrentGrowTest() {
    Races.offer(queue, a);
    Races.offer(queue, b);
  }

  /** Producer 1 and the single consumer: offers P1, then polls four times. */
  @Actor
  public void producerAndConsumer(IIII_Result r) {
    Races.offer(queue, new Payload(11));
    if (queue.poll() != a) {
      violations++;
    }
    if (queue.poll() != b) {
      violations++;
    }
    int complete = 0;
    for (int i = 0; i < 2; i++) {
      Object e = queue.poll();
      if (e != null) {
        complete += record(e);
      }
    }
    r.r3 = complete;
  }

  /** Producer 2. */
  @Actor
  public void producer2() {
    Races.offer(queue, new Payload(12));
  }

  /** After all actors: drain the rest and count. */
  @Arbiter
  public void arbiter(IIII_Result r) {
    Object e;
    while ((e = queue.poll()) != null) {
      record(e);
    }
    r.r1 = seenP1;
    r.r2 = seenP2;
    r.r4 = violations;
  }

  /** Counts one polled element; returns 1 if it was a complete payload. */
  private int record(Object e) {
    if (!(e instanceof Payload p) || !p.complete() || (p.id != 11 && p.id != 12)) {
      violations++;
      return 0;
    }
    if (p.id == 11) {
      seenP1++;
    } else {
      seenP2++;
    }
    return 1;
  }
}
