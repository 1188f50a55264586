package io.github.elasticq.mailbox.kamon;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import java.time.Duration;
import org.apache.pekko.ConfigurationException;
import org.apache.pekko.actor.ActorSystem;
import org.apache.pekko.testkit.javadsl.TestKit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** {@code elasticq.kamon} validation, at the start of the actor system. */
class KamonSettingsTest {

  private static Config config(String section) {
    return ConfigFactory.parseString(section).withFallback(ConfigFactory.load("application-test"));
  }

  private static Throwable root(Throwable t) {
    Throwable r = t;
    while (r.getCause() != null && !(r instanceof ConfigurationException)) {
      r = r.getCause();
    }
    return r;
  }

  @Test
  void defaults_areOffAndValid() {
    KamonSettings s = KamonSettings.fromConfig(ConfigFactory.load());
    assertThat(s.enabled()).isFalse();
    assertThat(s.pollInterval()).isEqualTo(Duration.ofSeconds(1));
    assertThat(s.perActorIncludes()).isEmpty();
    assertThat(s.sampleEvery()).isEqualTo(64);
  }

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        "elasticq.kamon.bogus = 1                          | elasticq.kamon.bogus",
        "elasticq.kamon.per-actor.exclude = []             | elasticq.kamon.per-actor.exclude",
        "elasticq.kamon.enabled = maybe                    | elasticq.kamon.enabled",
        "elasticq.kamon.poll-interval = 0s                 | elasticq.kamon.poll-interval",
        "elasticq.kamon.poll-interval = soon               | elasticq.kamon.poll-interval",
        "elasticq.kamon.per-actor.includes = \"/user/*\"   | elasticq.kamon.per-actor.includes",
        "elasticq.kamon.per-actor.includes = [\"user/a\"]  | elasticq.kamon.per-actor.includes",
        "elasticq.kamon.per-actor.includes = null          | elasticq.kamon.per-actor.includes",
        "elasticq.kamon.poll-interval = null               | elasticq.kamon.poll-interval",
        "elasticq.kamon.time-in-mailbox.sample-every = -1  | elasticq.kamon.time-in-mailbox.sample-every",
        "elasticq.kamon.time-in-mailbox.sample-every = x   | elasticq.kamon.time-in-mailbox.sample-every",
        "elasticq.kamon.time-in-mailbox.sample-every = 0.5 | must be a whole number",
      })
  void invalidSection_failsTheStartNamingTheKey(String line, String key) {
    assertThatThrownBy(() -> ActorSystem.create("kamon-bad-config", config(line)))
        .satisfies(
            e -> {
              Throwable r = root(e);
              assertThat(r).isInstanceOf(ConfigurationException.class);
              assertThat(r.getMessage()).contains(key);
            });
  }

  @Test
  void invalidPollInterval_isQuotedAsWritten() {
    assertThatThrownBy(() -> KamonSettings.fromConfig(config("elasticq.kamon.poll-interval = 0ms")))
        .isInstanceOf(ConfigurationException.class)
        .hasMessage("elasticq.kamon.poll-interval is invalid: must be > 0, was 0ms");
  }

  @Test
  void perActorPatterns_matchPathsWithoutAddress() {
    KamonSettings s =
        KamonSettings.fromConfig(
            config("elasticq.kamon.per-actor.includes = [\"/user/orders/*\", \"/user/in/**\"]"));
    assertThat(s.perActor("pekko://sys/user/orders/42")).isTrue();
    assertThat(s.perActor("/user/orders/42")).isTrue();
    assertThat(s.perActor("pekko://sys/user/orders/42/child")).isFalse();
    assertThat(s.perActor("pekko://sys@host:25520/user/in/a/b")).isTrue();
    assertThat(s.perActor("pekko://sys/user/other")).isFalse();
    assertThat(s.perActor("")).isFalse();
  }

  @Test
  void enabledWithoutKamon_failsTheStartNamingTheDependency() {
    ClassLoader withoutKamon =
        new ClassLoader(getClass().getClassLoader()) {
          @Override
          protected Class<?> loadClass(String name, boolean resolve) throws ClassNotFoundException {
            if (name.startsWith("kamon.")) {
              throw new ClassNotFoundException(name + " (hidden by the test)");
            }
            return super.loadClass(name, resolve);
          }
        };
    assertThatThrownBy(
            () ->
                ActorSystem.create(
                    "kamon-absent", config("elasticq.kamon.enabled = on"), withoutKamon))
        .satisfies(
            e ->
                assertThat(root(e).getMessage())
                    .contains("io.kamon:kamon-core_2.13")
                    .contains("elasticq.kamon.enabled"));
  }

  @Test
  void disabled_startsNothing() {
    ActorSystem system = ActorSystem.create("kamon-off", config(""));
    try {
      assertThat(ElasticqKamon.get(system).isRunning()).isFalse();
    } finally {
      TestKit.shutdownActorSystem(system);
    }
  }
}
