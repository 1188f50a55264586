package io.github.elasticq.persistence.durable;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.elasticq.persistence.durable.DurableMailbox.Rejected;
import java.nio.file.Path;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.serialization.Serialization;
import org.apache.pekko.serialization.SerializationExtension;
import org.apache.pekko.serialization.Serializers;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The durable mailbox's own messages through Pekko's serialization, as across cluster nodes. */
class DurableMailboxSerializerTest {
  @TempDir Path dir;
  private ActorTestKit kit;

  @AfterEach
  void shutdown() {
    if (kit != null) {
      kit.shutdownTestKit();
    }
  }

  private Object roundTrip(Object message) {
    kit = ActorTestKit.create("serializer", DurableTestSupport.config(dir, "every-write", ""));
    Serialization serialization = SerializationExtension.get(kit.system().classicSystem());
    byte[] bytes = serialization.serialize(message).get();
    var serializer = serialization.findSerializerFor(message);
    assertThat(serializer).isInstanceOf(DurableMailboxSerializer.class);
    return serialization
        .deserialize(bytes, serializer.identifier(), Serializers.manifestFor(serializer, message))
        .get();
  }

  @Test
  void rejected_withAShortReason_isUnchanged() {
    assertThat(roundTrip(new Rejected("full"))).isEqualTo(new Rejected("full"));
  }

  /**
   * A reason quotes an exception, whose text has no bound: one beyond writeUTF's 65535 bytes used
   * to fail the serialization (a sender across the cluster then waited for its ask to time out). It
   * is cut, with a note, and the refusal still arrives.
   */
  @Test
  void rejected_withAReasonBeyond64KiB_isCutWithANote() {
    String reason = "not serializable: " + "\u00e9x".repeat(40_000); // 120 000 bytes
    Rejected back = (Rejected) roundTrip(new Rejected(reason));
    assertThat(reason).startsWith(back.reason().substring(0, 1000));
    assertThat(back.reason()).endsWith("(cut: " + reason.length() + " chars in all)");
    assertThat(DurableMailboxSerializer.fitted(back.reason())).isEqualTo(back.reason());
    assertThat(back.reason().length()).isLessThan(reason.length()).isGreaterThan(30_000);
  }

  @Test
  void fitted_neverSplitsASurrogatePair() {
    String reason = "\ud83d\ude00".repeat(20_000); // 4 bytes per pair in modified UTF-8 (6 here)
    String cut = DurableMailboxSerializer.fitted(reason);
    String kept = cut.substring(0, cut.indexOf(" ... (cut"));
    assertThat(kept.length() % 2).isZero();
    assertThat(Character.isHighSurrogate(kept.charAt(kept.length() - 1))).isFalse();
  }
}
