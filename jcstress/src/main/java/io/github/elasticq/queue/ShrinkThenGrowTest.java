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
 * Hazard: a producer burst crosses a consumer-driven shrink and the grow that follows it. The
 * consumer shrinks the queue from 8 to 2 slots while one producer offers P1, P2, P3 in a row; the
 * smaller buffer then fills and a producer-side grow links a third buffer. Each payload must be
 * polled exactly once, complete, and in the producer's order, whatever buffer it landed in (NoLoss,
 * NoDuplicate, per-producer FIFO, NoPublishIntoRetiredBuffer).
 *
 * <p>The queue (min 2, initial = max = 8) comes from the package-private test constructor
 * (occupancy sampled on every consumer operation, one low sample shrinks). It holds A. The consumer
 * polls three times; the arbiter drains the rest.
 *
 * <p>Results: r1 = payloads the consumer itself polled (0..2); r2 = violations (a payload lost,
 * duplicated, torn or out of order, or A not first); r3 = 1 if at least one shrink happened; r4 = 1
 * if at least one grow happened.
 *
 * <p>Run: {@code java -jar jcstress/target/jcstress.jar -t ShrinkThenGrowTest}.
 */
@JCStressTest
@Outcome(
    id = "[0-2], 0, 0, 0",
    expect = ACCEPTABLE,
    desc =
        "The producer's claims beat the consumer's shrink attempts: no resize; the consumer"
            + " polled as many payloads as were published in time, the arbiter the rest.")
@Outcome(
    id = "[0-2], 0, 1, 0",
    expect = ACCEPTABLE,
    desc =
        "The consumer shrank, but it kept up with the producer so the small buffer never"
            + " filled: no grow.")
@Outcome(
    id = "[0-2], 0, 1, 1",
    expect = ACCEPTABLE,
    desc =
        "The consumer shrank, then the producer filled the small buffer and grew the queue:"
            + " the payloads span two or three buffers and still arrive once each, in order.")
@Outcome(
    id = ".*",
    expect = FORBIDDEN,
    desc =
        "A payload lost, duplicated, torn or reordered across the shrink/grow, or a grow"
            + " without a preceding shrink (the queue started at max).")
@State
public class ShrinkThenGrowTest {
  private final ElasticMpscQueue<Object> queue =
      new ElasticMpscQueue<>(Races.config(8, 2, 8), 0L, 1, 1);
  private final Payload a = new Payload(1);
  private int nextId = 11;
  private int polledByConsumer;
  private int violations;

  /** One element at capacity 8: occupancy 1/8 is below the shrink threshold. */
  public ShrinkThenGrowTest() {
    Races.offer(queue, a);
  }

  /** The producer: three payloads in a row. */
  @Actor
  public void producer() {
    Races.offer(queue, new Payload(11));
    Races.offer(queue, new Payload(12));
    Races.offer(queue, new Payload(13));
  }

  /** The single consumer: A, then two more polls. */
  @Actor
  public void consumer(IIII_Result r) {
    if (queue.poll() != a) {
      violations++;
    }
    for (int i = 0; i < 2; i++) {
      Object e = queue.poll();
      if (e != null) {
        record(e);
        polledByConsumer++;
      }
    }
    r.r1 = polledByConsumer;
  }

  /** After both actors: drain the rest, then check that all three payloads arrived in order. */
  @Arbiter
  public void arbiter(IIII_Result r) {
    Object e;
    while ((e = queue.poll()) != null) {
      record(e);
    }
    if (nextId != 14) {
      violations++; // a payload was lost
    }
    QueueStats stats = queue.stats();
    r.r2 = violations;
    r.r3 = stats.shrinks() > 0 ? 1 : 0;
    r.r4 = stats.grows() > 0 ? 1 : 0;
  }

  private void record(Object e) {
    if (e instanceof Payload p && p.complete() && p.id == nextId) {
      nextId++;
    } else {
      violations++;
    }
  }
}
