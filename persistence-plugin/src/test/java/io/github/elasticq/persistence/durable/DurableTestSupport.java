package io.github.elasticq.persistence.durable;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigValueFactory;
import java.nio.file.Path;
import java.time.Duration;
import java.util.function.Consumer;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.Adapter;
import org.apache.pekko.actor.typed.javadsl.Behaviors;

/** Actor systems on the embedded journal and snapshot store in a directory, and test behaviors. */
final class DurableTestSupport {
  static final Duration TIMEOUT = Duration.ofSeconds(30);

  /** Config text that makes {@link GatedTestJournal} the journal (for {@link #config}'s extra). */
  static final String GATED_JOURNAL =
      String.join(
          "\n",
          "pekko.persistence.journal.plugin = \"gated-journal\"",
          "gated-journal.class = \"io.github.elasticq.persistence.durable.GatedTestJournal\"",
          "gated-journal.plugin-dispatcher = \"pekko.actor.default-dispatcher\"");

  private DurableTestSupport() {}

  /** What the inner behavior saw: the delivery sequence number and the message's number. */
  record Seen(long seqNr, int n) implements JsonMessage {}

  static Config config(Path dir, String syncMode, String extra) {
    return ConfigFactory.parseString(
            String.join(
                "\n",
                "pekko.persistence.journal.plugin = \"elasticq.journal\"",
                "pekko.persistence.snapshot-store.plugin = \"elasticq.snapshot-store\"",
                "pekko.loglevel = WARNING",
                "pekko.loggers = [\"org.apache.pekko.event.slf4j.Slf4jLogger\"]",
                "pekko.logging-filter = \"org.apache.pekko.event.slf4j.Slf4jLoggingFilter\"",
                "pekko.log-dead-letters = off",
                "pekko.actor.serialization-bindings {",
                "  \"io.github.elasticq.persistence.durable.JsonMessage\" = jackson-json",
                "}",
                "elasticq.journal.sync-mode = " + syncMode,
                extra))
        .withValue(
            "elasticq.journal.dir",
            ConfigValueFactory.fromAnyRef(dir.resolve("journal").toString()))
        .withValue(
            "elasticq.snapshot-store.dir",
            ConfigValueFactory.fromAnyRef(dir.resolve("snapshots").toString()))
        .withFallback(ConfigFactory.load())
        .resolve();
  }

  static ActorTestKit testKit(String name, Path dir) {
    return ActorTestKit.create(name, config(dir, "every-write", ""));
  }

  /**
   * A probe of the classic event stream's {@code type} (dead letters, dropped messages), subscribed
   * synchronously: the typed EventStream.Subscribe message could arrive too late.
   */
  static <E> TestProbe<E> eventStreamProbe(ActorTestKit kit, Class<E> type) {
    TestProbe<E> probe = kit.createTestProbe();
    Adapter.toClassic(kit.system())
        .getEventStream()
        .subscribe(Adapter.toClassic(probe.ref()), type);
    return probe;
  }

  /** Reports every {@link Work} with its delivery sequence number to {@code probe}. */
  static Behavior<Work> reporting(ActorRef<Seen> probe) {
    return Behaviors.receive(Work.class)
        .onMessage(
            Work.class,
            w -> {
              probe.tell(new Seen(DurableMailbox.deliverySeqNr(), w.n()));
              return Behaviors.same();
            })
        .build();
  }

  /** Like {@link #reporting}, but runs {@code before} first (which may throw). */
  static Behavior<Work> reporting(ActorRef<Seen> probe, Consumer<Work> before) {
    return Behaviors.receive(Work.class)
        .onMessage(
            Work.class,
            w -> {
              before.accept(w);
              probe.tell(new Seen(DurableMailbox.deliverySeqNr(), w.n()));
              return Behaviors.same();
            })
        .build();
  }

  /**
   * Like {@link #reporting}, but every delivery of {@code Work(n)} throws {@code
   * IllegalArgumentException("poison " + n)}: a message that is poisoned once its redeliveries are
   * used up.
   */
  static Behavior<Work> failingOn(ActorRef<Seen> probe, int n) {
    return reporting(
        probe,
        w -> {
          if (w.n() == n) {
            throw new IllegalArgumentException("poison " + n);
          }
        });
  }
}
