package io.github.elasticq.mailbox.kamon;

import static io.github.elasticq.mailbox.kamon.KamonReads.counter;
import static io.github.elasticq.mailbox.kamon.KamonReads.gauge;
import static io.github.elasticq.mailbox.kamon.KamonReads.series;
import static io.github.elasticq.mailbox.kamon.KamonReads.seriesAfterRemovals;
import static io.github.elasticq.mailbox.kamon.KamonReads.timerCount;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import io.github.elasticq.mailbox.ActorNames;
import io.github.elasticq.mailbox.MailboxRegistry;
import io.github.elasticq.mailbox.QosMessage;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import kamon.Kamon;
import kamon.metric.Instrument;
import kamon.metric.Metric;
import kamon.metric.MetricSnapshot;
import org.apache.pekko.actor.AbstractActor;
import org.apache.pekko.actor.ActorRef;
import org.apache.pekko.actor.ActorSystem;
import org.apache.pekko.actor.PoisonPill;
import org.apache.pekko.actor.Props;
import org.apache.pekko.actor.Terminated;
import org.apache.pekko.dispatch.ControlMessage;
import org.apache.pekko.testkit.javadsl.TestKit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import scala.jdk.javaapi.CollectionConverters;

/**
 * Exactness and cardinality of the exported mailbox metrics, read back from Kamon's instruments:
 * every figure is compared with what the test itself sent, what the actors processed and what went
 * to dead letters.
 */
class KamonMailboxMetricsTest {

  private static final AtomicInteger SYSTEMS = new AtomicInteger();

  /** Sampling wrappers that reached an actor: must stay 0. */
  private static final AtomicLong LEAKED_WRAPPERS = new AtomicLong();

  private ActorSystem system;

  private ActorSystem start(String extra) {
    system = create("kamon-metrics-" + SYSTEMS.incrementAndGet(), extra);
    return system;
  }

  private static ActorSystem create(String name, String extra) {
    Config config =
        ConfigFactory.parseString(
                "elasticq.kamon { enabled = on, poll-interval = 1h }\n"
                    + "# not bounded: Pekko reserves that id for its BoundedMailbox\n"
                    + "bounded-elastic { mailbox-type = \"io.github.elasticq.mailbox.ElasticMailbox\","
                    + " initial-capacity = 4, min-capacity = 4, max-capacity = 100 }\n"
                    + "qos { mailbox-type = \"io.github.elasticq.mailbox.QosMailbox\","
                    + " initial-capacity = 2, min-capacity = 2, max-capacity = 10, fairness = strict }\n"
                    + "many { mailbox-type = \"io.github.elasticq.mailbox.ElasticMailbox\" }\n"
                    + extra)
            .withFallback(ConfigFactory.load("application-test"));
    return ActorSystem.create(name, config);
  }

  @AfterEach
  void stop() {
    if (system != null) {
      TestKit.shutdownActorSystem(system);
    }
  }

  private Map<String, String> tags(String... kv) {
    Map<String, String> m = new HashMap<>();
    m.put("system", system.name());
    for (int i = 0; i < kv.length; i += 2) {
      m.put(kv[i], kv[i + 1]);
    }
    return m;
  }

  /** A message that holds the actor until released. */
  record Hold(CountDownLatch entered, CountDownLatch gate, boolean thenStop) {
    Hold(boolean thenStop) {
      this(new CountDownLatch(1), new CountDownLatch(1), thenStop);
    }

    void awaitEntered() throws InterruptedException {
      assertThat(entered.await(10, TimeUnit.SECONDS)).as("actor entered the hold").isTrue();
    }
  }

  /** The same as a Pekko control message (delivered before every QoS level). */
  record ControlHold(Hold hold) implements ControlMessage {}

  /** A user message with a QoS level. */
  record Leveled(int level) implements QosMessage {
    @Override
    public int qosLevel() {
      return level;
    }
  }

  /** Counts what it processes; holds on {@link Hold}. */
  static final class Counting extends AbstractActor {
    private final AtomicLong processed;

    Counting(AtomicLong processed) {
      this.processed = processed;
    }

    @Override
    public Receive createReceive() {
      return receiveBuilder()
          .match(Hold.class, this::hold)
          .match(ControlHold.class, c -> hold(c.hold()))
          .matchAny(
              m -> {
                if (m.getClass().getName().contains("Sampled")) {
                  LEAKED_WRAPPERS.incrementAndGet();
                }
                processed.incrementAndGet();
              })
          .build();
    }

    private void hold(Hold h) throws InterruptedException {
      processed.incrementAndGet();
      h.entered.countDown();
      if (!h.gate.await(30, TimeUnit.SECONDS)) {
        throw new IllegalStateException("never released");
      }
      if (h.thenStop) {
        getContext().stop(getSelf());
      }
    }
  }

  private ActorRef counting(String mailbox, String name, AtomicLong processed) {
    // a name may be that of an actor just stopped: wait until the guardian released it
    return ActorNames.actorOfWhenTheNameIsFree(
        system,
        Props.create(Counting.class, processed).withMailbox(mailbox),
        name,
        Duration.ofSeconds(30));
  }

  private void pollNow() {
    ElasticqKamon.get(system).pollNow();
  }

  /**
   * A time-in-mailbox sample that arrives after the poller closed (a consumer that read the
   * listener just before close() took it away) creates no timer: it created one that nothing
   * removed, a series left in Kamon, and in the Prometheus scrape, for an actor system that is
   * gone.
   */
  @Test
  void timeInMailboxAfterClose_leavesNoTimerBehind() {
    ActorSystem sys = start("");
    MailboxMetrics closed =
        new MailboxMetrics(
            "after-close",
            KamonSettings.fromConfig(sys.settings().config()),
            MailboxRegistry.get(sys));
    closed.close();
    closed.timeInMailbox("late-mailbox", "io.github.elasticq.mailbox.ElasticMailbox", "", 1_000);
    closed.timeInMailbox("late-mailbox", "io.github.elasticq.mailbox.QosMailbox", "", "1", 1_000);
    assertThat(
            KamonReads.seriesAfterRemovals(
                Kamon.timer(MailboxMetrics.TIME_IN_MAILBOX), Map.of("system", "after-close")))
        .as("timers of the closed poller's system")
        .isEmpty();
  }

  @Test
  void elasticMailbox_drivenPastMax_exportsExactFigures() throws Exception {
    start("elasticq.kamon.time-in-mailbox.sample-every = 1");
    AtomicLong processed = new AtomicLong();
    ActorRef a = counting("bounded-elastic", "bounded-1", processed);
    Hold hold = new Hold(false);
    a.tell(hold, ActorRef.noSender());
    hold.awaitEntered();
    int sent = 1 + 250;
    for (int i = 0; i < 250; i++) {
      a.tell(i, ActorRef.noSender());
    }
    pollNow();
    Map<String, String> id = tags("mailbox", "bounded-elastic", "type", "ElasticMailbox");
    assertThat(gauge(MailboxMetrics.SIZE, id)).isEqualTo(100.0);
    assertThat(gauge(MailboxMetrics.PEAK_SIZE, id)).isEqualTo(100.0);
    assertThat(gauge(MailboxMetrics.MAX_CAPACITY, id)).isEqualTo(100.0);
    assertThat(gauge(MailboxMetrics.CAPACITY, id)).as("capacity honoured exactly").isEqualTo(100.0);
    hold.gate.countDown();
    await().atMost(Duration.ofSeconds(10)).until(() -> processed.get() == 101);
    await()
        .atMost(Duration.ofSeconds(10))
        .untilAsserted(
            () -> {
              pollNow();
              assertThat(gauge(MailboxMetrics.SIZE, id)).isZero();
            });
    long enqueued = counter(MailboxMetrics.ENQUEUED, id);
    long dequeued = counter(MailboxMetrics.DEQUEUED, id);
    long overflow = counter(MailboxMetrics.DROPPED, with(id, "reason", "overflow"));
    long cleanup = counter(MailboxMetrics.DROPPED, with(id, "reason", "cleanup"));
    assertThat(enqueued).isEqualTo(101);
    assertThat(dequeued).isEqualTo(processed.get());
    assertThat(overflow).isEqualTo(150);
    assertThat(cleanup).isZero();
    assertThat(enqueued + overflow).as("sent = enqueued + overflow").isEqualTo(sent);
    assertThat(dequeued + overflow + cleanup).as("sent = processed + dropped").isEqualTo(sent);
    assertThat(counter(MailboxMetrics.RESIZES, with(id, "direction", "grow"))).isPositive();
    assertThat(timerCount(MailboxMetrics.TIME_IN_MAILBOX, id))
        .as("sample-every = 1 times every delivered envelope")
        .isEqualTo(processed.get());
    assertThat(LEAKED_WRAPPERS.get()).as("the actor only ever saw its own messages").isZero();
    // The peak of the next window is what the queue held since the last poll: 0 after the drain.
    pollNow();
    assertThat(gauge(MailboxMetrics.PEAK_SIZE, id)).isZero();
    assertThat(gauge(MailboxMetrics.COUNT, id)).isEqualTo(1.0);
  }

  private static Map<String, String> with(Map<String, String> base, String k, String v) {
    Map<String, String> m = new HashMap<>(base);
    m.put(k, v);
    return m;
  }

  /** An actor of {@code s} held in its first message, with {@code queued} more behind it. */
  private static Hold holdWithQueued(ActorSystem s, int queued) throws InterruptedException {
    ActorRef a =
        s.actorOf(
            Props.create(Counting.class, new AtomicLong()).withMailbox("bounded-elastic"), "held");
    Hold hold = new Hold(false);
    a.tell(hold, ActorRef.noSender());
    hold.awaitEntered();
    for (int i = 0; i < queued; i++) {
      a.tell(i, ActorRef.noSender());
    }
    return hold;
  }

  @Test
  void liveSystemsOfOneName_exportSeparateSeries_andOneStoppingKeepsTheOthers() throws Exception {
    String name = "kamon-twins-" + SYSTEMS.incrementAndGet();
    system = create(name, "");
    ActorSystem second = create(name, "");
    ActorSystem third = null;
    List<Hold> holds = new ArrayList<>();
    try {
      assertThat(ElasticqKamon.get(system).systemTag()).isEqualTo(name);
      assertThat(ElasticqKamon.get(second).systemTag()).isEqualTo(name + "#2");
      holds.add(holdWithQueued(system, 3));
      holds.add(holdWithQueued(second, 5));
      ElasticqKamon.get(system).pollNow();
      ElasticqKamon.get(second).pollNow();
      Map<String, String> first = Map.of("system", name, "mailbox", "bounded-elastic");
      Map<String, String> other = Map.of("system", name + "#2", "mailbox", "bounded-elastic");
      assertThat(gauge(MailboxMetrics.SIZE, first)).isEqualTo(3.0);
      assertThat(gauge(MailboxMetrics.SIZE, other)).isEqualTo(5.0);
      assertThat(counter(MailboxMetrics.ENQUEUED, first)).isEqualTo(4);
      assertThat(counter(MailboxMetrics.ENQUEUED, other)).isEqualTo(6);

      holds.get(1).gate.countDown(); // lets the second system terminate
      TestKit.shutdownActorSystem(second);
      assertThat(seriesAfterRemovals(Kamon.gauge(MailboxMetrics.SIZE), other)).isEmpty();
      assertThat(seriesAfterRemovals(Kamon.gauge(MailboxMetrics.SIZE), first))
          .as("the first system's series outlive the second system")
          .hasSize(1);
      ElasticqKamon.get(system).pollNow();
      assertThat(gauge(MailboxMetrics.SIZE, first)).isEqualTo(3.0);

      third = create(name, ""); // the number the stopped system had is free again
      assertThat(ElasticqKamon.get(third).systemTag()).isEqualTo(name + "#2");
    } finally {
      holds.forEach(h -> h.gate.countDown());
      TestKit.shutdownActorSystem(second);
      if (third != null) {
        TestKit.shutdownActorSystem(third);
      }
    }
  }

  @Test
  void qosMailbox_everyLevel_exportsExactFiguresPerLevel() throws Exception {
    start("elasticq.kamon.time-in-mailbox.sample-every = 1");
    AtomicLong processed = new AtomicLong();
    ActorRef a = counting("qos", "qos-1", processed);
    Hold hold = new Hold(false);
    a.tell(new ControlHold(hold), ActorRef.noSender());
    hold.awaitEntered();
    for (int level = 0; level < 3; level++) {
      for (int i = 0; i < 10 + 5 * (level + 1); i++) {
        a.tell(new Leveled(level), ActorRef.noSender());
      }
    }
    pollNow();
    for (int level = 0; level < 3; level++) {
      Map<String, String> lv = tags("mailbox", "qos", "level", Integer.toString(level));
      assertThat(gauge(MailboxMetrics.SIZE, lv)).as("level %d size", level).isEqualTo(10.0);
      assertThat(gauge(MailboxMetrics.MAX_CAPACITY, lv)).isEqualTo(10.0);
    }
    hold.gate.countDown();
    long sent = 1 + 3 * 10 + 5 + 10 + 15;
    await().atMost(Duration.ofSeconds(10)).until(() -> processed.get() == 31);
    pollNow();
    for (int level = 0; level < 3; level++) {
      Map<String, String> lv = tags("mailbox", "qos", "level", Integer.toString(level));
      assertThat(counter(MailboxMetrics.ENQUEUED, lv)).isEqualTo(10);
      assertThat(counter(MailboxMetrics.DEQUEUED, lv)).isEqualTo(10);
      assertThat(counter(MailboxMetrics.DROPPED, with(lv, "reason", "overflow")))
          .as("level %d overflow", level)
          .isEqualTo(5L * (level + 1));
      assertThat(gauge(MailboxMetrics.SIZE, lv)).isZero();
    }
    Map<String, String> control = tags("mailbox", "qos", "level", "control");
    assertThat(counter(MailboxMetrics.ENQUEUED, control)).isEqualTo(1);
    assertThat(counter(MailboxMetrics.DEQUEUED, control)).isEqualTo(1);
    for (int level = 0; level < 3; level++) {
      Map<String, String> lv = tags("mailbox", "qos", "level", Integer.toString(level));
      assertThat(timerCount(MailboxMetrics.TIME_IN_MAILBOX, lv))
          .as("level %d time in mailbox, every delivered message timed", level)
          .isEqualTo(10);
    }
    assertThat(timerCount(MailboxMetrics.TIME_IN_MAILBOX, control)).isEqualTo(1);
    Map<String, String> all = tags("mailbox", "qos");
    assertThat(timerCount(MailboxMetrics.TIME_IN_MAILBOX, all)).isEqualTo(processed.get());
    assertThat(counter(MailboxMetrics.DEQUEUED, all)).isEqualTo(processed.get());
    assertThat(counter(MailboxMetrics.DEQUEUED, all) + counter(MailboxMetrics.DROPPED, all))
        .as("sent = processed + dropped")
        .isEqualTo(sent);
  }

  @Test
  void qosMailbox_perActorTimeInMailbox_isTaggedWithTheLevel() {
    start(
        "elasticq.kamon.time-in-mailbox.sample-every = 1\n"
            + "elasticq.kamon.per-actor.includes = [\"/user/qos-watched\"]");
    AtomicLong processed = new AtomicLong();
    ActorRef plain = counting("qos", "qos-plain", processed);
    ActorRef watched = counting("qos", "qos-watched", processed);
    for (int level = 0; level < 3; level++) { // a level's series appears with its first message
      watched.tell(new Leveled(level), ActorRef.noSender());
    }
    await().atMost(Duration.ofSeconds(10)).until(() -> processed.get() == 3);
    pollNow(); // the per-actor series and its timers exist from this poll on
    for (int level = 0; level < 3; level++) {
      for (int i = 0; i <= level; i++) {
        plain.tell(new Leveled(level), ActorRef.noSender());
        watched.tell(new Leveled(level), ActorRef.noSender());
      }
    }
    await().atMost(Duration.ofSeconds(10)).until(() -> processed.get() == 15);
    String watchedPath = watched.path().toString();
    for (int level = 0; level < 3; level++) {
      Map<String, String> lv = tags("mailbox", "qos", "level", Integer.toString(level));
      assertThat(timerCount(MailboxMetrics.TIME_IN_MAILBOX, lv))
          .as("level %d, both actors and the first message", level)
          .isEqualTo(2L * (level + 1) + 1);
      assertThat(timerCount(MailboxMetrics.TIME_IN_MAILBOX, with(lv, "actor", watchedPath)))
          .as("level %d, the per-actor series", level)
          .isEqualTo(level + 1);
    }
    assertThat(timerCount(MailboxMetrics.TIME_IN_MAILBOX, tags("mailbox", "qos"))).isEqualTo(15);
  }

  @Test
  void actorsStoppedWithQueuedMessages_countCleanupAndRemoveTheirSeries() throws Exception {
    start("elasticq.kamon.per-actor.includes = [\"/user/watched-*\"]");
    AtomicLong processed = new AtomicLong();
    List<ActorRef> actors = new ArrayList<>();
    List<Hold> holds = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      actors.add(counting("bounded-elastic", (i == 0 ? "watched-" : "plain-") + i, processed));
    }
    for (ActorRef a : actors) {
      Hold h = new Hold(true);
      holds.add(h);
      a.tell(h, ActorRef.noSender());
      h.awaitEntered();
      for (int j = 0; j < 20; j++) {
        a.tell(j, ActorRef.noSender());
      }
    }
    pollNow();
    String watched = actors.get(0).path().toString();
    Map<String, String> id = tags("mailbox", "bounded-elastic");
    Map<String, String> all = id;
    assertThat(series(Kamon.gauge(MailboxMetrics.SIZE), id))
        .as("one id series and one per-actor series")
        .hasSize(2);
    assertThat(gauge(MailboxMetrics.SIZE, with(id, "actor", watched))).isEqualTo(20.0);
    assertThat(gauge(MailboxMetrics.SIZE, id)).as("the sum of both").isEqualTo(100.0);
    Map<String, String> watchedSeries = with(id, "actor", watched);
    long watchedEnqueued = counter(MailboxMetrics.ENQUEUED, watchedSeries);
    long watchedDequeued = counter(MailboxMetrics.DEQUEUED, watchedSeries);
    assertThat(watchedEnqueued).as("the hold and 20 queued").isEqualTo(21);
    assertThat(watchedDequeued).as("the hold").isEqualTo(1);
    assertThat(counter(MailboxMetrics.DROPPED, watchedSeries)).isZero();
    TestKit probe = new TestKit(system);
    for (ActorRef a : actors) {
      probe.watch(a);
    }
    for (Hold h : holds) {
      h.gate.countDown();
    }
    for (int i = 0; i < actors.size(); i++) {
      probe.expectMsgClass(Duration.ofSeconds(10), Terminated.class);
    }
    await()
        .atMost(Duration.ofSeconds(10))
        .until(() -> MailboxRegistry.get(system).takeMailboxes().isEmpty());
    pollNow();
    // The id's series (no actor tag) took over only what the stopped actor's series had not
    // exported (its 20 clean-ups), so the id's series plus what the actor's series exported before
    // it was removed count every message once. The removed series lingers in Kamon until the next
    // reporter tick, so it is read before the stop, not here.
    id = with(id, "actor", KamonReads.ABSENT);
    long sent = 5 * 21;
    assertThat(counter(MailboxMetrics.ENQUEUED, id) + watchedEnqueued).isEqualTo(sent);
    assertThat(counter(MailboxMetrics.DEQUEUED, id) + watchedDequeued)
        .isEqualTo(processed.get())
        .isEqualTo(5);
    assertThat(counter(MailboxMetrics.DROPPED, with(id, "reason", "cleanup"))).isEqualTo(100);
    assertThat(
            counter(MailboxMetrics.DROPPED, id)
                + counter(MailboxMetrics.DEQUEUED, id)
                + watchedDequeued)
        .as("sent = processed + dropped, over both series")
        .isEqualTo(sent);
    // Last: a resetting snapshot zeroes the counters read above.
    assertThat(seriesAfterRemovals(Kamon.gauge(MailboxMetrics.SIZE), all))
        .as("no live mailbox: no size series")
        .isEmpty();
    assertThat(seriesAfterRemovals(Kamon.gauge(MailboxMetrics.COUNT), all)).isEmpty();
    assertThat(
            seriesAfterRemovals(
                Kamon.counter(MailboxMetrics.ENQUEUED), with(all, "actor", watched)))
        .as("per-actor series removed")
        .isEmpty();
  }

  @Test
  void tenThousandActorsOnOneMailboxId_giveOneSeries() {
    start("");
    AtomicLong processed = new AtomicLong();
    List<ActorRef> actors = new ArrayList<>();
    for (int i = 0; i < 10_000; i++) {
      ActorRef a = counting("many", "many-" + i, processed);
      a.tell(i, ActorRef.noSender());
      actors.add(a);
    }
    await().atMost(Duration.ofSeconds(30)).until(() -> processed.get() == 10_000);
    pollNow();
    Map<String, String> id = tags("mailbox", "many");
    for (String metric :
        List.of(
            MailboxMetrics.SIZE,
            MailboxMetrics.PEAK_SIZE,
            MailboxMetrics.CAPACITY,
            MailboxMetrics.MAX_CAPACITY,
            MailboxMetrics.COUNT)) {
      assertThat(series(Kamon.gauge(metric), id)).as(metric).hasSize(1);
    }
    assertThat(series(Kamon.counter(MailboxMetrics.ENQUEUED), id)).hasSize(1);
    assertThat(gauge(MailboxMetrics.COUNT, id)).isEqualTo(10_000.0);
    assertThat(counter(MailboxMetrics.ENQUEUED, id)).isEqualTo(10_000);
    assertThat(gauge(MailboxMetrics.CAPACITY, id)).isEqualTo(16.0 * 10_000);
  }

  @Test
  void pollsRacingActorStops_exportTheTrueTotals() throws Exception {
    start("");
    Map<String, String> id = tags("mailbox", "many");
    long sent = 0;
    for (int round = 0; round < 3; round++) {
      AtomicLong processed = new AtomicLong();
      List<ActorRef> actors = new ArrayList<>();
      for (int i = 0; i < 3_000; i++) {
        ActorRef a = counting("many", "racing-" + round + "-" + i, processed);
        a.tell(i, ActorRef.noSender());
        actors.add(a);
      }
      sent += 2 * actors.size(); // each actor: one message, then the PoisonPill
      await().atMost(Duration.ofSeconds(30)).until(() -> processed.get() == actors.size());
      pollNow();
      // Polls walk 3,000 live mailboxes while they stop, so that stops fall inside a poll.
      AtomicBoolean stopping = new AtomicBoolean(true);
      Thread poller =
          new Thread(
              () -> {
                while (stopping.get()) {
                  pollNow();
                }
              });
      poller.start();
      for (ActorRef a : actors) {
        a.tell(PoisonPill.getInstance(), ActorRef.noSender());
      }
      await()
          .atMost(Duration.ofSeconds(30))
          .until(() -> MailboxRegistry.get(system).mailboxes().isEmpty());
      stopping.set(false);
      poller.join();
      pollNow();
      assertThat(counter(MailboxMetrics.ENQUEUED, id))
          .as("enqueued after round %d (3,000 actors, two messages each, per round)", round)
          .isEqualTo(sent);
    }
  }

  /**
   * What a reporter tick receives: the sum over every counter series of {@code metric} whose tags
   * include {@code match}, removed ones included, since the previous tick (a resetting snapshot).
   */
  @SuppressWarnings("unchecked")
  private static long tick(String metric, Map<String, String> match) {
    MetricSnapshot<?, ?> snap = ((Metric.BaseMetric<?, ?, ?>) Kamon.counter(metric)).snapshot(true);
    long sum = 0;
    for (Instrument.Snapshot<?> s : CollectionConverters.asJava(snap.instruments())) {
      if (KamonReads.matches(s.tags(), match)) {
        sum += ((Number) s.value()).longValue();
      }
    }
    return sum;
  }

  /** Sends {@code 0..n-1} to each of {@code actors} and waits until they processed them. */
  private static void tellAndAwait(AtomicLong processed, int n, ActorRef... actors) {
    long expected = processed.get() + (long) n * actors.length;
    for (int i = 0; i < n; i++) {
      for (ActorRef a : actors) {
        a.tell(i, ActorRef.noSender());
      }
    }
    await().atMost(Duration.ofSeconds(10)).until(() -> processed.get() == expected);
  }

  /** Starts a system where {@code /user/watched} has its own series, and that actor on "many". */
  private ActorRef startWatched(AtomicLong processed) {
    start("elasticq.kamon.per-actor.includes = [\"/user/watched\"]");
    return counting("many", "watched", processed);
  }

  /** Polls, then the enqueued counts of the series of {@code match} a reporter tick receives. */
  private long pollAndTick(Map<String, String> match) {
    pollNow();
    return tick(MailboxMetrics.ENQUEUED, match);
  }

  /** Stops {@code actor} and waits for its termination. */
  private void stopAndAwait(ActorRef actor) {
    TestKit probe = new TestKit(system);
    probe.watch(actor);
    system.stop(actor);
    probe.expectTerminated(Duration.ofSeconds(10), actor);
  }

  @Test
  void perActorActorStops_itsMessagesAreReportedOnceOverAllSeriesOfTheId() throws Exception {
    AtomicLong processed = new AtomicLong();
    ActorRef watched = startWatched(processed);
    ActorRef plain = counting("many", "plain", processed);
    Map<String, String> id = tags("mailbox", "many");
    tellAndAwait(processed, 10, watched, plain);
    assertThat(pollAndTick(id)).as("first tick: both actors, in two series").isEqualTo(20);
    stopAndAwait(watched);
    await()
        .atMost(Duration.ofSeconds(10))
        .until(() -> MailboxRegistry.get(system).mailboxes().size() == 1);
    assertThat(pollAndTick(id))
        .as("second tick: the stopped actor's 10 messages are not reported again by the id series")
        .isZero();
    tellAndAwait(processed, 1, plain);
    assertThat(pollAndTick(id)).as("a later message, once").isEqualTo(1);
  }

  @Test
  void perActorActorStartedAgainUnderItsName_bothIncarnationsAreReportedOnce() throws Exception {
    AtomicLong processed = new AtomicLong();
    ActorRef first = startWatched(processed);
    tellAndAwait(processed, 10, first);
    Map<String, String> id = tags("mailbox", "many");
    assertThat(pollAndTick(id)).isEqualTo(10);
    stopAndAwait(first);
    // No poll in between: the next one finds another incarnation at the same path.
    ActorRef second = counting("many", "watched", processed);
    tellAndAwait(processed, 3, second);
    pollNow();
    assertThat(counter(MailboxMetrics.ENQUEUED, with(id, "actor", second.path().toString())))
        .as("the per-actor series counts the second incarnation's messages")
        .isEqualTo(3);
    assertThat(tick(MailboxMetrics.ENQUEUED, id))
        .as("the second incarnation's 3 messages, and not the first one's 10 again")
        .isEqualTo(3);
  }

  @Test
  void perActorPathTakenByAnActorOfAnotherMailbox_timesItUnderItsOwnMailbox() throws Exception {
    start(
        "elasticq.kamon.time-in-mailbox.sample-every = 1\n"
            + "elasticq.kamon.per-actor.includes = [\"/user/watched\"]");
    AtomicLong processed = new AtomicLong();
    ActorRef first = counting("bounded-elastic", "watched", processed);
    tellAndAwait(processed, 1, first);
    pollNow(); // the per-actor series of the first actor, and its timer
    stopAndAwait(first);
    // No poll in between: the next one finds an actor of another mailbox id at the same path.
    ActorRef second = counting("many", "watched", processed);
    tellAndAwait(processed, 1, second); // its mailbox exists and is registered
    pollNow();
    tellAndAwait(processed, 5, second);
    String path = second.path().toString();
    assertThat(
            timerCount(
                MailboxMetrics.TIME_IN_MAILBOX,
                tags("mailbox", "many", "type", "ElasticMailbox", "actor", path)))
        .as("the second actor's samples, on its own mailbox's per-actor series")
        .isEqualTo(5);
  }
}
