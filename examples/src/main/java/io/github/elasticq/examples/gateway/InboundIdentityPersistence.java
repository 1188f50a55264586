package io.github.elasticq.examples.gateway;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.SecureRandom;
import java.util.Enumeration;
import java.util.concurrent.ConcurrentHashMap;
import org.eclipse.paho.client.mqttv3.MqttClientPersistence;
import org.eclipse.paho.client.mqttv3.MqttPersistable;
import org.eclipse.paho.client.mqttv3.MqttPersistenceException;
import org.eclipse.paho.client.mqttv3.persist.MqttDefaultFilePersistence;

/**
 * Paho's file persistence ({@code MqttDefaultFilePersistence}) that gives each inbound QoS 2
 * message an identity, so that the gateway can tell a QoS 2 message Paho delivers again from its
 * persisted state from a new one.
 *
 * <p>Paho 1.2.5 persists an inbound QoS 2 PUBLISH under {@code r-<packet id>} before it answers
 * PUBREC, hands the message to the application when the broker's PUBREL comes, and removes it (just
 * before it sends PUBCOMP) when the application acknowledges it ({@code messageArrivedComplete}).
 * After a crash or a reconnect between the two, the new client restores the persisted message, the
 * broker repeats PUBREL, and Paho delivers the message again: the bridge stores it in the durable
 * inbox a second time. The packet id cannot tell that redelivery from a new message, because the
 * broker may reuse the id once it has the PUBCOMP; the content cannot either (a publisher may send
 * the same payload twice). So when Paho persists {@code r-<id>}, this class draws a random 64-bit
 * identity and writes it beside the message, in {@code <dir>/<client>/r-<id>.identity} (written and
 * forced before Paho's own file, so that a persisted message always has its identity; a crash in
 * between leaves an identity file without a message, replaced at the next use of the id); it reads
 * it back when Paho restores the message, and deletes it after Paho removed the message. A
 * redelivery from the persisted state carries the identity of the first delivery; a new message
 * with a reused id gets a new one.
 *
 * <p>One instance per Paho client (Paho opens it with its client id and server URI); Paho's threads
 * call it, the bridge reads {@link #identityOf} on Paho's callback thread.
 */
final class InboundIdentityPersistence implements MqttClientPersistence {
  private static final String RECEIVED = "r-";
  private static final String SUFFIX = ".identity";
  private static final SecureRandom RANDOM = new SecureRandom();

  private final MqttDefaultFilePersistence paho;
  private final Path base;

  /** The identities of the inbound QoS 2 messages Paho holds, by packet id. */
  private final ConcurrentHashMap<Integer, Long> identities = new ConcurrentHashMap<>();

  /** This client's directory of identity files; set by {@link #open}. */
  private volatile Path dir;

  /**
   * Paho's messages in {@code pahoDir} (as {@code MqttDefaultFilePersistence} lays them out), their
   * identities under {@code identityDir}.
   */
  InboundIdentityPersistence(Path pahoDir, Path identityDir) {
    this.paho = new MqttDefaultFilePersistence(pahoDir.toString());
    this.base = identityDir;
  }

  /**
   * The identity of the inbound QoS 2 message Paho holds under {@code packetId}, or 0 if none is
   * known (not a QoS 2 message, or one persisted without an identity).
   */
  long identityOf(int packetId) {
    return identities.getOrDefault(packetId, 0L);
  }

  @Override
  public void open(String clientId, String serverUri) throws MqttPersistenceException {
    paho.open(clientId, serverUri);
    Path d = base.resolve((clientId + "-" + serverUri).replaceAll("[^A-Za-z0-9-]", ""));
    try {
      Files.createDirectories(d);
    } catch (IOException e) {
      throw failure(e);
    }
    dir = d;
  }

  @Override
  public void put(String key, MqttPersistable persistable) throws MqttPersistenceException {
    if (key.startsWith(RECEIVED)) {
      long identity;
      do {
        identity = RANDOM.nextLong();
      } while (identity == 0);
      write(file(key), identity);
      paho.put(key, persistable);
      identities.put(packetId(key), identity);
    } else {
      paho.put(key, persistable);
    }
  }

  @Override
  public MqttPersistable get(String key) throws MqttPersistenceException {
    MqttPersistable persistable = paho.get(key);
    if (key.startsWith(RECEIVED)) {
      long identity = read(file(key));
      if (identity != 0) {
        identities.put(packetId(key), identity);
      }
    }
    return persistable;
  }

  @Override
  public void remove(String key) throws MqttPersistenceException {
    paho.remove(key);
    if (key.startsWith(RECEIVED)) {
      identities.remove(packetId(key));
      try {
        Files.deleteIfExists(file(key));
      } catch (IOException e) {
        throw failure(e);
      }
    }
  }

  @Override
  public void clear() throws MqttPersistenceException {
    paho.clear();
    identities.clear();
    try (DirectoryStream<Path> files = Files.newDirectoryStream(dir, "*" + SUFFIX)) {
      for (Path f : files) {
        Files.deleteIfExists(f);
      }
    } catch (IOException e) {
      throw failure(e);
    }
  }

  @Override
  public Enumeration<String> keys() throws MqttPersistenceException {
    return paho.keys();
  }

  @Override
  public boolean containsKey(String key) throws MqttPersistenceException {
    return paho.containsKey(key);
  }

  @Override
  public void close() throws MqttPersistenceException {
    paho.close();
  }

  private Path file(String key) {
    return dir.resolve(key + SUFFIX);
  }

  private static int packetId(String key) {
    return Integer.parseInt(key.substring(RECEIVED.length()));
  }

  private static void write(Path file, long identity) throws MqttPersistenceException {
    try (FileChannel c =
        FileChannel.open(
            file,
            StandardOpenOption.CREATE,
            StandardOpenOption.TRUNCATE_EXISTING,
            StandardOpenOption.WRITE)) {
      ByteBuffer b = ByteBuffer.allocate(Long.BYTES).putLong(identity).flip();
      while (b.hasRemaining()) {
        c.write(b);
      }
      c.force(true); // like Paho's own file: the identity is there whenever the message is
    } catch (IOException e) {
      throw failure(e);
    }
  }

  /** The identity in {@code file}, 0 if there is none (or a torn one). */
  private static long read(Path file) throws MqttPersistenceException {
    try {
      byte[] bytes = Files.readAllBytes(file);
      return bytes.length == Long.BYTES ? ByteBuffer.wrap(bytes).getLong() : 0;
    } catch (java.nio.file.NoSuchFileException e) {
      return 0;
    } catch (IOException e) {
      throw failure(e);
    }
  }

  private static MqttPersistenceException failure(IOException e) {
    return new MqttPersistenceException(e);
  }
}
