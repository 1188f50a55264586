package io.github.elasticq.persistence.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.typesafe.config.ConfigFactory;
import io.github.elasticq.persistence.testing.RefPayload;
import io.github.elasticq.persistence.wal.WalEvent;
import java.io.NotSerializableException;
import java.nio.charset.StandardCharsets;
import org.apache.pekko.actor.ActorRef;
import org.apache.pekko.actor.ActorSystem;
import org.apache.pekko.persistence.PersistentRepr;
import org.apache.pekko.serialization.JSerializer;
import org.apache.pekko.testkit.javadsl.TestKit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * EventCodec's round trip of events through Pekko Serialization: consecutive events with different
 * serializers (string manifest, none, class manifest), an unknown serializer id, and the
 * transport-information scope that serializers of events holding an ActorRef need.
 */
class EventCodecTest {
  private static ActorSystem system;
  private static EventCodec codec;

  @BeforeAll
  static void start() {
    system =
        ActorSystem.create(
            "event-codec",
            ConfigFactory.parseString(
                    RefPayload.SERIALIZATION_CONFIG
                        + "pekko.actor.serializers.class-manifest = \""
                        + ClassManifestSerializer.class.getName()
                        + "\"\n"
                        + "pekko.actor.serialization-bindings { \""
                        + Tagged.class.getName()
                        + "\" = class-manifest }\n")
                .withFallback(ConfigFactory.load()));
    codec = new EventCodec(system);
  }

  @AfterAll
  static void stop() {
    TestKit.shutdownActorSystem(system);
  }

  private static PersistentRepr roundTrip(Object payload, long seq) throws Throwable {
    PersistentRepr written =
        PersistentRepr.apply(payload, seq, "pid", "", false, ActorRef.noSender(), "writer-1")
            .withTimestamp(1234);
    return codec.toRepr(codec.toWalEvent(written));
  }

  @Test
  void toRepr_alternatingSerializers_eachEventGetsItsOwn() throws Throwable {
    TestKit probe = new TestKit(system);
    for (int i = 0; i < 3; i++) {
      long seq = 3L * i;
      PersistentRepr bytes = roundTrip(new byte[] {1, 2, (byte) i}, seq + 1);
      PersistentRepr ref = roundTrip(new RefPayload(probe.getRef()), seq + 2);
      PersistentRepr tagged = roundTrip(new Tagged("t" + i), seq + 3);

      assertThat((byte[]) bytes.payload()).containsExactly(1, 2, i);
      assertThat(bytes.sequenceNr()).isEqualTo(seq + 1);
      assertThat(bytes.timestamp()).isEqualTo(1234);
      assertThat(bytes.writerUuid()).isEqualTo("writer-1");
      assertThat(((RefPayload) ref.payload()).ref()).isEqualTo(probe.getRef());
      assertThat(tagged.payload()).isEqualTo(new Tagged("t" + i));
    }
  }

  @Test
  void toRepr_plainSerializerWithClassManifest_getsTheClass() throws Throwable {
    WalEvent stored = codec.toWalEvent(repr(new Tagged("x")));
    assertThat(stored.serializerManifest()).isEqualTo(Tagged.class.getName());

    assertThat(codec.toRepr(stored).payload()).isEqualTo(new Tagged("x"));
  }

  @Test
  void toRepr_unknownSerializerId_failsNamingTheId() {
    WalEvent stored =
        new WalEvent("pid", 1, "", "", 987_654, "", 0L, "a".getBytes(StandardCharsets.UTF_8));

    assertThatThrownBy(() -> codec.toRepr(stored))
        .isInstanceOf(NotSerializableException.class)
        .hasMessageContaining("987654");
  }

  @Test
  void toRepr_outsideTransportScope_refPayloadStillResolves() throws Throwable {
    TestKit probe = new TestKit(system);
    WalEvent stored = codec.toWalEvent(repr(new RefPayload(probe.getRef())));

    // Not inside withTransportInformation: toRepr must enter the scope (RefPayloadSerializer
    // throws without it).
    assertThat(((RefPayload) codec.toRepr(stored).payload()).ref()).isEqualTo(probe.getRef());
  }

  private static PersistentRepr repr(Object payload) {
    return PersistentRepr.apply(payload, 1, "pid", "", false, ActorRef.noSender(), "w");
  }

  /** A payload whose serializer needs its class as the manifest. */
  public record Tagged(String tag) {}

  /** A plain (not string-manifest) serializer that includes the class manifest and requires it. */
  public static final class ClassManifestSerializer extends JSerializer {
    /** Created by Pekko Serialization. */
    public ClassManifestSerializer() {}

    @Override
    public int identifier() {
      return 771_002;
    }

    @Override
    public boolean includeManifest() {
      return true;
    }

    @Override
    public byte[] toBinary(Object o) {
      return ((Tagged) o).tag().getBytes(StandardCharsets.UTF_8);
    }

    @Override
    public Object fromBinaryJava(byte[] bytes, Class<?> manifest) {
      if (manifest != Tagged.class) {
        throw new IllegalStateException("expected the class manifest of Tagged, got " + manifest);
      }
      return new Tagged(new String(bytes, StandardCharsets.UTF_8));
    }
  }
}
