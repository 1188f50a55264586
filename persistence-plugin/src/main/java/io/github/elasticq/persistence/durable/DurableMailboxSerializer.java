package io.github.elasticq.persistence.durable;

import io.github.elasticq.persistence.durable.DurableMailbox.Enqueue;
import io.github.elasticq.persistence.durable.DurableMailbox.Rejected;
import io.github.elasticq.persistence.durable.DurableMailbox.Stored;
import io.github.elasticq.persistence.durable.DurableMailboxEvent.Confirmed;
import io.github.elasticq.persistence.durable.DurableMailboxEvent.DeliveryFailed;
import io.github.elasticq.persistence.durable.DurableMailboxEvent.MessageStored;
import io.github.elasticq.persistence.durable.DurableMailboxEvent.Poisoned;
import io.github.elasticq.persistence.durable.DurableMailboxState.Snapshot;
import io.github.elasticq.persistence.durable.DurableMailboxState.SnapshotEntry;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.NotSerializableException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import org.apache.pekko.actor.ExtendedActorSystem;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorRefResolver;
import org.apache.pekko.actor.typed.javadsl.Adapter;
import org.apache.pekko.serialization.Serialization;
import org.apache.pekko.serialization.SerializationExtension;
import org.apache.pekko.serialization.SerializerWithStringManifest;
import org.apache.pekko.serialization.Serializers;

/**
 * INTERNAL API: the Pekko serializer of the {@link DurableMailbox}'s events and snapshots and of
 * its {@code Enqueue}, {@code Stored} and {@code Rejected} messages; registered in this module's
 * {@code reference.conf} as {@code elasticq-durable-mailbox} (identifier {@value #IDENTIFIER}).
 *
 * <p>Format (big-endian, {@link DataOutputStream}): a stored message is {@code seqNr:long,
 * serializerId:int, manifest:UTF, length:int, bytes}; the user message's bytes were produced by the
 * mailbox when it accepted the message, so this serializer never serializes a user message of an
 * event itself. Manifests: {@code S} stored, {@code C} confirmed, {@code F} delivery failed, {@code
 * P} poisoned, {@code N} snapshot, {@code E} enqueue, {@code R} stored reply, {@code J} rejected
 * reply. Thread-safe (stateless apart from lazily resolved extensions).
 */
public final class DurableMailboxSerializer extends SerializerWithStringManifest {
  /** This serializer's identifier. */
  public static final int IDENTIFIER = 1_337_701;

  private final ExtendedActorSystem system;
  private volatile Serialization serialization;
  private volatile ActorRefResolver resolver;

  /**
   * Called by Pekko when the serialization extension starts.
   *
   * @param system the actor system
   */
  public DurableMailboxSerializer(ExtendedActorSystem system) {
    this.system = system;
  }

  private Serialization serialization() {
    Serialization s = serialization;
    if (s == null) {
      s = SerializationExtension.get(system);
      serialization = s;
    }
    return s;
  }

  private ActorRefResolver resolver() {
    ActorRefResolver r = resolver;
    if (r == null) {
      r = ActorRefResolver.get(Adapter.toTyped(system));
      resolver = r;
    }
    return r;
  }

  @Override
  public int identifier() {
    return IDENTIFIER;
  }

  @Override
  public String manifest(Object o) {
    if (o instanceof MessageStored) {
      return "S";
    } else if (o instanceof Confirmed) {
      return "C";
    } else if (o instanceof DeliveryFailed) {
      return "F";
    } else if (o instanceof Poisoned) {
      return "P";
    } else if (o instanceof Snapshot) {
      return "N";
    } else if (o instanceof Enqueue<?>) {
      return "E";
    } else if (o instanceof Stored) {
      return "R";
    } else if (o instanceof Rejected) {
      return "J";
    }
    throw new IllegalArgumentException("cannot serialize " + o.getClass().getName());
  }

  @Override
  public byte[] toBinary(Object o) {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream(64);
    try (DataOutputStream out = new DataOutputStream(bytes)) {
      if (o instanceof MessageStored m) {
        out.writeLong(m.seqNr());
        writeMessage(out, m.serialized());
      } else if (o instanceof Confirmed c) {
        out.writeLong(c.upToSeqNr());
      } else if (o instanceof DeliveryFailed f) {
        out.writeLong(f.seqNr());
      } else if (o instanceof Poisoned p) {
        out.writeLong(p.seqNr());
      } else if (o instanceof Snapshot s) {
        out.writeLong(s.nextSeqNr());
        out.writeLong(s.confirmedUpTo());
        out.writeInt(s.entries().size());
        for (SnapshotEntry e : s.entries()) {
          out.writeLong(e.seqNr());
          out.writeInt(e.failures());
          writeMessage(out, e.serialized());
        }
      } else if (o instanceof Enqueue<?> e) {
        writeMessage(out, serializeUserMessage(e.message()));
        out.writeUTF(resolver().toSerializationFormat(e.replyTo()));
      } else if (o instanceof Stored s) {
        out.writeLong(s.seqNr());
      } else if (o instanceof Rejected r) {
        out.writeUTF(fitted(r.reason()));
      } else {
        throw new IllegalArgumentException("cannot serialize " + o.getClass().getName());
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return bytes.toByteArray();
  }

  @Override
  public Object fromBinary(byte[] bytes, String manifest) throws NotSerializableException {
    try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(bytes))) {
      switch (manifest) {
        case "S":
          return new MessageStored(in.readLong(), readMessage(in), null);
        case "C":
          return new Confirmed(in.readLong());
        case "F":
          return new DeliveryFailed(in.readLong());
        case "P":
          return new Poisoned(in.readLong());
        case "N":
          {
            long next = in.readLong();
            long confirmed = in.readLong();
            int n = in.readInt();
            List<SnapshotEntry> entries = new ArrayList<>(n);
            for (int i = 0; i < n; i++) {
              entries.add(new SnapshotEntry(in.readLong(), in.readInt(), readMessage(in)));
            }
            return new Snapshot(next, confirmed, List.copyOf(entries));
          }
        case "E":
          {
            SerializedMessage m = readMessage(in);
            ActorRef<DurableMailbox.Reply> replyTo = resolver().resolveActorRef(in.readUTF());
            Object message =
                serialization().deserialize(m.bytes(), m.serializerId(), m.manifest()).get();
            return new Enqueue<>(message, replyTo);
          }
        case "R":
          return new Stored(in.readLong());
        case "J":
          return new Rejected(in.readUTF());
        default:
          throw new NotSerializableException(
              "unknown manifest '" + manifest + "' of " + getClass().getName());
      }
    } catch (IOException e) {
      NotSerializableException n =
          new NotSerializableException("damaged durable mailbox record (" + manifest + "): " + e);
      n.initCause(e);
      throw n;
    }
  }

  private SerializedMessage serializeUserMessage(Object message) {
    Serialization s = serialization();
    org.apache.pekko.serialization.Serializer serializer = s.findSerializerFor(message);
    byte[] payload = s.serialize(message).get();
    return new SerializedMessage(
        serializer.identifier(), Serializers.manifestFor(serializer, message), payload);
  }

  /**
   * Checks that {@code m} fits the stored format: its manifest is written as modified UTF-8 of at
   * most 65 535 bytes. The durable mailbox checks this when it accepts a message, so that one
   * message that could not be written is rejected on its own instead of failing the journal write
   * of its whole batch (which stopped the mailbox and left the batch unanswered).
   *
   * @throws IllegalArgumentException naming the manifest's size
   */
  static void checkStorable(SerializedMessage m) {
    long bytes = modifiedUtf8Length(m.manifest());
    if (bytes > MAX_UTF) {
      throw new IllegalArgumentException(
          "its serializer manifest is "
              + bytes
              + " bytes (modified UTF-8); a durable mailbox stores at most 65535");
    }
  }

  /** The most {@code writeUTF} writes: 65535 bytes of modified UTF-8. */
  private static final int MAX_UTF = 65_535;

  /**
   * The modified UTF-8 length ({@code writeUTF}'s encoding) of {@code s}'s first {@code n} chars.
   */
  private static long modifiedUtf8Length(String s) {
    long bytes = 0;
    for (int i = 0; i < s.length(); i++) {
      bytes += utfBytes(s.charAt(i));
    }
    return bytes;
  }

  private static int utfBytes(char c) {
    return c >= 0x0001 && c <= 0x007F ? 1 : c <= 0x07FF ? 2 : 3;
  }

  /**
   * A refusal's reason as {@code writeUTF} can write it: unchanged up to 65535 bytes, else cut
   * (with a note saying so). A reason quotes exceptions, whose text has no bound; an over-long one
   * used to fail the serialization, and the sender's ask then timed out instead of being refused.
   */
  static String fitted(String reason) {
    if (modifiedUtf8Length(reason) <= MAX_UTF) {
      return reason;
    }
    String note = " ... (cut: " + reason.length() + " chars in all)";
    long budget = MAX_UTF - note.length();
    int n = 0;
    long bytes = 0;
    while (n < reason.length()) {
      char c = reason.charAt(n);
      int b = utfBytes(c);
      if (bytes + b > budget || (Character.isHighSurrogate(c) && bytes + b + 3 > budget)) {
        break; // never split a surrogate pair
      }
      bytes += b;
      n++;
    }
    return reason.substring(0, n) + note;
  }

  private static void writeMessage(DataOutputStream out, SerializedMessage m) throws IOException {
    out.writeInt(m.serializerId());
    out.writeUTF(m.manifest());
    out.writeInt(m.bytes().length);
    out.write(m.bytes());
  }

  private static SerializedMessage readMessage(DataInputStream in) throws IOException {
    int id = in.readInt();
    String manifest = in.readUTF();
    int length = in.readInt();
    if (length < 0) {
      throw new IOException("negative message length " + length);
    }
    byte[] payload = new byte[length];
    in.readFully(payload);
    return new SerializedMessage(id, manifest, payload);
  }
}
