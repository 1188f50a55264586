package io.github.elasticq.streams.javadsl;

import io.github.elasticq.queue.QueueConfig;
import java.time.Duration;
import java.util.ArrayDeque;
import org.jetbrains.lincheck.datastructures.IntGen;
import org.jetbrains.lincheck.datastructures.ModelCheckingOptions;
import org.jetbrains.lincheck.datastructures.Operation;
import org.jetbrains.lincheck.datastructures.Param;
import org.jetbrains.lincheck.datastructures.StressOptions;
import org.junit.jupiter.api.Test;

/**
 * Lincheck over {@link BufferChannel}: several threads send, receive without waiting and close, all
 * in parallel (many senders, many receivers). The results must linearize to a FIFO with a closed
 * flag: sends after close are refused; a receive returns the head, or {@link #CLOSED} once the
 * channel is closed and empty, or null when it is open and empty. The capacity is above what a
 * scenario can send, so a send never waits (waiting sends are covered by BufferChannelTest).
 */
class BufferChannelLincheckTest {

  /** What a receive returns once the channel is closed and drained. */
  static final int CLOSED = -1;

  static final QueueConfig SMALL =
      QueueConfig.builder()
          .initialCapacity(2)
          .minCapacity(2)
          .maxCapacity(16)
          .growthFactor(2.0)
          .shrinkThreshold(0.25)
          .build();

  @Test
  void sendReceiveClose_modelChecking() {
    new ModelCheckingOptions()
        .iterations(8)
        .invocationsPerIteration(150)
        .threads(3)
        .actorsPerThread(3)
        .actorsBefore(2)
        .actorsAfter(1)
        .sequentialSpecification(ChannelSpec.class)
        .check(Scenario.class);
  }

  @Test
  void sendReceiveClose_stress() {
    new StressOptions()
        .iterations(5)
        .invocationsPerIteration(300)
        .threads(3)
        .actorsPerThread(3)
        .actorsBefore(2)
        .actorsAfter(1)
        .sequentialSpecification(ChannelSpec.class)
        .check(Scenario.class);
  }

  /** The channel's operations. */
  @Param(name = "value", gen = IntGen.class, conf = "1:9")
  public static class Scenario {
    private final BufferChannel<Integer> channel = BufferChannel.create(SMALL);

    @Operation
    public boolean send(@Param(name = "value") int value) {
      var f = channel.send(value).toCompletableFuture();
      return f.isDone() && !f.isCompletedExceptionally();
    }

    @Operation
    public boolean trySend(@Param(name = "value") int value) {
      return channel.trySend(value);
    }

    @Operation
    public Integer receive() throws InterruptedException {
      try {
        return channel.receive(Duration.ZERO).orElse(null);
      } catch (ChannelClosedException closed) {
        return CLOSED;
      }
    }

    @Operation
    public void close() {
      channel.close();
    }

    @Operation
    public boolean isClosed() {
      return channel.isClosed();
    }
  }

  /** Sequential specification: a FIFO plus a closed flag. */
  public static class ChannelSpec {
    private final ArrayDeque<Integer> deque = new ArrayDeque<>();
    private boolean closed;

    public boolean send(int value) {
      return trySend(value);
    }

    public boolean trySend(int value) {
      if (closed) {
        return false;
      }
      deque.add(value);
      return true;
    }

    public Integer receive() {
      Integer e = deque.poll();
      return e != null ? e : closed ? Integer.valueOf(CLOSED) : null;
    }

    public void close() {
      closed = true;
    }

    public boolean isClosed() {
      return closed;
    }
  }
}
