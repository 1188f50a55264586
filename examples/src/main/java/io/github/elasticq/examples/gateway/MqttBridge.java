package io.github.elasticq.examples.gateway;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;
import org.eclipse.paho.client.mqttv3.IMqttDeliveryToken;
import org.eclipse.paho.client.mqttv3.MqttCallback;
import org.eclipse.paho.client.mqttv3.MqttClient;
import org.eclipse.paho.client.mqttv3.MqttConnectOptions;
import org.eclipse.paho.client.mqttv3.MqttException;
import org.eclipse.paho.client.mqttv3.MqttMessage;
import org.eclipse.paho.client.mqttv3.persist.MemoryPersistence;

/**
 * Bridges a real MQTT broker (Eclipse Paho): subscribes to {@code <prefix>/in/#} with QoS 2, so
 * each message keeps the QoS its publisher chose, and feeds it to the gateway (topic = the last
 * segment, hashed onto the gateway's topics; MQTT QoS = {@code QosMailbox} level). QoS 1 and 2 are
 * acknowledged to the broker only once their durable inbox stored them (Paho manual acks: the
 * PUBACK of QoS 1, the PUBCOMP of QoS 2), so a crash of the gateway loses nothing the broker handed
 * over: the broker delivers what was not acknowledged again (persistent session: the client id is
 * derived from the data directory), and Paho's persisted state in {@code <data>/mqtt} the QoS 2
 * messages it had received (PUBREC sent) and not yet handed over. A QoS 2 message stored and not
 * yet acknowledged when the gateway crashed or the connection was lost is delivered again from that
 * state and stored a second time (the journal and Paho's files cannot be written together); it
 * carries the identity {@link InboundIdentityPersistence} gave it when Paho first persisted it, and
 * the QoS 2 inbox's processing, which records the identities it processed, does not process the
 * copy again.
 *
 * <p>The result of each message from the broker is published on {@code <prefix>/out/<topic>} as
 * {@code qos=<q> dup=<0|1> <payload>} by the processing itself ({@link Gateway.BrokerReplies}): QoS
 * 1/2 results with QoS 1, waiting for the broker's PUBACK before the message counts as processed,
 * so a result lost in a crash means a message not confirmed, which the durable inbox delivers again
 * (the processing writes its ledger entry before the result, so a QoS 2 message delivered again
 * after its result was published gets its result again with {@code dup=1}, and is not processed
 * again). {@code dup=1} marks a message that the inbox delivered again after a crash and that had
 * been processed before ({@code DeliveryDeduplicator}); QoS 2 does not repeat its work. QoS 0
 * results go out with QoS 0, at most once. The results of the built-in publishers' messages are not
 * published.
 *
 * <p>A lost connection is re-established by the bridge itself, with a new Paho client on the same
 * client id and the same persisted state (attempts at most {@link #MAX_RECONNECT_DELAY_MILLIS}
 * apart), resuming the session: the broker delivers again what was not acknowledged, and the new
 * client sends again the results the old one had not seen acknowledged. Paho's own automatic
 * reconnect is not used: in Paho 1.2.5, after a connection reset with messages in flight, its
 * reconnect can spin in {@code CommsSender.start} for a minute or more ({@code
 * MqttBridgeTest.connectionCutTwiceMidBurst_bridgeReconnects_everyMessageProcessed} caught it). An
 * acknowledgement owed to the old client is dropped (the broker delivers that message again, at
 * least once). A QoS 1/2 result published meanwhile waits for the connection up to {@link
 * #PUBLISH_TIMEOUT_MILLIS} before it fails (and its message is delivered again by the inbox): that
 * wait blocks the inbox's processing, which therefore runs on a dispatcher of its own with a thread
 * per inbox ({@code gateway-inbox-dispatcher} in gateway.conf), not on Pekko's default dispatcher,
 * so the processors, the stream graph and the journal keep running while the broker is away. QoS 0
 * results are sent by the bridge's own thread and never make a processor wait.
 *
 * <p>A clean stop ({@link #stopReceiving}, then {@link #close}) keeps the session's subscription:
 * the broker goes on holding what is published for {@code <prefix>/in/#} while the gateway is down
 * and delivers it at the next start on the same data directory, as for any MQTT client with a
 * persistent session. From the stop on, the bridge takes no new message: it does not hand it to the
 * gateway and does not acknowledge it, so the broker keeps each QoS 1/2 message it delivers then
 * (Paho keeps a QoS 2 message it answered with PUBREC in {@code <data>/mqtt}) and delivers it again
 * at the next start; a QoS 0 message then is dropped (at most once). The messages taken before the
 * stop are still stored, acknowledged, processed and their results published before the bridge
 * disconnects ({@link Gateway#drain} waits for it).
 */
final class MqttBridge implements Gateway.BrokerReplies, AutoCloseable {

  static final String DEFAULT_PREFIX = "elasticq/gateway";

  /** How long a result's publish waits for the broker before it fails. */
  private static final long PUBLISH_TIMEOUT_MILLIS = 10_000;

  /** Longest wait between two attempts to reconnect to the broker. */
  private static final int MAX_RECONNECT_DELAY_MILLIS = 2_000;

  /** First wait before an attempt to reconnect; doubled after each failed attempt. */
  private static final int FIRST_RECONNECT_DELAY_MILLIS = 100;

  /** QoS 0 results waiting for the sender thread, at most. */
  private static final int QOS0_QUEUE = 65_536;

  /** Completed by {@link #attach}; messages that arrive before wait for it. */
  private final CompletableFuture<Gateway> gateway = new CompletableFuture<>();

  private final String url;
  private final String clientId;
  private final Path persistenceDir;
  private final Path identityDir;
  private final Path subscriptionFile;
  private final String prefix;

  /** The client of the current connection; replaced by {@link #reconnect}. */
  private volatile MqttClient client;

  /** Whether messages are taken, and what a (re)connect does about the subscription. */
  private enum Receiving {
    /** Before {@link #attach}: messages wait for the gateway; a connect does not subscribe. */
    NOT_YET,
    /** From {@link #attach}: messages are taken; a connect subscribes. */
    ON,
    /**
     * From {@link #stopReceiving}: messages are refused (not taken, not acknowledged: the broker
     * keeps them); a connect does not subscribe, and nothing unsubscribes, so the persistent
     * session keeps the subscription and the broker holds what comes until the next start.
     */
    STOPPED
  }

  /** Written under {@link #handover}. */
  private volatile Receiving receiving = Receiving.NOT_YET;

  /**
   * Held while a message is handed to the gateway, and by {@link #stopReceiving}: once that
   * returns, no message is being handed over and none will be, so the gateway's count of what it
   * received is final when its drain begins.
   */
  private final Object handover = new Object();

  private volatile boolean closed;

  /** Runs the reconnect attempts, one at a time. */
  private final ScheduledExecutorService reconnector =
      Executors.newSingleThreadScheduledExecutor(
          r -> {
            Thread t = new Thread(r, "gateway-mqtt-reconnect");
            t.setDaemon(true);
            return t;
          });

  /**
   * Sends the QoS 0 results, so that the processors never wait for the broker: one thread, at most
   * {@link #QOS0_QUEUE} results waiting (beyond, a result is dropped and counted: QoS 0 is at most
   * once).
   */
  private final ThreadPoolExecutor qos0Sender =
      new ThreadPoolExecutor(
          1,
          1,
          0,
          TimeUnit.MILLISECONDS,
          new ArrayBlockingQueue<>(QOS0_QUEUE),
          r -> {
            Thread t = new Thread(r, "gateway-mqtt-qos0");
            t.setDaemon(true);
            return t;
          },
          new ThreadPoolExecutor.AbortPolicy());

  private final AtomicLong publishFailures = new AtomicLong();
  private final AtomicLongArray received = new AtomicLongArray(Gateway.LEVELS);
  private final AtomicLongArray acknowledged = new AtomicLongArray(Gateway.LEVELS);
  private final AtomicLongArray refused = new AtomicLongArray(Gateway.LEVELS);
  private final AtomicLong connectionsLost = new AtomicLong();

  /** Notified when the connection is (re-)established. */
  private final Object connected = new Object();

  /**
   * Connects to the broker, resuming the persistent session of the data directory's client id
   * ({@link #clientId}): the broker starts at once to deliver what it holds for the session, and
   * those messages wait (Paho's callback thread waits) until {@link #attach} gives the gateway.
   * Connect before the gateway starts, so that the results of what the durable inboxes redeliver at
   * start can be published.
   *
   * <p>Paho's session state lives in {@code <dataDir>/mqtt} ({@code MqttDefaultFilePersistence}):
   * Paho answers a QoS 2 PUBLISH with PUBREC itself, before the application sees the message (that
   * comes with the broker's PUBREL), so after a crash only the persisted state lets the restarted
   * client deliver a QoS 2 message whose PUBREC went out; in memory it would be lost.
   */
  MqttBridge(String url, String prefix, Path dataDir) throws MqttException {
    this.url = url;
    this.clientId = clientId(dataDir);
    this.persistenceDir = dataDir.resolve("mqtt");
    this.identityDir = dataDir.resolve("mqtt-identity");
    this.subscriptionFile = dataDir.resolve(SUBSCRIPTION_FILE);
    this.prefix = prefix;
    try {
      connect();
    } catch (MqttException | RuntimeException e) {
      reconnector.shutdownNow();
      qos0Sender.shutdownNow();
      throw e;
    }
  }

  /**
   * A new client on the session's id and persisted state, made the current one, connected, and
   * subscribed if receiving.
   */
  private void connect() throws MqttException {
    InboundIdentityPersistence persistence =
        new InboundIdentityPersistence(persistenceDir, identityDir);
    MqttClient c = new MqttClient(url, clientId, persistence);
    try {
      c.setCallback(new Listener(c, persistence));
      c.setManualAcks(true);
      c.setTimeToWait(PUBLISH_TIMEOUT_MILLIS);
      MqttConnectOptions options = new MqttConnectOptions();
      options.setCleanSession(false);
      options.setMaxInflight(65535);
      options.setConnectionTimeout(10);
      client = c; // before the first message can arrive: its acknowledgement checks the client
      c.connect(options);
      if (receiving == Receiving.ON) {
        c.subscribe(prefix + "/in/#", 2); // the session has it: again, in case the broker lost it
      }
    } catch (MqttException | RuntimeException e) {
      closeQuietly(c);
      throw e;
    }
  }

  /**
   * Replaces the lost client with a new one; retried with a growing delay (at most {@link
   * #MAX_RECONNECT_DELAY_MILLIS}) until it connects or the bridge is closed.
   */
  private void reconnect(MqttClient lost, long delayMillis) {
    if (closed) {
      return;
    }
    closeQuietly(lost); // releases the persisted state for the new client
    try {
      connect();
      if (closed) { // closed while connecting: close() may not have seen this client
        closeQuietly(client);
        return;
      }
      tellGateway(true);
      System.err.println("gateway: MQTT reconnected to " + url + ", session resumed");
      synchronized (connected) {
        connected.notifyAll();
      }
    } catch (MqttException | RuntimeException e) {
      long next = Math.min(delayMillis * 2, MAX_RECONNECT_DELAY_MILLIS);
      reconnector.schedule(() -> reconnect(lost, next), next, TimeUnit.MILLISECONDS);
    }
  }

  /** Whether the broker can send now: {@code --mqtt-idle} counts only while it can. */
  private void tellGateway(boolean brokerConnected) {
    Gateway g = gateway.getNow(null);
    if (g != null) {
      g.brokerConnected(brokerConnected);
    }
  }

  private static void closeQuietly(MqttClient c) {
    try {
      if (c.isConnected()) {
        c.disconnectForcibly(0, 1_000);
      }
    } catch (MqttException e) {
      // lost anyway
    }
    try {
      c.close(true);
    } catch (MqttException e) {
      // closed anyway
    }
  }

  /**
   * The file in the data directory that names the topic prefix the session subscribed to, so that a
   * run with another {@code --mqtt-topic} can end the previous run's subscription.
   */
  static final String SUBSCRIPTION_FILE = "mqtt-subscription";

  /**
   * Feeds the broker's messages to {@code target} from now on and subscribes to them. If the
   * session's previous run subscribed under another prefix ({@link #SUBSCRIPTION_FILE}), that
   * subscription ends first: the persistent session keeps every subscription until it is ended, so
   * a run with a new {@code --mqtt-topic} went on receiving the old topics too. What the broker
   * queued for the old subscription before this run is still delivered (it was accepted for this
   * session).
   */
  void attach(Gateway target) throws MqttException, IOException {
    gateway.complete(target);
    synchronized (handover) {
      receiving = Receiving.ON;
    }
    String previous =
        Files.exists(subscriptionFile)
            ? Files.readString(subscriptionFile, StandardCharsets.UTF_8).strip()
            : "";
    if (!previous.isEmpty() && !previous.equals(prefix)) {
      client.unsubscribe(previous + "/in/#");
      System.err.println(
          "gateway: MQTT ended the previous run's subscription to " + previous + "/in/#");
    }
    client.subscribe(prefix + "/in/#", 2);
    Files.writeString(subscriptionFile, prefix + "\n", StandardCharsets.UTF_8);
  }

  /**
   * The client id of the bridge of a data directory: fixed, so that a restarted gateway resumes its
   * persistent session and gets what it had not acknowledged.
   */
  static String clientId(Path dataDir) {
    return "elasticq-gw-"
        + Integer.toHexString(dataDir.toAbsolutePath().normalize().toString().hashCode());
  }

  /**
   * Connects once and disconnects, so that a wrong URL fails before anything is written.
   *
   * @throws GatewayDemo.BadInputException naming the URL and how to start a broker
   */
  static void probe(String url) throws GatewayDemo.BadInputException {
    try {
      MqttClient probe =
          new MqttClient(url, MqttClient.generateClientId(), new MemoryPersistence());
      MqttConnectOptions options = new MqttConnectOptions();
      options.setConnectionTimeout(5);
      probe.connect(options);
      probe.disconnect();
      probe.close();
    } catch (MqttException | IllegalArgumentException e) {
      throw new GatewayDemo.BadInputException(
          "--mqtt "
              + url
              + ": no MQTT broker answers ("
              + e.getMessage()
              + "); start one, e.g. mosquitto -d -c /etc/mosquitto/mosquitto.conf");
    }
  }

  /**
   * Stops taking messages from the broker; the messages taken before are still acknowledged once
   * stored and their results published. The subscription stays with the persistent session: the
   * broker keeps what it delivers from now on (QoS 1/2, unacknowledged) and what is published while
   * the gateway is down, for the next start. Returns once no message is being handed to the
   * gateway. Any thread.
   */
  void stopReceiving() {
    synchronized (handover) {
      receiving = Receiving.STOPPED;
    }
  }

  /** Where the bridge listens and answers, for the start-up lines. */
  String describe() {
    return client.getServerURI() + "  in: " + prefix + "/in/#  results: " + prefix + "/out/<topic>";
  }

  /** Messages received from the broker, QoS 1/2 messages acknowledged, failures; one line. */
  String figures() {
    return String.format(
        Locale.ROOT,
        "received %d/%d/%d (QoS 0/1/2), acknowledged once stored %d/%d (QoS 1/2), %d results or"
            + " acknowledgements the broker did not take (their messages come again), %d"
            + " connections lost, refused after the stop %d/%d/%d (QoS 1/2: the broker keeps them"
            + " for the next start)",
        received.get(0),
        received.get(1),
        received.get(2),
        acknowledged.get(1),
        acknowledged.get(2),
        publishFailures.get(),
        connectionsLost.get(),
        refused.get(0),
        refused.get(1),
        refused.get(2));
  }

  /** Paho's callbacks of one client (one connection): they know which client they belong to. */
  private final class Listener implements MqttCallback {
    private final MqttClient source;
    private final InboundIdentityPersistence persistence;

    Listener(MqttClient source, InboundIdentityPersistence persistence) {
      this.source = source;
      this.persistence = persistence;
    }

    @Override
    public void messageArrived(String topic, MqttMessage message) {
      fromBroker(source, persistence, topic, message);
    }

    @Override
    public void connectionLost(Throwable cause) {
      if (closed || source != client) {
        return;
      }
      connectionsLost.incrementAndGet();
      System.err.println("gateway: MQTT connection lost (reconnecting): " + cause);
      tellGateway(false);
      reconnector.schedule(
          () -> reconnect(source, FIRST_RECONNECT_DELAY_MILLIS),
          FIRST_RECONNECT_DELAY_MILLIS,
          TimeUnit.MILLISECONDS);
    }

    @Override
    public void deliveryComplete(IMqttDeliveryToken token) {}
  }

  /**
   * Feeds a message to the gateway; acknowledges it once stored, on the client that received it (a
   * packet id belongs to its connection's session state: if that client was replaced meanwhile, the
   * acknowledgement fails and the broker delivers the message again). A QoS 2 message carries the
   * identity {@code persistence} gave it, the same when Paho delivers it again from its persisted
   * state. After {@link #stopReceiving} the message is refused: neither taken nor acknowledged.
   */
  private void fromBroker(
      MqttClient source,
      InboundIdentityPersistence persistence,
      String topic,
      MqttMessage message) {
    Gateway gateway = this.gateway.join();
    int qos = message.getQos();
    int id = message.getId();
    synchronized (handover) {
      if (receiving == Receiving.STOPPED) {
        refused.incrementAndGet(qos); // QoS 1/2: unacknowledged, the broker delivers it again
        return;
      }
      received.incrementAndGet(qos);
      String name = topic.substring(topic.lastIndexOf('/') + 1);
      int index = Math.floorMod(name.hashCode(), gateway.options().topics());
      gateway.fromBroker(
          index,
          qos,
          id,
          new String(message.getPayload(), StandardCharsets.UTF_8),
          qos == 2 ? persistence.identityOf(id) : 0,
          () -> {
            if (source == client) {
              try {
                source.messageArrivedComplete(id, qos);
                acknowledged.incrementAndGet(qos);
                return;
              } catch (MqttException e) {
                // not acknowledged: counted below
              }
            }
            publishFailures.incrementAndGet(); // not acknowledged: the broker delivers it again
          });
    }
  }

  /**
   * QoS 1/2: blocks until the broker acknowledged the result (up to {@link #PUBLISH_TIMEOUT_MILLIS}
   * for the connection, as long again for the PUBACK) and throws so that the message is delivered
   * again if it did not; call it only from a thread that may block ({@code
   * gateway-inbox-dispatcher}). QoS 0: queued for the bridge's own sender thread and returns at
   * once (a processor on the default dispatcher calls it); dropped, and counted, if the queue is
   * full or the broker does not take it (at most once).
   */
  @Override
  public void publish(Publish m, boolean duplicate) throws MqttException {
    String topic = prefix + "/out/" + Gateway.topicName(m.topic());
    byte[] text =
        ("qos=" + m.qos() + " dup=" + (duplicate ? 1 : 0) + " " + m.payload())
            .getBytes(StandardCharsets.UTF_8);
    if (m.qos() == 0) {
      try {
        qos0Sender.execute(() -> publishQos0(topic, text));
      } catch (RejectedExecutionException full) {
        publishFailures.incrementAndGet();
      }
      return;
    }
    try {
      awaitConnection();
      client.publish(topic, text, 1, false);
    } catch (MqttException e) {
      publishFailures.incrementAndGet();
      throw e;
    }
  }

  @Override
  public boolean awaitResultsForgotten(long timeoutMillis) throws InterruptedException {
    MqttClient c = client;
    return c == null || awaitNoPendingDelivery(c, timeoutMillis);
  }

  /**
   * Waits up to {@code timeoutMillis} until {@code c} has no outbound message left (Paho removes it
   * from its persistence before it drops the delivery token); returns whether it has none.
   */
  static boolean awaitNoPendingDelivery(MqttClient c, long timeoutMillis)
      throws InterruptedException {
    long deadline = System.nanoTime() + timeoutMillis * 1_000_000;
    while (true) {
      if (c.getPendingDeliveryTokens().length == 0) {
        return true;
      }
      if (System.nanoTime() - deadline >= 0) {
        return false;
      }
      Thread.sleep(1);
    }
  }

  private void publishQos0(String topic, byte[] text) {
    try {
      client.publish(topic, text, 0, false);
    } catch (MqttException e) {
      publishFailures.incrementAndGet();
    }
  }

  /**
   * Waits up to {@link #PUBLISH_TIMEOUT_MILLIS} while the bridge reconnects; returns at once when
   * connected. The publish that follows fails if the connection did not come back.
   */
  private void awaitConnection() {
    long deadline = System.nanoTime() + PUBLISH_TIMEOUT_MILLIS * 1_000_000;
    synchronized (connected) {
      long left;
      while (!client.isConnected() && (left = deadline - System.nanoTime()) > 0) {
        try {
          connected.wait(Math.max(1, left / 1_000_000));
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          return;
        }
      }
    }
  }

  @Override
  public void close() {
    qos0Sender.shutdown(); // the QoS 0 results queued so far still go out, for up to 5 s
    try {
      if (!qos0Sender.awaitTermination(5, TimeUnit.SECONDS)) {
        qos0Sender.shutdownNow();
      }
    } catch (InterruptedException e) {
      qos0Sender.shutdownNow();
      Thread.currentThread().interrupt();
    }
    closed = true;
    gateway.completeExceptionally(new IllegalStateException("the MQTT bridge is closed"));
    reconnector.shutdownNow();
    MqttClient c = client;
    try {
      if (c.isConnected()) {
        c.disconnect(5_000);
      }
      c.close();
    } catch (MqttException e) {
      System.err.println("gateway: MQTT disconnect failed: " + e);
      closeQuietly(c);
    }
  }
}
