package io.github.elasticq.streams.javadsl;

import static org.assertj.core.api.Assertions.assertThat;

import com.typesafe.config.ConfigFactory;
import io.github.elasticq.queue.QueueConfig;
import java.time.Duration;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.ActorSystem;
import org.apache.pekko.stream.javadsl.Sink;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.TestInstance;

/** One classic ActorSystem per test class (PER_CLASS lifecycle), shut down after the class. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
abstract class StreamTestSupport {

  static final Duration TIMEOUT = Duration.ofSeconds(20);

  ActorSystem system;

  @BeforeAll
  void startSystem() {
    system =
        ActorSystem.create(
            getClass().getSimpleName(),
            ConfigFactory.parseString("pekko.loglevel = WARNING\npekko.stdout-loglevel = WARNING")
                .withFallback(ConfigFactory.load()));
  }

  @AfterAll
  void stopSystem() throws Exception {
    system.terminate();
    system.getWhenTerminated().toCompletableFuture().get(30, TimeUnit.SECONDS);
  }

  static QueueConfig config(int min, int max) {
    return QueueConfig.builder()
        .initialCapacity(min)
        .minCapacity(min)
        .maxCapacity(max)
        .growthFactor(2.0)
        .shrinkThreshold(0.25)
        .build();
  }

  /**
   * Downstream without demand: a sink that takes one element, and one more into its waiting put,
   * then pulls nothing more until {@link ElasticSinkQueue#pull} takes one.
   */
  static <T> Sink<T, ElasticSinkQueue<T>> holdingSink() {
    return ElasticSink.queue(config(1, 1));
  }

  /** Pulls {@code expected} from {@code sink}, in order, then its end. */
  static void pullsThenEnd(ElasticSinkQueue<Integer> sink, Integer... expected) throws Exception {
    for (Integer e : expected) {
      assertThat(result(sink.pull())).contains(e);
    }
    assertThat(result(sink.pull())).isEmpty();
  }

  static <T> T result(CompletionStage<T> stage) throws Exception {
    return stage.toCompletableFuture().get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
  }
}
