package io.github.elasticq.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.util.stream.Stream;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.persistence.typed.PersistenceId;
import org.apache.pekko.persistence.typed.javadsl.CommandHandler;
import org.apache.pekko.persistence.typed.javadsl.EventHandler;
import org.apache.pekko.persistence.typed.javadsl.EventSourcedBehavior;
import org.apache.pekko.persistence.typed.javadsl.RetentionCriteria;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * {@code @TestInstance(PER_CLASS)}: the kit arrives in the constructor, its journal and snapshot
 * store write into the temporary directory, and the state survives a restart of the actor.
 */
@ElasticQTest
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class PerClassLifecycleTest {

  private final ElasticQTestKit kit;

  PerClassLifecycleTest(ElasticQTestKit kit) {
    this.kit = kit;
  }

  @Test
  @Order(1)
  void parameters_areTheClassKit(ActorTestKit testKit, ActorSystem<?> system, MailboxProbe probe) {
    assertThat(testKit).isSameAs(kit.testKit());
    assertThat(system).isSameAs(kit.system());
    // a test method's probe is its own (its drop baseline taken before this test), on the same
    // system and with the same timeout as the kit's
    assertThat(probe).isNotSameAs(kit.mailboxProbe());
    assertThat(probe.timeout()).isEqualTo(kit.mailboxProbe().timeout());
    assertThat(system.name()).isEqualTo("PerClassLifecycleTest");
    assertThat(kit.directory()).isDirectory();
  }

  @Test
  @Order(2)
  void journalAndSnapshots_liveInTheTemporaryDirectory() throws IOException {
    ActorTestKit testKit = kit.testKit();
    TestProbe<Integer> replies = testKit.createTestProbe();
    ActorRef<Object> counter = testKit.spawn(Counter.create("counter-1"));
    for (int i = 0; i < 5; i++) {
      counter.tell(replies.getRef());
    }
    for (int i = 1; i <= 5; i++) {
      replies.expectMessage(i);
    }
    testKit.stop(counter);

    ActorRef<Object> again = testKit.spawn(Counter.create("counter-1"));
    again.tell(replies.getRef());
    replies.expectMessage(6);
    testKit.stop(again);

    assertThat(kit.journalDirectory()).isDirectory();
    try (Stream<java.nio.file.Path> files = Files.list(kit.journalDirectory())) {
      assertThat(files.map(p -> p.getFileName().toString())).anyMatch(n -> n.endsWith(".wal"));
    }
    try (Stream<java.nio.file.Path> files = Files.walk(kit.snapshotDirectory())) {
      assertThat(files.map(p -> p.getFileName().toString())).anyMatch(n -> n.endsWith(".snap"));
    }
  }

  /** Counts the replies it was asked for; snapshots every 2 events. */
  static final class Counter extends EventSourcedBehavior<Object, Integer, Integer> {
    static Behavior<Object> create(String id) {
      return new Counter(PersistenceId.ofUniqueId(id));
    }

    private Counter(PersistenceId id) {
      super(id);
    }

    @Override
    public Integer emptyState() {
      return 0;
    }

    @Override
    @SuppressWarnings("unchecked")
    public CommandHandler<Object, Integer, Integer> commandHandler() {
      return (state, cmd) -> Effect().persist(1).thenReply((ActorRef<Integer>) cmd, s -> s);
    }

    @Override
    public EventHandler<Integer, Integer> eventHandler() {
      return (state, event) -> state + event;
    }

    @Override
    public RetentionCriteria retentionCriteria() {
      return RetentionCriteria.snapshotEvery(2, 2);
    }
  }
}
