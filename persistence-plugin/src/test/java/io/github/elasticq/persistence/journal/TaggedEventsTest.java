package io.github.elasticq.persistence.journal;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Set;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.persistence.typed.PersistenceId;
import org.apache.pekko.persistence.typed.javadsl.CommandHandler;
import org.apache.pekko.persistence.typed.javadsl.EventHandler;
import org.apache.pekko.persistence.typed.javadsl.EventSourcedBehavior;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A typed behavior with tags (Pekko wraps its events in {@code journal.Tagged}) persists and
 * recovers: the journal used to serialize the wrapper, which has no serializer but Java's (off), so
 * the first event was rejected and the actor stopped.
 */
class TaggedEventsTest {
  private static final Duration T = Duration.ofSeconds(15);
  @TempDir Path dir;

  record Add(String event, ActorRef<String> replyTo) {}

  static final class Tagging extends EventSourcedBehavior<Add, String, String> {
    Tagging(PersistenceId id) {
      super(id);
    }

    @Override
    public String emptyState() {
      return "";
    }

    @Override
    public CommandHandler<Add, String, String> commandHandler() {
      return newCommandHandlerBuilder()
          .forAnyState()
          .onAnyCommand(
              (state, c) -> Effect().persist(c.event()).thenRun(s -> c.replyTo().tell(s)));
    }

    @Override
    public EventHandler<String, String> eventHandler() {
      // a replayed Tagged would fail here (it is not a String)
      return newEventHandlerBuilder().forAnyState().onAnyEvent((s, e) -> s + e);
    }

    @Override
    public Set<String> tagsFor(String event) {
      return Set.of("tag-" + event);
    }
  }

  @Test
  void taggedBehavior_persistsAndRecoversItsEvents() {
    ActorTestKit first = ActorTestKit.create("tagged", JournalTestSupport.config(dir, ""));
    try {
      TestProbe<String> probe = first.createTestProbe();
      ActorRef<Add> a = first.spawn(new Tagging(PersistenceId.ofUniqueId("tagged-1")));
      a.tell(new Add("a", probe.getRef()));
      probe.expectMessage(T, "a");
      a.tell(new Add("b", probe.getRef()));
      probe.expectMessage(T, "ab");
    } finally {
      first.shutdownTestKit();
    }
    ActorTestKit second = ActorTestKit.create("tagged", JournalTestSupport.config(dir, ""));
    try {
      TestProbe<String> probe = second.createTestProbe();
      ActorRef<Add> a = second.spawn(new Tagging(PersistenceId.ofUniqueId("tagged-1")));
      a.tell(new Add("c", probe.getRef()));
      probe.expectMessage(T, "abc");
    } finally {
      second.shutdownTestKit();
    }
  }
}
