package io.github.elasticq.persistence.kamon;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import io.github.elasticq.persistence.journal.WalRegistry;
import io.github.elasticq.persistence.wal.WalEvent;
import io.github.elasticq.persistence.wal.WalStats;
import io.github.elasticq.persistence.wal.WalWrite;
import io.github.elasticq.persistence.wal.WriteAheadLog;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import kamon.Kamon;
import kamon.metric.Distribution;
import kamon.metric.Instrument;
import kamon.prometheus.PrometheusReporter;
import kamon.tag.TagSet;
import org.apache.pekko.ConfigurationException;
import org.apache.pekko.actor.ActorRef;
import org.apache.pekko.actor.ActorSystem;
import org.apache.pekko.actor.Props;
import org.apache.pekko.persistence.AbstractPersistentActor;
import org.apache.pekko.testkit.javadsl.TestKit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The journal metrics equal the log's own figures: every append timed, every group-commit fsync
 * timed and sized, bytes and segments as {@link WalStats} reports them, replays counted.
 */
class JournalKamonTest {

  @TempDir Path dir;

  private Config config(String extra) {
    return config(dir, extra);
  }

  private static Config config(Path dir, String extra) {
    return ConfigFactory.parseString(
            "elasticq.journal.dir = \""
                + dir.toString().replace("\\", "/")
                + "\"\n"
                + "elasticq.kamon { enabled = on, poll-interval = 1h }\n"
                + "pekko.loglevel = WARNING\n"
                + extra)
        .withFallback(ConfigFactory.load());
  }

  @SuppressWarnings("unchecked")
  private static <T> T value(Instrument<?, ?> instrument) {
    return ((Instrument.Snapshotting<T>) instrument).snapshot(false);
  }

  /** Appends {@code n} events of {@code pid} to the journal of {@code system}; its log. */
  private static WriteAheadLog append(ActorSystem system, String pid, long from, int n)
      throws Exception {
    WriteAheadLog wal = WalRegistry.get(system).logFor("elasticq.journal");
    for (long i = from; i < from + n; i++) {
      wal.append(WalWrite.of(List.of(WalEvent.of(pid, i, new byte[100]))))
          .get(10, TimeUnit.SECONDS);
    }
    JournalKamon.get(system).pollNow();
    return wal;
  }

  private static long bytesExported(String systemTag) {
    TagSet tags =
        TagSet.builder().add("system", systemTag).add("journal", "elasticq.journal").build();
    Instrument<?, ?> counter =
        Kamon.counter(
                JournalMetrics.BYTES_WRITTEN, kamon.metric.MeasurementUnit.information().bytes())
            .withTags(tags);
    return JournalKamonTest.<Long>value(counter);
  }

  @Test
  void liveSystemsOfOneName_exportSeparateSeries_andOneStoppingKeepsTheOthers() throws Exception {
    String name = "kamon-journal-twins";
    ActorSystem first = ActorSystem.create(name, config(dir.resolve("first"), ""));
    ActorSystem second = ActorSystem.create(name, config(dir.resolve("second"), ""));
    try {
      assertThat(JournalKamon.get(first).systemTag()).isEqualTo(name);
      assertThat(JournalKamon.get(second).systemTag()).isEqualTo(name + "#2");
      WriteAheadLog firstLog = append(first, "a", 1, 10);
      WriteAheadLog secondLog = append(second, "b", 1, 30);
      assertThat(bytesExported(name)).isEqualTo(firstLog.stats().bytesWritten()).isPositive();
      assertThat(bytesExported(name + "#2")).isEqualTo(secondLog.stats().bytesWritten());

      TestKit.shutdownActorSystem(second);
      append(first, "a", 11, 10); // still exported under the name after the twin stopped
      assertThat(bytesExported(name)).isEqualTo(firstLog.stats().bytesWritten());
    } finally {
      TestKit.shutdownActorSystem(second);
      TestKit.shutdownActorSystem(first);
    }
  }

  /**
   * After the actor system terminates, a Prometheus scrape (kamon-prometheus's own reporter, fed
   * Kamon's snapshots as its ticks would) shows the journal's segments gauge at 0: the reporter
   * keeps every series it has seen with its last value, and the gauge was removed holding the log's
   * segment count, which it then showed for a journal long gone.
   */
  @Test
  void actorSystemTerminated_theSegmentsGaugeReadsZero_inThePrometheusScrape() throws Exception {
    PrometheusReporter reporter =
        new PrometheusReporter(
            "kamon.prometheus",
            ConfigFactory.parseString("kamon.prometheus.start-embedded-http-server = no")
                .withFallback(ConfigFactory.load()));
    try {
      ActorSystem system = ActorSystem.create("kamon-journal-scrape", config(""));
      try {
        append(system, "pid-1", 1, 3);
        reporter.reportPeriodSnapshot(kamon.Kamon$.MODULE$.registry().snapshot(true));
        assertThat(segmentsScraped(reporter.scrapeData(), system.name()))
            .as("while the journal is open")
            .isPositive();
      } finally {
        TestKit.shutdownActorSystem(system);
      }
      reporter.reportPeriodSnapshot(kamon.Kamon$.MODULE$.registry().snapshot(true));
      assertThat(segmentsScraped(reporter.scrapeData(), system.name()))
          .as("after the actor system terminated")
          .isZero();
    } finally {
      reporter.stop();
    }
  }

  /** The scraped value of the segments gauge of {@code system}'s journal. */
  private static double segmentsScraped(String scrape, String system) {
    Matcher m =
        Pattern.compile(
                "(?m)^elasticq_journal_segments\\{[^}]*system=\""
                    + Pattern.quote(system)
                    + "\"[^}]*\\} (\\S+)$")
            .matcher(scrape);
    assertThat(m.find()).as(scrape).isTrue();
    return Double.parseDouble(m.group(1));
  }

  @Test
  void journalFigures_equalTheLogsOwn() throws Exception {
    ActorSystem system = ActorSystem.create("kamon-journal", config(""));
    try {
      WriteAheadLog wal = WalRegistry.get(system).logFor("elasticq.journal");
      JournalKamon.get(system).pollNow(); // installs the listener
      WalStats before = wal.stats();
      for (int i = 1; i <= 50; i++) {
        byte[] payload = ("event-" + i).getBytes(StandardCharsets.UTF_8);
        wal.append(WalWrite.of(List.of(WalEvent.of("pid-1", i, payload))))
            .get(10, TimeUnit.SECONDS);
      }
      assertThat(wal.replay("pid-1", 1, Long.MAX_VALUE, Long.MAX_VALUE, e -> {})).isEqualTo(50);
      JournalKamon.get(system).pollNow();
      WalStats after = wal.stats();
      TagSet tags =
          TagSet.builder().add("system", system.name()).add("journal", "elasticq.journal").build();
      Distribution writes = value(Kamon.timer(JournalMetrics.WRITE_LATENCY).withTags(tags));
      Distribution fsyncs = value(Kamon.timer(JournalMetrics.FSYNC_LATENCY).withTags(tags));
      Distribution perFsync =
          value(Kamon.histogram(JournalMetrics.EVENTS_PER_FSYNC).withTags(tags));
      assertThat(writes.count()).as("one latency per append").isEqualTo(50);
      assertThat(fsyncs.count())
          .as("every fsync of the log since the listener was installed")
          .isEqualTo(after.fsyncs() - before.fsyncs());
      assertThat(perFsync.sum()).as("events made durable").isEqualTo(50);
      assertThat(perFsync.count()).as("one group commit per awaited append").isEqualTo(50);
      long bytes =
          ((Number)
                  value(
                      Kamon.counter(
                              JournalMetrics.BYTES_WRITTEN,
                              kamon.metric.MeasurementUnit.information().bytes())
                          .withTags(tags)))
              .longValue();
      assertThat(bytes).isEqualTo(after.bytesWritten()).isPositive();
      double segments =
          ((Number) value(Kamon.gauge(JournalMetrics.SEGMENTS).withTags(tags))).doubleValue();
      assertThat(segments).isEqualTo(after.segments());
      long replayed =
          ((Number) value(Kamon.counter(JournalMetrics.REPLAYED_EVENTS).withTags(tags)))
              .longValue();
      assertThat(replayed).isEqualTo(50);
      long compactions =
          ((Number) value(Kamon.counter(JournalMetrics.COMPACTIONS).withTags(tags))).longValue();
      assertThat(compactions).isEqualTo(after.compactedSegments());
    } finally {
      TestKit.shutdownActorSystem(system);
    }
  }

  /** Persists every Integer it receives and acks it; answers "recovered" with what it replayed. */
  static final class Recorder extends AbstractPersistentActor {
    private int recovered;

    @Override
    public String persistenceId() {
      return "counter";
    }

    @Override
    public Receive createReceiveRecover() {
      return receiveBuilder().match(Integer.class, n -> recovered++).build();
    }

    @Override
    public Receive createReceive() {
      return receiveBuilder()
          .match(Integer.class, n -> persist(n, e -> getSender().tell(e, getSelf())))
          .matchEquals("recovered", x -> getSender().tell(recovered, getSelf()))
          .build();
    }
  }

  /**
   * A persistent actor recovers (and writes) right after its journal opens the log, long before the
   * poller's next poll: the appends timed and the events replayed then must be exported too, not
   * only those after the first poll that saw the log open.
   */
  @Test
  void writesAndReplaysRightAfterTheLogOpens_areExported() {
    String extra =
        "pekko.persistence.journal.plugin = \"elasticq.journal\"\n"
            + "pekko.persistence.snapshot-store.plugin = \"pekko.persistence.no-snapshot-store\"\n";
    TagSet tags =
        TagSet.builder()
            .add("system", "kamon-journal-early")
            .add("journal", "elasticq.journal")
            .build();
    ActorSystem first = ActorSystem.create("kamon-journal-early", config(extra));
    try {
      TestKit probe = new TestKit(first);
      ActorRef counter = first.actorOf(Props.create(Recorder.class, Recorder::new));
      for (int i = 1; i <= 20; i++) {
        counter.tell(i, probe.getRef());
      }
      probe.receiveN(20, Duration.ofSeconds(30));
      JournalKamon.get(first).pollNow();
      Distribution writes = value(Kamon.timer(JournalMetrics.WRITE_LATENCY).withTags(tags));
      assertThat(writes.count()).as("one latency per append since the log opened").isEqualTo(20);
    } finally {
      TestKit.shutdownActorSystem(first);
    }
    ActorSystem second = ActorSystem.create("kamon-journal-early", config(extra));
    try {
      TestKit probe = new TestKit(second);
      ActorRef counter = second.actorOf(Props.create(Recorder.class, Recorder::new));
      counter.tell("recovered", probe.getRef());
      probe.expectMsg(Duration.ofSeconds(30), 20);
      JournalKamon.get(second).pollNow();
      long replayed =
          ((Number) value(Kamon.counter(JournalMetrics.REPLAYED_EVENTS).withTags(tags)))
              .longValue();
      assertThat(replayed).as("the events the actor recovered").isEqualTo(20);
    } finally {
      TestKit.shutdownActorSystem(second);
    }
  }

  @Test
  void invalidSection_failsTheStartNamingTheKey() {
    assertThatThrownBy(
            () ->
                ActorSystem.create("kamon-journal-bad", config("elasticq.kamon.pol-interval = 1s")))
        .satisfies(
            e -> {
              Throwable r = e;
              while (r.getCause() != null && !(r instanceof ConfigurationException)) {
                r = r.getCause();
              }
              assertThat(r.getMessage()).contains("elasticq.kamon.pol-interval");
            });
  }

  @Test
  void invalidPollInterval_isQuotedAsWritten() {
    assertThatThrownBy(
            () ->
                JournalKamonSettings.fromConfig(
                    ConfigFactory.parseString("elasticq.kamon.poll-interval = -1s")
                        .withFallback(ConfigFactory.load())))
        .isInstanceOf(ConfigurationException.class)
        .hasMessage("elasticq.kamon.poll-interval is invalid: must be > 0, was -1s");
  }

  @Test
  void fractionalSampleEvery_isRefusedNamingTheKey() {
    assertThatThrownBy(
            () ->
                JournalKamonSettings.fromConfig(
                    ConfigFactory.parseString("elasticq.kamon.time-in-mailbox.sample-every = 0.5")
                        .withFallback(ConfigFactory.load())))
        .isInstanceOf(ConfigurationException.class)
        .hasMessageContaining("elasticq.kamon.time-in-mailbox.sample-every");
  }
}
