package io.github.elasticq.bench;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * Elements consumed so far, written by the one consumer thread and read by producers, padded so
 * that it shares a cache line with nothing else. Producers read it only when their own soft bound
 * is reached (see {@link MpscThroughputBenchmark}).
 */
final class ConsumedCounter {
  private static final VarHandle VALUE;

  static {
    try {
      VALUE = MethodHandles.lookup().findVarHandle(ConsumedCounter.class, "value", long.class);
    } catch (ReflectiveOperationException e) {
      throw new ExceptionInInitializerError(e);
    }
  }

  long p00, p01, p02, p03, p04, p05, p06, p07;
  private volatile long value;
  long p10, p11, p12, p13, p14, p15, p16, p17;

  /** Consumer thread only: one more element consumed. */
  void increment() {
    VALUE.setOpaque(this, (long) VALUE.get(this) + 1); // single writer: no read-modify-write
  }

  /** Any thread: a recent count (it only grows). */
  long getOpaque() {
    return (long) VALUE.getOpaque(this);
  }
}
