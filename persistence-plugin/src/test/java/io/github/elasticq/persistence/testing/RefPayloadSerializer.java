package io.github.elasticq.persistence.testing;

import java.io.NotSerializableException;
import java.nio.charset.StandardCharsets;
import org.apache.pekko.actor.ExtendedActorSystem;
import org.apache.pekko.serialization.Serialization;
import org.apache.pekko.serialization.Serialization$;
import org.apache.pekko.serialization.SerializerWithStringManifest;

/**
 * Serializes {@link RefPayload} the way Pekko's remoting-aware serializers do: the ref is written
 * as its full serialized path and resolved through the actor ref provider. Like such serializers it
 * insists on Pekko's transport information being set for this very system, in both directions, so a
 * plugin that serializes outside {@code Serialization.withTransportInformation} fails here.
 */
public final class RefPayloadSerializer extends SerializerWithStringManifest {
  private static final String MANIFEST = "R";
  private final ExtendedActorSystem system;

  /** Created by Pekko Serialization. */
  public RefPayloadSerializer(ExtendedActorSystem system) {
    this.system = system;
  }

  @Override
  public int identifier() {
    return 771_001;
  }

  @Override
  public String manifest(Object o) {
    return MANIFEST;
  }

  @Override
  public byte[] toBinary(Object o) {
    requireTransportInformation();
    return Serialization.serializedActorPath(((RefPayload) o).ref())
        .getBytes(StandardCharsets.UTF_8);
  }

  @Override
  public Object fromBinary(byte[] bytes, String manifest) throws NotSerializableException {
    if (!MANIFEST.equals(manifest)) {
      throw new NotSerializableException("unknown manifest " + manifest);
    }
    requireTransportInformation();
    return new RefPayload(
        system.provider().resolveActorRef(new String(bytes, StandardCharsets.UTF_8)));
  }

  private void requireTransportInformation() {
    Serialization.Information info = Serialization$.MODULE$.currentTransportInformation().value();
    if (info == null) {
      throw new IllegalStateException("currentTransportInformation was not set");
    }
    if (info.system() != system) {
      throw new IllegalStateException(
          "currentTransportInformation names system " + info.system() + ", not " + system);
    }
  }
}
