package io.github.elasticq.examples.features;

import io.github.elasticq.queue.QosQueue;
import io.github.elasticq.queue.QueueConfig;
import io.github.elasticq.streams.javadsl.BufferChannel;
import io.github.elasticq.streams.javadsl.ChannelClosedException;
import io.github.elasticq.streams.javadsl.ElasticFlow;
import io.github.elasticq.streams.javadsl.ElasticSink;
import io.github.elasticq.streams.javadsl.ElasticSinkQueue;
import io.github.elasticq.streams.javadsl.ElasticSource;
import io.github.elasticq.streams.javadsl.ElasticSourceQueue;
import io.github.elasticq.streams.javadsl.QosSource;
import io.github.elasticq.streams.javadsl.QosSourceQueue;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.Done;
import org.apache.pekko.actor.ActorSystem;
import org.apache.pekko.japi.Pair;
import org.apache.pekko.stream.javadsl.Keep;
import org.apache.pekko.stream.javadsl.Sink;

/**
 * Each stream adapter once: {@code ElasticSource.queue} into {@code ElasticFlow.buffer} into {@code
 * ElasticSink.queue}; a {@code QosSource} that emits its highest level first; a {@code
 * BufferChannel} between two threads.
 *
 * <pre>
 * ./mvnw -q -pl examples -am verify -Pdemo -DskipTests \
 *     -Ddemo.mainClass=io.github.elasticq.examples.features.StreamsExample
 * </pre>
 */
public final class StreamsExample {
  private StreamsExample() {}

  /** Runs the example. */
  public static void main(String[] args) throws Exception {
    ActorSystem system = ActorSystem.create("streams");
    QueueConfig config =
        QueueConfig.builder().initialCapacity(16).minCapacity(16).maxCapacity(65536).build();
    try {
      // source queue -> elastic buffer -> sink queue
      Pair<ElasticSourceQueue<Integer>, ElasticSinkQueue<Integer>> graph =
          ElasticSource.<Integer>queue(config)
              .map(i -> i * 2)
              .via(ElasticFlow.buffer(config))
              .toMat(ElasticSink.queue(config), Keep.both())
              .run(system);
      for (int i = 0; i < 10_000; i++) {
        graph.first().offer(i); // lock-free, from any thread; dropped only at max-capacity
      }
      graph.first().complete();
      long sum = 0;
      for (var next = graph.second().poll(Duration.ofSeconds(5));
          next.isPresent();
          next = graph.second().poll(Duration.ofSeconds(5))) {
        sum += next.get();
      }
      System.out.println("ElasticSource -> ElasticFlow.buffer -> ElasticSink: sum " + sum);

      // a priority source: what waits is emitted highest level first (strict fairness). The slow
      // stage holds one element until the gate opens, so "low" and "high-2" wait in the QosQueue
      // (wherever the stream's first pull falls, "high-1" goes first: it is the oldest of level 2)
      CompletableFuture<Done> gate = new CompletableFuture<>();
      Pair<QosSourceQueue<String>, CompletionStage<List<String>>> qos =
          QosSource.<String>queue(3, QosQueue.Fairness.STRICT, null, config)
              .mapAsync(1, e -> gate.thenApply(done -> e))
              .toMat(Sink.seq(), Keep.both())
              .run(system);
      qos.first().offer("high-1", 2);
      qos.first().offer("low", 0);
      qos.first().offer("high-2", 2);
      qos.first().complete();
      gate.complete(Done.getInstance());
      List<String> order = qos.second().toCompletableFuture().get();
      System.out.println("QosSource emitted " + order); // [high-1, high-2, low]

      // a channel between threads: send waits for room, receive for an element
      BufferChannel<String> channel = BufferChannel.create(config);
      Thread producer =
          new Thread(
              () -> {
                for (int i = 0; i < 3; i++) {
                  channel.send("message-" + i).toCompletableFuture().join();
                }
                channel.close();
              });
      producer.start();
      try {
        while (true) {
          channel
              .receive(Duration.ofSeconds(5))
              .ifPresent(m -> System.out.println("BufferChannel received " + m));
        }
      } catch (ChannelClosedException drained) {
        System.out.println("BufferChannel closed and drained");
      }
      producer.join();
    } finally {
      system.terminate();
      system.getWhenTerminated().toCompletableFuture().get();
    }
  }
}
