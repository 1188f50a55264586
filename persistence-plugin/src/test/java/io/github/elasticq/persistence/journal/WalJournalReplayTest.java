package io.github.elasticq.persistence.journal;

import static io.github.elasticq.persistence.journal.JournalTestSupport.atomic;
import static io.github.elasticq.persistence.journal.JournalTestSupport.repr;
import static io.github.elasticq.persistence.journal.JournalTestSupport.seq;
import static org.assertj.core.api.Assertions.assertThat;

import com.typesafe.config.ConfigFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import org.apache.pekko.actor.ActorRef;
import org.apache.pekko.actor.ActorSystem;
import org.apache.pekko.actor.ExtendedActorSystem;
import org.apache.pekko.persistence.AtomicWrite;
import org.apache.pekko.persistence.JournalProtocol;
import org.apache.pekko.persistence.Persistence;
import org.apache.pekko.serialization.SerializerWithStringManifest;
import org.apache.pekko.testkit.javadsl.TestKit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Replays of the journal actor: how they share threads with writes, and how they fail. */
class WalJournalReplayTest {
  private static final Duration T = Duration.ofSeconds(30);
  private static final int IDS = 8;
  private static final int EVENTS = 80;

  @TempDir Path dir;

  /** An event that takes 25 ms to deserialize (a large event, a slow serializer). */
  public record Slow(String s) {}

  /** An event whose deserialization fails ("boom"). */
  public record Unreadable(String s) {}

  /** Bound to {@link Slow} and {@link Unreadable}. */
  public static final class TestEventSerializer extends SerializerWithStringManifest {
    public TestEventSerializer(ExtendedActorSystem system) {}

    @Override
    public int identifier() {
      return 771_780;
    }

    @Override
    public String manifest(Object o) {
      return o instanceof Slow ? "S" : "U";
    }

    @Override
    public byte[] toBinary(Object o) {
      String s = o instanceof Slow slow ? slow.s() : ((Unreadable) o).s();
      return s.getBytes(StandardCharsets.UTF_8);
    }

    @Override
    public Object fromBinary(byte[] bytes, String manifest) {
      if (!manifest.equals("S")) {
        throw new IllegalStateException("boom");
      }
      try {
        Thread.sleep(25);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      return new Slow(new String(bytes, StandardCharsets.UTF_8));
    }
  }

  private static ActorSystem system(String name, Path dir) {
    return ActorSystem.create(
        name,
        JournalTestSupport.config(
            dir,
            "elasticq.journal.write-timeout = 1s\n"
                + "pekko.actor.serializers.test-events = \""
                + TestEventSerializer.class.getName()
                + "\"\npekko.actor.serialization-bindings {\n\""
                + Slow.class.getName()
                + "\" = test-events\n\""
                + Unreadable.class.getName()
                + "\" = test-events\n}\n"));
  }

  /**
   * Many recoveries at once (slow to deserialize) must not delay the reply of another actor's
   * write: replays ran on the plugin's dispatcher, the one of the journal actor and of the write
   * completions, so with its threads held by replays a stored write failed with write-timeout.
   */
  @Test
  void writeDuringManySlowReplays_isStoredAndAcknowledged() {
    ActorSystem system = system("replay-isolation", dir);
    try {
      ActorRef journal =
          Persistence.get(system).journalFor("elasticq.journal", ConfigFactory.empty());
      TestKit writer = new TestKit(system);
      for (int p = 0; p < IDS; p++) {
        AtomicWrite[] writes = new AtomicWrite[EVENTS];
        for (int s = 1; s <= EVENTS; s++) {
          writes[s - 1] = atomic(repr(new Slow("e" + s), s, "slow-" + p, writer.getRef()));
        }
        journal.tell(
            new JournalProtocol.WriteMessages(seq(writes), writer.getRef(), 1),
            ActorRef.noSender());
        writer.expectMsg(T, JournalProtocol.WriteMessagesSuccessful$.MODULE$);
        writer.receiveN(EVENTS, T);
      }
      // 8 replays of 80 x 25 ms: with 4 threads each, the pool is busy for about 4 s
      TestKit recovering = new TestKit(system);
      for (int p = 0; p < IDS; p++) {
        journal.tell(
            new JournalProtocol.ReplayMessages(
                1, Long.MAX_VALUE, Long.MAX_VALUE, "slow-" + p, recovering.getRef()),
            ActorRef.noSender());
      }
      TestKit other = new TestKit(system);
      journal.tell(
          new JournalProtocol.WriteMessages(
              seq(atomic(repr("small", 1, "other", other.getRef()))), other.getRef(), 1),
          ActorRef.noSender());
      assertThat(other.receiveOne(T))
          .as("the reply to a write while 8 slow replays run (write-timeout = 1s)")
          .isEqualTo(JournalProtocol.WriteMessagesSuccessful$.MODULE$);
      // every replay still completes
      recovering.receiveN(IDS * (EVENTS + 1), T);
    } finally {
      TestKit.shutdownActorSystem(system);
    }
  }

  /**
   * A replay that cannot deserialize an event names it (id, sequence number, serializer): the
   * message was on a CompletionException that the journal strips, so only "boom" reached Pekko.
   */
  @Test
  void replayThatCannotDeserialize_failsNamingTheEvent() {
    ActorSystem system = system("unreadable", dir);
    try {
      ActorRef journal =
          Persistence.get(system).journalFor("elasticq.journal", ConfigFactory.empty());
      TestKit probe = new TestKit(system);
      journal.tell(
          new JournalProtocol.WriteMessages(
              seq(atomic(repr(new Unreadable("x"), 1, "the-pid", probe.getRef()))),
              probe.getRef(),
              1),
          ActorRef.noSender());
      probe.expectMsg(T, JournalProtocol.WriteMessagesSuccessful$.MODULE$);
      probe.expectMsgClass(T, JournalProtocol.WriteMessageSuccess.class);
      journal.tell(
          new JournalProtocol.ReplayMessages(
              1, Long.MAX_VALUE, Long.MAX_VALUE, "the-pid", probe.getRef()),
          ActorRef.noSender());
      Throwable cause =
          probe.expectMsgClass(T, JournalProtocol.ReplayMessagesFailure.class).cause();
      assertThat(cause)
          .hasMessageContaining("cannot deserialize")
          .hasMessageContaining("the-pid#1")
          .hasMessageContaining("771780")
          .hasMessageContaining("boom");
    } finally {
      TestKit.shutdownActorSystem(system);
    }
  }
}
