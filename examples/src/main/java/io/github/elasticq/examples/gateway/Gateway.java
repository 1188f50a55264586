package io.github.elasticq.examples.gateway;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import io.github.elasticq.mailbox.MailboxInfo;
import io.github.elasticq.mailbox.MailboxRegistry;
import io.github.elasticq.mailbox.QosMailbox;
import io.github.elasticq.persistence.durable.DeliveryDeduplicator;
import io.github.elasticq.persistence.durable.DurableMailbox;
import io.github.elasticq.persistence.durable.DurableMailboxRegistry;
import io.github.elasticq.persistence.durable.DurableMailboxStats;
import io.github.elasticq.persistence.journal.WalRegistry;
import io.github.elasticq.persistence.wal.WriteAheadLog;
import io.github.elasticq.queue.QueueConfig;
import io.github.elasticq.queue.QueueStats;
import io.github.elasticq.streams.javadsl.ElasticFlow;
import io.github.elasticq.streams.javadsl.ElasticSink;
import io.github.elasticq.streams.javadsl.ElasticSinkQueue;
import io.github.elasticq.streams.javadsl.ElasticSource;
import io.github.elasticq.streams.javadsl.ElasticSourceQueue;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.locks.LockSupport;
import java.util.zip.CRC32;
import kamon.Kamon;
import org.HdrHistogram.Histogram;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.AskPattern;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.japi.Pair;
import org.apache.pekko.management.javadsl.PekkoManagement;
import org.apache.pekko.stream.QueueOfferResult;
import org.apache.pekko.stream.javadsl.Keep;
import scala.concurrent.Await;

/**
 * The running gateway: one actor system with, per topic, a processor actor on a {@code QosMailbox}
 * (chosen in {@code gateway.conf} through deployment config, not in code) and, for QoS 1 and 2, a
 * {@link DurableMailbox} each on the embedded journal; processed messages flow through a stream
 * graph ({@code ElasticSource} → result → {@code ElasticFlow.buffer} → {@code ElasticSink}) to the
 * egress thread that counts them and records their latency.
 *
 * <pre>
 * publisher threads ──tell──▶ processor-tN (QosMailbox: level = QoS, weighted 1:4:8)
 *                                 │ QoS 0: processed here (at most once; overflow → dead letters)
 *                                 │ QoS 1/2: Enqueue ──▶ inbox-tN-qosQ (DurableMailbox, elasticq.journal)
 *                                 │                         │ Stored ──▶ acks-tN-qosQ (the PUBACK)
 *                                 │                         ▼ inner behavior: processed at least once
 *                                 │                           (QoS 2: DeliveryDeduplicator, exactly once)
 *                                 ▼                           and recorded in the ledger before returning
 *                         ElasticSource ─▶ result ─▶ ElasticFlow.buffer ─▶ ElasticSink ─▶ egress thread
 * </pre>
 *
 * <p>With the MQTT bridge, messages from the broker enter at the processors (QoS 0) and at the
 * durable inboxes (QoS 1/2, acknowledged to the broker on {@code Stored}), and the processing
 * publishes each one's result to the broker before it returns ({@link BrokerReplies}).
 *
 * <p>Publishers hold at most {@code inflight} unprocessed QoS 1 and QoS 2 messages each (MQTT's
 * receive maximum), so the durable inboxes and the QoS 1/2 levels of the processors' mailboxes stay
 * bounded while QoS 0 bursts fill the lowest level.
 */
final class Gateway implements AutoCloseable {

  static final int LEVELS = 3;

  /** The processors' mailbox section in gateway.conf. */
  static final String PROCESSOR_MAILBOX = "gateway-qos-mailbox";

  private final GatewayOptions options;
  private final long run = System.currentTimeMillis();
  private final Config config;
  private final Ledger[][] ledgers;
  private final Semaphore[][] inflight;

  // Started one after the other by the constructor, in this order; null until started. close()
  // stops what was started, in reverse order, also after a failed start.
  private boolean kamonStarted;
  private ActorSystem<Void> system;
  private ElasticSourceQueue<Processed> results;
  private ElasticSinkQueue<Result> egress;
  private Thread egressThread;
  private List<ActorRef<Publish>> processors;
  private final List<Thread> publisherThreads = new ArrayList<>();
  private volatile boolean publishing = true;
  private volatile boolean endedIdle;
  private volatile boolean fromBroker;
  private volatile long lastFromBrokerNanos;
  private volatile boolean brokerDown;
  private final long createdNanos = System.nanoTime();
  private volatile long startNanos = System.nanoTime();

  /** Per topic × level: messages sent in this run. */
  final AtomicLongArray sent;

  /** Per topic × level: messages of this run processed (first time). */
  final AtomicLongArray processed;

  /** Per topic × level: messages of an earlier run processed the first time (recovered). */
  final AtomicLongArray recovered;

  /** Per topic × level: deliveries of a message already processed (after a crash). */
  final AtomicLongArray duplicates;

  /**
   * Per topic × level: QoS 2 messages the broker delivered in this run whose first copy had been
   * stored before (Paho delivered them again after a crash or a lost connection between the store
   * and the PUBCOMP): recognized by their MQTT identity and not processed again.
   */
  final AtomicLongArray storedBefore;

  final AtomicLong totalSent = new AtomicLong();

  /**
   * Per topic × level: QoS 1/2 messages from the broker that their durable inbox did not answer
   * (the ask failed: a timeout or a stopped inbox). Not acknowledged, so the broker keeps them.
   */
  final AtomicLongArray unstored;

  /** Why the last message counted in {@link #unstored} was not stored. */
  volatile String unstoredReason = "";

  /**
   * QoS 1/2 messages from the broker handed to their durable inbox whose store is not answered yet,
   * or answered and not yet acknowledged to the broker: the drain waits for them, so that a clean
   * stop leaves no taken message unacknowledged (the broker would deliver it again at the next
   * start, and a QoS 2 message would be stored twice).
   */
  private final AtomicLong brokerPending = new AtomicLong();

  /** Where the results of messages from the MQTT broker go; null without a bridge. */
  private final BrokerReplies brokerReplies;

  /**
   * Publishes the result of a message that came from the MQTT broker, as a part of its processing:
   * a QoS 1/2 message counts as processed (and its durable inbox confirms it) only once this
   * returned, so a crash can never leave a processed message without its result. Called on the
   * processing actor's thread: for QoS 1/2 a durable inbox's child, on {@code
   * gateway-inbox-dispatcher} (one thread per inbox, see gateway.conf), because it blocks while the
   * broker is away; for QoS 0 a processor, on the default dispatcher, where it must not block.
   */
  interface BrokerReplies {
    /**
     * Publishes the result of {@code message}; for QoS 1/2 returns once the broker has it (blocks);
     * for QoS 0 hands it over without waiting (at most once).
     *
     * @param duplicate whether it was processed before (a QoS 2 redelivery after a crash)
     * @throws Exception for QoS 1/2 when the broker did not take the result: the inbox delivers the
     *     message again
     */
    void publish(Publish message, boolean duplicate) throws Exception;

    /**
     * Waits up to {@code timeoutMillis} until the MQTT client holds no published result in its
     * persisted state any more; returns whether it does not. {@link #publish} returns as soon as
     * the broker's PUBACK came, but Paho 1.2.5 deletes the persisted copy of the result a moment
     * later, on its callback thread: a process that dies in between has the next client on the same
     * data directory send the result again (the same text, a transport repeat, not a second
     * processing). Only the test hook {@link Gateway#HALT_AFTER_RESULT_PROPERTY} calls it, so that
     * the halt it simulates comes after that moment.
     */
    boolean awaitResultsForgotten(long timeoutMillis) throws InterruptedException;
  }

  /** The durable inboxes, [topic][qos] (qos 1 and 2). */
  private final ActorRef<Object>[][] inboxes;

  final AtomicLong streamDropped = new AtomicLong();

  /** Latency from publish to egress per QoS level, this run's messages; egress thread only. */
  final Histogram[] latency = new Histogram[LEVELS];

  /**
   * Opens the ledgers and starts Kamon, the actor system, the stream graph and the egress thread;
   * checks that the journal opens and the processors are on their mailbox. If any of it fails,
   * closes what it had started, in reverse order, and throws the failure (with the failures of the
   * closing as suppressed).
   */
  private Gateway(GatewayOptions options, Config config, BrokerReplies brokerReplies)
      throws IOException {
    this.options = options;
    this.config = config;
    this.brokerReplies = brokerReplies;
    int topics = options.topics();
    this.sent = new AtomicLongArray(topics * LEVELS);
    this.processed = new AtomicLongArray(topics * LEVELS);
    this.recovered = new AtomicLongArray(topics * LEVELS);
    this.duplicates = new AtomicLongArray(topics * LEVELS);
    this.storedBefore = new AtomicLongArray(topics * LEVELS);
    this.unstored = new AtomicLongArray(topics * LEVELS);
    for (int q = 0; q < LEVELS; q++) {
      latency[q] = new Histogram(TimeUnit.SECONDS.toMicros(600), 3);
    }
    this.ledgers = new Ledger[topics][LEVELS];
    @SuppressWarnings({"unchecked", "rawtypes"})
    ActorRef<Object>[][] refs = new ActorRef[topics][LEVELS];
    this.inboxes = refs;
    this.inflight = new Semaphore[options.publishers()][LEVELS];
    for (int p = 0; p < options.publishers(); p++) {
      for (int q = 1; q < LEVELS; q++) {
        inflight[p][q] = new Semaphore(options.inflight());
      }
    }
    try {
      for (int t = 0; t < topics; t++) {
        for (int q = 1; q < LEVELS; q++) {
          ledgers[t][q] = new Ledger(options.dataDir().resolve("ledger"), persistenceId(t, q));
        }
      }
      Kamon.initWithoutAttaching(config); // ElasticQ polls its own counters: no Kanela agent needed
      kamonStarted = true;
      CompletableFuture<List<ActorRef<Publish>>> spawned = new CompletableFuture<>();
      this.system = ActorSystem.create(guardian(spawned), "gateway", config);
      QueueConfig streamQueue =
          QueueConfig.builder().initialCapacity(64).minCapacity(64).maxCapacity(1 << 20).build();
      Pair<ElasticSourceQueue<Processed>, ElasticSinkQueue<Result>> graph =
          ElasticSource.<Processed>queue(streamQueue)
              .map(Gateway::toResult)
              .via(ElasticFlow.buffer(streamQueue))
              .toMat(ElasticSink.queue(streamQueue), Keep.both())
              .run(system);
      this.results = graph.first();
      this.egress = graph.second();
      this.egressThread = new Thread(this::egressLoop, "gateway-egress");
      this.egressThread.start();
      checkJournal();
      try {
        this.processors = spawned.get(30, TimeUnit.SECONDS);
      } catch (Exception e) {
        throw new IllegalStateException("the gateway's actors did not start: " + e, e);
      }
      checkProcessorMailboxes();
    } catch (IOException | RuntimeException | Error e) {
      closeAfterFailedStart(e);
      throw e;
    }
  }

  /**
   * Starts Kamon, the actor system, Pekko Management and the stream graph. If the start fails, what
   * it had started is closed again (the data directory is free for another start) and the failure
   * is thrown.
   *
   * @param brokerReplies where the results of messages from the MQTT broker go, null without a
   *     bridge; given here because the durable inboxes redeliver what an earlier run left as soon
   *     as they start
   * @throws IllegalStateException if the journal cannot be opened (e.g. another process uses the
   *     data directory), the actors or Pekko Management did not start
   */
  static Gateway start(GatewayOptions options, BrokerReplies brokerReplies) throws IOException {
    Path data = options.dataDir().toAbsolutePath();
    Map<String, Object> runtime = new HashMap<>();
    runtime.put("elasticq.journal.dir", data.resolve("journal").toString());
    runtime.put("elasticq.snapshot-store.dir", data.resolve("snapshots").toString());
    runtime.put("kamon.prometheus.embedded-server.port", options.metricsPort());
    runtime.put("pekko.management.http.port", options.managementPort());
    // one thread per durable inbox: its processing may wait for the MQTT broker (gateway.conf)
    runtime.put(
        "gateway-inbox-dispatcher.thread-pool-executor.fixed-pool-size",
        options.topics() * (LEVELS - 1));
    Config config = ConfigFactory.parseMap(runtime).withFallback(ConfigFactory.load("gateway"));
    Gateway gateway = new Gateway(options, config, brokerReplies);
    try {
      PekkoManagement.get(gateway.system.classicSystem())
          .start()
          .toCompletableFuture()
          .get(30, TimeUnit.SECONDS);
    } catch (Exception e) {
      IllegalStateException failure =
          new IllegalStateException("Pekko Management did not start: " + e, e);
      gateway.closeAfterFailedStart(failure);
      if (e instanceof InterruptedException) {
        Thread.currentThread().interrupt(); // after the closing, which waits
      }
      throw failure;
    }
    return gateway;
  }

  /**
   * Opens the journal now, so that a data directory whose journal cannot be opened (another process
   * uses it: the lock; corruption) fails the start with the reason instead of every durable inbox
   * failing its recovery over and over while the run goes on.
   */
  private void checkJournal() {
    try {
      WalRegistry.get(system.classicSystem()).logFor("elasticq.journal");
    } catch (RuntimeException e) {
      throw new IllegalStateException(
          "the journal in " + options.dataDir().resolve("journal") + " cannot be opened: " + e, e);
    }
  }

  static String persistenceId(int topic, int qos) {
    return "gateway-t" + topic + "-qos" + qos;
  }

  static String topicName(int topic) {
    return "t" + topic;
  }

  private Behavior<Void> guardian(CompletableFuture<List<ActorRef<Publish>>> spawned) {
    return Behaviors.setup(
        ctx -> {
          List<ActorRef<Publish>> refs = new ArrayList<>();
          for (int t = 0; t < options.topics(); t++) {
            @SuppressWarnings({"unchecked", "rawtypes"})
            ActorRef<Object>[] inboxes = new ActorRef[LEVELS];
            @SuppressWarnings({"unchecked", "rawtypes"})
            ActorRef<DurableMailbox.Reply>[] acks = new ActorRef[LEVELS];
            for (int q = 1; q < LEVELS; q++) {
              acks[q] = ctx.spawn(acks(t, q), "acks-t" + t + "-qos" + q);
              inboxes[q] =
                  ctx.spawn(
                      DurableMailbox.create(persistenceId(t, q), inner(t, q)),
                      "inbox-t" + t + "-qos" + q);
            }
            this.inboxes[t] = inboxes;
            // no mailbox selector: gateway.conf deploys /processor-* on the QoS mailbox
            refs.add(ctx.spawn(processor(inboxes, acks), "processor-" + topicName(t)));
          }
          spawned.complete(List.copyOf(refs));
          return Behaviors.empty();
        });
  }

  /** QoS 0 is processed here; QoS 1 and 2 are handed to the topic's durable inbox. */
  private Behavior<Publish> processor(
      ActorRef<Object>[] inboxes, ActorRef<DurableMailbox.Reply>[] acks) {
    return Behaviors.receive(Publish.class)
        .onMessage(
            Publish.class,
            m -> {
              if (m.qos() == 0) {
                work();
                replyToBroker(m, false);
                emit(new Processed(m, false, false, false));
              } else {
                inboxes[m.qos()].tell(new DurableMailbox.Enqueue<>(m, acks[m.qos()]));
              }
              return Behaviors.same();
            })
        .build();
  }

  /**
   * The durable inbox's inner behavior: the processing of a stored QoS 1/2 message. Its effect (the
   * ledger entry) is written before the handler returns, so a message is confirmed only once
   * processed; QoS 2 skips the work of a redelivered message it already processed.
   */
  private Behavior<Publish> inner(int topic, int qos) {
    Ledger ledger = ledgers[topic][qos];
    // processed (in the ledger) and not yet entered into the stream: the result's publish failed
    // after the entry, and the inbox delivers the message again; kept across the child's restarts
    Set<Long> unemitted = ConcurrentHashMap.newKeySet();
    return Behaviors.setup(
        ctx -> {
          DeliveryDeduplicator dedup = new DeliveryDeduplicator(ledger.last());
          return Behaviors.receive(Publish.class)
              .onMessage(
                  Publish.class,
                  m -> {
                    long seqNr = DurableMailbox.deliverySeqNr();
                    boolean isNew = dedup.isNew(seqNr);
                    boolean earlierRun = m.run() != run;
                    // QoS 2 from the broker: a copy Paho delivered again and the inbox stored a
                    // second time (crash or lost connection before the PUBCOMP) has the identity
                    // of a message stored under another number; recorded before the work, so that
                    // a copy is recognized whenever it comes
                    boolean storedBefore = false;
                    if (isNew && qos == 2 && m.mqttIdentity() != 0) {
                      long first = ledger.storedAs(m.mqttIdentity());
                      if (first == 0) {
                        ledger.identity(m.mqttIdentity(), seqNr);
                      } else {
                        storedBefore = first != seqNr;
                      }
                    }
                    boolean again = !isNew || storedBefore;
                    if (!again || qos == 1) {
                      work(); // QoS 1: at least once, a duplicate is processed again
                    }
                    // the ledger first, then the result: a crash between them delivers the
                    // message again, and QoS 2 then publishes its result as a duplicate (dup=1)
                    // instead of processing it a second time; the result is published at least
                    // once (the message is confirmed only after it), its dup=0 copy at most once
                    if (isNew) {
                      ledger.processed(seqNr);
                      dedup.processed(seqNr);
                      unemitted.add(seqNr);
                    }
                    replyToBroker(m, again); // throws if the broker does not take the result
                    haltAfterResultIfAsked(m);
                    // the first time it enters the stream: counted as processed, not duplicate
                    boolean first = unemitted.remove(seqNr);
                    if (first && !earlierRun && m.publisher() >= 0) {
                      inflight[m.publisher()][qos].release();
                    }
                    emit(new Processed(m, earlierRun, !first, storedBefore));
                    return Behaviors.same();
                  })
              .build();
        });
  }

  /** Receives the inbox's Stored replies: the gateway's PUBACK. */
  private Behavior<DurableMailbox.Reply> acks(int topic, int qos) {
    Ledger ledger = ledgers[topic][qos];
    return Behaviors.receive(DurableMailbox.Reply.class)
        .onMessage(
            DurableMailbox.Stored.class,
            s -> {
              ledger.accepted(s.seqNr());
              return Behaviors.same();
            })
        .onMessage(DurableMailbox.Rejected.class, r -> Behaviors.same()) // counted by the inbox
        .build();
  }

  private void work() {
    long end = System.nanoTime() + TimeUnit.MICROSECONDS.toNanos(options.workMicros());
    while (System.nanoTime() < end) {
      Thread.onSpinWait();
    }
  }

  private void replyToBroker(Publish m, boolean duplicate) throws Exception {
    if (brokerReplies != null && m.publisher() < 0) {
      brokerReplies.publish(m, duplicate);
    }
  }

  private void emit(Processed p) {
    if (!QueueOfferResult.enqueued().equals(results.offer(p))) {
      streamDropped.incrementAndGet();
    }
  }

  /**
   * A processed message entering the stream graph.
   *
   * @param duplicate delivered again by its durable inbox after it had been processed
   * @param storedBefore a QoS 2 message from the broker whose first copy was stored before under
   *     another sequence number (its MQTT identity): not processed again
   */
  record Processed(Publish message, boolean earlierRun, boolean duplicate, boolean storedBefore) {}

  /** The stream's result of a processed message. */
  record Result(
      int topic,
      int qos,
      boolean earlierRun,
      boolean duplicate,
      boolean storedBefore,
      long latencyNanos,
      long crc,
      String payload) {}

  private static Result toResult(Processed p) {
    CRC32 crc = new CRC32();
    crc.update(p.message().payload().getBytes(java.nio.charset.StandardCharsets.UTF_8));
    Publish m = p.message();
    return new Result(
        m.topic(),
        m.qos(),
        p.earlierRun(),
        p.duplicate(),
        p.storedBefore(),
        System.nanoTime() - m.sentNanos(),
        crc.getValue(),
        m.payload());
  }

  private void egressLoop() {
    try {
      while (true) {
        Optional<Result> first = egress.poll(Duration.ofMillis(100));
        if (first.isPresent()) {
          count(first.get());
          for (Result r : egress.pollBatch(4096)) {
            count(r);
          }
        } else if (egress.isDrained()) {
          return;
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private void count(Result r) {
    int i = r.topic() * LEVELS + r.qos();
    if (r.storedBefore() && !r.earlierRun()) {
      storedBefore.incrementAndGet(i); // a message of this run: settles what it added to sent
    } else if (r.duplicate() || r.storedBefore()) {
      duplicates.incrementAndGet(i);
    } else if (r.earlierRun()) {
      recovered.incrementAndGet(i);
    } else {
      processed.incrementAndGet(i);
      latency[r.qos()].recordValue(
          Math.min(
              Math.max(0, r.latencyNanos() / 1000), latency[r.qos()].getHighestTrackableValue()));
    }
  }

  /** Starts the publisher threads (and the clock of the run). */
  void startPublishers() {
    startNanos = System.nanoTime();
    if (options.publishers() == 0 || !options.mqttIdle().isZero()) {
      Thread timer =
          new Thread(
              () -> {
                long end = startNanos + options.duration().toNanos();
                while (publishing && System.nanoTime() < end) {
                  if (brokerIdle()) {
                    endedIdle = true;
                    publishing = false;
                    return;
                  }
                  LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(50));
                }
              },
              "gateway-duration");
      timer.setDaemon(true);
      publisherThreads.add(timer);
      timer.start();
    }
    for (int p = 0; p < options.publishers(); p++) {
      int publisher = p;
      Thread t = new Thread(() -> publish(publisher), "publisher-" + p);
      t.setDaemon(true);
      publisherThreads.add(t);
      t.start();
    }
  }

  private void publish(int publisher) {
    SplittableRandom random = new SplittableRandom(31L * publisher + run);
    long tickNanos = TimeUnit.MILLISECONDS.toNanos(10);
    long end = startNanos + options.duration().toNanos();
    long burstEvery = options.burstEvery().toNanos();
    long nextBurst = System.nanoTime() + burstEvery / 2;
    double credit = 0;
    long seq = 0;
    long next = System.nanoTime();
    while (publishing && System.nanoTime() < end) {
      if (options.burstSize() > 0 && System.nanoTime() >= nextBurst) {
        for (int i = 0; i < options.burstSize() && publishing; i++) {
          if (!send(publisher, seq++, random)) {
            return;
          }
        }
        nextBurst += burstEvery;
      }
      credit += options.rate() * (tickNanos / 1e9);
      while (credit >= 1 && publishing) {
        if (!send(publisher, seq++, random)) {
          return;
        }
        credit--;
      }
      next += tickNanos;
      LockSupport.parkNanos(next - System.nanoTime());
    }
  }

  /** Sends one message; false if publishing stopped while it waited for in-flight room. */
  private boolean send(int publisher, long seq, SplittableRandom random) {
    int roll = random.nextInt(100);
    int[] mix = options.qosMix();
    int qos = roll < mix[0] ? 0 : roll < mix[0] + mix[1] ? 1 : 2;
    int topic = random.nextInt(options.topics());
    if (qos > 0) {
      try {
        while (!inflight[publisher][qos].tryAcquire(50, TimeUnit.MILLISECONDS)) {
          if (!publishing || System.nanoTime() - startNanos > options.duration().toNanos()) {
            return false;
          }
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return false;
      }
    }
    Publish m =
        new Publish(
            run, publisher, seq, topic, qos, System.nanoTime(), "p" + publisher + "-" + seq);
    processors.get(topic).tell(m);
    sent.incrementAndGet(topic * LEVELS + qos);
    long total = totalSent.incrementAndGet();
    if (options.crashAfter() > 0 && total >= options.crashAfter()) {
      crash(total);
    }
    return true;
  }

  private static void crash(long total) {
    synchronized (System.out) {
      PrintStream out = System.out;
      out.println();
      out.println(
          "--crash-after: halting the JVM now (Runtime.halt), "
              + total
              + " messages sent. Run again with the same --data to recover.");
      out.flush();
      Runtime.getRuntime().halt(137);
    }
  }

  /**
   * Test hook ({@code MqttBridgeCrashTest}): the system property {@value
   * #HALT_AFTER_RESULT_PROPERTY} {@code = n} halts the JVM (as kill -9 would) right after the n-th
   * QoS 2 message from the broker has been processed and its result published (and forgotten by the
   * MQTT client, see {@link BrokerReplies#awaitResultsForgotten}), before the inbox confirms it,
   * and prints a line naming it first; 0 or unset: never.
   */
  static final String HALT_AFTER_RESULT_PROPERTY =
      "elasticq.gateway.test.halt-after-result-of-qos2";

  private final long haltAfterResultOf = Long.getLong(HALT_AFTER_RESULT_PROPERTY, 0);
  private final AtomicLong processedQos2FromBroker = new AtomicLong();

  private void haltAfterResultIfAsked(Publish m) {
    if (haltAfterResultOf > 0
        && m.qos() == 2
        && m.publisher() < 0
        && processedQos2FromBroker.incrementAndGet() == haltAfterResultOf) {
      boolean forgotten;
      try {
        forgotten = brokerReplies.awaitResultsForgotten(10_000);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        forgotten = false;
      }
      synchronized (System.out) {
        if (!forgotten) {
          System.out.println("test hook: the MQTT client still holds a published result");
        }
        System.out.println("test hook: halting after the result of QoS 2 message " + m.payload());
        System.out.flush();
        Runtime.getRuntime().halt(137);
      }
    }
  }

  /**
   * Test hook ({@code MqttBridgeCrashTest}): the system property {@value #WITHHOLD_ACK_PROPERTY}
   * {@code = n} withholds the acknowledgement of the n-th QoS 2 message from the broker once it is
   * stored, as if the JVM died between the store and the PUBCOMP, and prints a line naming it; 0 or
   * unset: never.
   */
  static final String WITHHOLD_ACK_PROPERTY = "elasticq.gateway.test.withhold-ack-of-qos2";

  private final long withholdAckOf = Long.getLong(WITHHOLD_ACK_PROPERTY, 0);
  private final AtomicLong storedQos2FromBroker = new AtomicLong();

  /**
   * A message the MQTT bridge received: QoS 0 goes to the topic's processor like a publisher's; QoS
   * 1 and 2 go straight to the durable inbox, and {@code ack} runs once it is stored (the bridge
   * then acknowledges it to the broker). Any thread.
   *
   * @param mqttIdentity of a QoS 2 message, its identity in Paho's persisted state (see {@link
   *     Publish#mqttIdentity()}); 0 otherwise
   */
  void fromBroker(int topic, int qos, long id, String payload, long mqttIdentity, Runnable ack) {
    lastFromBrokerNanos = System.nanoTime();
    fromBroker = true;
    Publish m = new Publish(run, -1, id, topic, qos, System.nanoTime(), payload, mqttIdentity);
    sent.incrementAndGet(topic * LEVELS + qos);
    totalSent.incrementAndGet();
    if (qos == 0) {
      processors.get(topic).tell(m);
      return;
    }
    Ledger ledger = ledgers[topic][qos];
    brokerPending.incrementAndGet();
    AskPattern.<Object, DurableMailbox.Reply>ask(
            inboxes[topic][qos],
            replyTo -> new DurableMailbox.Enqueue<>(m, replyTo),
            Duration.ofSeconds(60),
            system.scheduler())
        .whenComplete(
            (reply, failure) -> {
              try {
                if (reply instanceof DurableMailbox.Stored stored) {
                  try {
                    ledger.accepted(stored.seqNr());
                  } catch (IOException e) {
                    throw new UncheckedIOException(e);
                  }
                  if (qos == 2
                      && withholdAckOf > 0
                      && storedQos2FromBroker.incrementAndGet() == withholdAckOf) {
                    System.out.println(
                        "test hook: acknowledgement withheld of stored QoS 2 message " + payload);
                  } else {
                    ack.run();
                  }
                } else if (failure != null) {
                  // not acknowledged: the broker delivers it again after a reconnect
                  unstoredReason = failure.toString();
                  unstored.incrementAndGet(topic * LEVELS + qos);
                } // Rejected: counted by the inbox
              } finally {
                brokerPending.decrementAndGet();
              }
            });
  }

  /**
   * Whether {@code --mqtt-idle} is set and the broker, after it sent a message, sent nothing for
   * that long.
   */
  private boolean brokerIdle() {
    long idle = options.mqttIdle().toNanos();
    return idle > 0 && fromBroker && !brokerDown && System.nanoTime() - lastFromBrokerNanos >= idle;
  }

  /**
   * The MQTT bridge lost ({@code false}) or regained its connection: the broker cannot send while
   * it is down, so {@code --mqtt-idle} does not count that time.
   */
  void brokerConnected(boolean up) {
    if (up) {
      lastFromBrokerNanos = System.nanoTime();
    }
    brokerDown = !up;
  }

  /** Whether the run ended because the broker was idle for {@code --mqtt-idle}. */
  boolean endedIdle() {
    return endedIdle;
  }

  /** Waits for the publishers to finish (their duration ends). */
  void awaitPublishers() throws InterruptedException {
    for (Thread t : publisherThreads) {
      t.join();
    }
  }

  /** Stops publishing now (Ctrl-C). */
  void stopPublishers() {
    publishing = false;
  }

  /**
   * Waits until every message sent in this run was processed, dropped or left unstored with the
   * broker ({@link #unstored}), every message from the broker that was stored is acknowledged to
   * it, every durable inbox has confirmed everything it stored (also what it recovered), then
   * completes the stream and waits for the egress. False if that did not happen within {@code
   * timeout}. With the MQTT bridge, call it after {@link MqttBridge#stopReceiving}.
   */
  boolean drain(Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    boolean settled = false;
    while (System.nanoTime() < deadline) {
      if (settled()) {
        settled = true;
        break;
      }
      Thread.sleep(50);
    }
    results.complete();
    egressThread.join(TimeUnit.NANOSECONDS.toMillis(Math.max(deadline - System.nanoTime(), 1000)));
    return settled && !egressThread.isAlive();
  }

  private boolean settled() {
    if (brokerPending.get() > 0) {
      return false;
    }
    for (int t = 0; t < options.topics(); t++) {
      for (int q = 0; q < LEVELS; q++) {
        int i = t * LEVELS + q;
        if (processed.get(i) + dropped(t, q) + unstored.get(i) + storedBefore.get(i)
            != sent.get(i)) {
          return false;
        }
        if (q > 0 && inbox(t, q).map(s -> s.unconfirmed() > 0).orElse(true)) {
          return false;
        }
      }
    }
    return true;
  }

  /**
   * Messages of this run refused for topic {@code t}, level {@code q}: overflow at max-capacity and
   * overload shedding of the processor's mailbox, and refusals and poison drops (given up after
   * {@code max-redeliveries} failed processings) of the durable inbox.
   */
  long dropped(int topic, int qos) {
    long dropped =
        mailbox(topic)
            .map(m -> m.levelStats().get(qos).rejected() + m.levelShed().get(qos))
            .orElse(0L);
    if (qos > 0) {
      dropped += inbox(topic, qos).map(s -> s.rejected() + s.poisoned()).orElse(0L);
    }
    return dropped;
  }

  Optional<MailboxInfo> mailbox(int topic) {
    return MailboxRegistry.get(system).find(processors.get(topic).path());
  }

  Optional<DurableMailboxStats> inbox(int topic, int qos) {
    return DurableMailboxRegistry.get(system).stats(persistenceId(topic, qos));
  }

  /** fsync calls of the journal since it opened. */
  long fsyncs() {
    long fsyncs = 0;
    for (WriteAheadLog log : WalRegistry.get(system.classicSystem()).openLogs().values()) {
      fsyncs += log.stats().fsyncs();
    }
    return fsyncs;
  }

  /** Events per fsync of the journal since it opened, 0 if none. */
  double eventsPerFsync() {
    long records = 0;
    long fsyncs = 0;
    for (WriteAheadLog log : WalRegistry.get(system.classicSystem()).openLogs().values()) {
      records += log.stats().recordsWritten();
      fsyncs += log.stats().fsyncs();
    }
    return fsyncs == 0 ? 0 : (double) records / fsyncs;
  }

  private void checkProcessorMailboxes() {
    for (int t = 0; t < options.topics(); t++) {
      String type = mailbox(t).map(MailboxInfo::mailboxType).orElse("none");
      if (!type.equals(QosMailbox.class.getName())) {
        throw new IllegalStateException(
            "processor-"
                + topicName(t)
                + " is not on a QosMailbox (mailbox "
                + type
                + "): check pekko.actor.deployment in gateway.conf");
      }
    }
  }

  /** The QoS mailbox's per-level max-capacity. */
  int maxCapacity() {
    return config.getInt(PROCESSOR_MAILBOX + ".max-capacity");
  }

  GatewayOptions options() {
    return options;
  }

  Ledger ledger(int topic, int qos) {
    return ledgers[topic][qos];
  }

  long elapsedNanos() {
    return System.nanoTime() - startNanos;
  }

  /** Time since the gateway started, before the publishers started: startup time. */
  long startupNanos() {
    return startNanos - createdNanos;
  }

  /** Sum of one level's figure over all topics. */
  static long sum(AtomicLongArray a, int topics, int qos) {
    long s = 0;
    for (int t = 0; t < topics; t++) {
      s += a.get(t * LEVELS + qos);
    }
    return s;
  }

  /** Stats of topic {@code t}'s mailbox, per level, or empty stats. */
  List<QueueStats> levelStats(int topic) {
    return mailbox(topic).map(MailboxInfo::levelStats).orElse(List.of());
  }

  /**
   * Ends the stream and the egress thread, stops the actor system (and with it the journal and
   * Pekko Management) and Kamon, and closes the ledgers: what the start started, in reverse order.
   *
   * @throws IllegalStateException if something did not stop cleanly (the first failure, the others
   *     suppressed); everything else is still closed
   */
  @Override
  public void close() {
    List<Throwable> failures = closeStarted();
    if (!failures.isEmpty()) {
      Throwable first = failures.get(0);
      IllegalStateException e =
          new IllegalStateException("the gateway did not stop cleanly: " + first, first);
      failures.subList(1, failures.size()).forEach(e::addSuppressed);
      throw e;
    }
  }

  /** Closes what a failed start had started; adds the failures of the closing to {@code cause}. */
  private void closeAfterFailedStart(Throwable cause) {
    for (Throwable f : closeStarted()) {
      cause.addSuppressed(f);
    }
  }

  /** Closes each started resource in reverse order of its start; returns what failed. */
  private List<Throwable> closeStarted() {
    publishing = false;
    Closing closing = new Closing();
    if (results != null) {
      closing.step(this::stopEgress);
    }
    if (system != null) {
      closing.step(
          () -> {
            system.terminate();
            Await.result(
                system.whenTerminated(), scala.concurrent.duration.Duration.create(30, "s"));
          });
    }
    if (kamonStarted) {
      closing.step(
          () -> Await.result(Kamon.stop(), scala.concurrent.duration.Duration.create(30, "s")));
    }
    for (int t = ledgers.length - 1; t >= 0; t--) {
      for (int q = LEVELS - 1; q >= 1; q--) {
        Ledger l = ledgers[t][q];
        if (l != null) {
          closing.step(l::close);
        }
      }
    }
    return closing.done();
  }

  /**
   * Completes the stream and waits for the egress thread to count what is left; interrupts it if it
   * does not end within 10 s.
   */
  private void stopEgress() throws InterruptedException {
    results.complete();
    if (egressThread != null) {
      egressThread.join(10_000);
      if (egressThread.isAlive()) {
        egressThread.interrupt();
        egressThread.join(10_000);
      }
    }
  }

  /**
   * Runs the steps of a closing, each even if one before failed, and collects their failures. An
   * interrupt does not skip the steps after it (each waits once more for its resource); the thread
   * is interrupted again at the end.
   */
  private static final class Closing {
    private final List<Throwable> failures = new ArrayList<>();
    private boolean interrupted;

    interface Step {
      void run() throws Exception;
    }

    void step(Step step) {
      try {
        step.run();
      } catch (InterruptedException e) {
        interrupted = true;
        failures.add(e);
      } catch (Exception | Error e) {
        failures.add(e);
      }
    }

    List<Throwable> done() {
      if (interrupted) {
        Thread.currentThread().interrupt();
      }
      return failures;
    }
  }
}
