package io.github.elasticq.persistence.durable;

import static io.github.elasticq.persistence.durable.DurableTestSupport.TIMEOUT;
import static org.assertj.core.api.Assertions.assertThat;

import io.github.elasticq.persistence.durable.DurableMailbox.Enqueue;
import io.github.elasticq.persistence.durable.DurableMailbox.Rejected;
import io.github.elasticq.persistence.durable.DurableMailbox.Reply;
import io.github.elasticq.persistence.durable.DurableMailbox.Stored;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.serialization.SerializerWithStringManifest;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What a mailbox accepts must be what it can keep: settings it takes without failing later, and
 * messages whose stored form it can read back after a restart (both found by an independent review;
 * each test fails on the code before its fix).
 */
class DurableMailboxAcceptanceTest {
  @TempDir Path dir;

  private final List<ActorTestKit> kits = new ArrayList<>();

  @AfterEach
  void shutdown() {
    kits.forEach(ActorTestKit::shutdownTestKit);
  }

  private ActorTestKit kit(String name, String extra) {
    ActorTestKit k =
        ActorTestKit.create(name, DurableTestSupport.config(dir, "every-write", extra));
    kits.add(k);
    return k;
  }

  /**
   * A confirm-flush-interval beyond what Pekko's scheduler takes (about 248 days with its default
   * tick) was accepted by the settings, and the mailbox then failed on its first message.
   */
  @Test
  void veryLongConfirmFlushInterval_theMailboxStoresAndDelivers() {
    ActorTestKit kit = kit("long-flush", "");
    TestProbe<Long> seen = kit.createTestProbe();
    TestProbe<Reply> replies = kit.createTestProbe();
    Behavior<Object> inner =
        Behaviors.receiveMessage(
            m -> {
              seen.tell(DurableMailbox.deliverySeqNr());
              return Behaviors.same();
            });
    DurableMailboxSettings s =
        DurableMailboxSettings.builder().confirmFlushInterval(Duration.ofDays(300)).build();
    ActorRef<Object> mb = kit.spawn(DurableMailbox.create("long-flush", inner, s));
    mb.tell(new Enqueue<>(new Work(1), replies.ref()));
    assertThat(replies.receiveMessage(TIMEOUT)).isEqualTo(new Stored(1));
    assertThat(seen.receiveMessage(TIMEOUT)).isEqualTo(1L);
  }

  /**
   * Serializes with Jackson but cannot be read back (no creator Jackson can use): the mailbox
   * accepted it ({@code Stored}) and delivered the original object, and only after a restart did
   * the stored copy turn out to be unreadable, so the message was poisoned instead of delivered.
   */
  public static final class WriteOnly implements JsonMessage {
    private final int n;

    public WriteOnly(int n, String unused) {
      this.n = n;
    }

    public int getN() {
      return n;
    }
  }

  @Test
  void messageThatCannotBeReadBack_isRejectedAsItIsAccepted_notPoisonedAfterARestart() {
    ActorTestKit kit = kit("write-only", "");
    TestProbe<Object> seen = kit.createTestProbe();
    TestProbe<Reply> replies = kit.createTestProbe();
    ActorRef<Object> mb =
        kit.spawn(
            DurableMailbox.create(
                "write-only",
                Behaviors.receiveMessage(
                    m -> {
                      seen.ref().tell(m);
                      return Behaviors.same();
                    }),
                DurableMailboxSettings.defaults()));
    mb.tell(new Enqueue<>(new WriteOnly(1, "x"), replies.ref()));
    mb.tell(new Enqueue<>(new Work(2), replies.ref()));
    Reply first = replies.receiveMessage(TIMEOUT);
    assertThat(first).isInstanceOf(Rejected.class);
    assertThat(((Rejected) first).reason())
        .startsWith("not serializable")
        .contains("read back")
        .contains(WriteOnly.class.getName());
    assertThat(replies.receiveMessage(TIMEOUT)).isEqualTo(new Stored(1));
    assertThat(seen.receiveMessage(TIMEOUT)).isEqualTo(new Work(2));
    assertThat(DurableMailboxRegistry.get(kit.system()).stats("write-only"))
        .hasValueSatisfying(st -> assertThat(st.rejected()).isEqualTo(1));
  }

  /** A message whose serializer fails with an {@link Error} rather than an exception. */
  public record Faulty(int n) {}

  /** Fails every serialization with an {@link AssertionError} (a serializer's own bug). */
  public static final class FailingSerializer extends SerializerWithStringManifest {
    @Override
    public int identifier() {
      return 48_151_624;
    }

    @Override
    public String manifest(Object o) {
      return "";
    }

    @Override
    public byte[] toBinary(Object o) {
      throw new AssertionError("serializer bug on " + o);
    }

    @Override
    public Object fromBinary(byte[] bytes, String manifest) {
      throw new AssertionError("never written");
    }
  }

  /**
   * Pekko's serialization returns a serializer's non-fatal error as a failure too; the mailbox cast
   * it to an exception, so the rejection's reason was a ClassCastException about the cast instead
   * of the serializer's error.
   */
  @Test
  void messageWhoseSerializerFailsWithAnError_isRejectedNamingTheError() {
    ActorTestKit kit =
        kit(
            "failing-serializer",
            String.join(
                "\n",
                "pekko.actor.serializers.failing = \"" + FailingSerializer.class.getName() + "\"",
                "pekko.actor.serialization-bindings {",
                "  \"" + Faulty.class.getName() + "\" = failing",
                "}"));
    TestProbe<Reply> replies = kit.createTestProbe();
    ActorRef<Object> mb =
        kit.spawn(
            DurableMailbox.create(
                "failing-serializer", Behaviors.ignore(), DurableMailboxSettings.defaults()));
    mb.tell(new Enqueue<>(new Faulty(1), replies.ref()));
    mb.tell(new Enqueue<>(new Work(2), replies.ref()));
    Reply first = replies.receiveMessage(TIMEOUT);
    assertThat(first).isInstanceOf(Rejected.class);
    assertThat(((Rejected) first).reason())
        .startsWith("not serializable")
        .contains("AssertionError: serializer bug on Faulty[n=1]")
        .doesNotContain("ClassCastException");
    assertThat(replies.receiveMessage(TIMEOUT)).isEqualTo(new Stored(1));
  }
}
