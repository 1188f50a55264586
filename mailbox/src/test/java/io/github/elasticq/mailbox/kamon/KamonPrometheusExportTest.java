package io.github.elasticq.mailbox.kamon;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import io.github.elasticq.mailbox.MailboxRegistry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import kamon.prometheus.PrometheusReporter;
import org.apache.pekko.actor.AbstractActor;
import org.apache.pekko.actor.ActorRef;
import org.apache.pekko.actor.ActorSystem;
import org.apache.pekko.actor.Props;
import org.apache.pekko.actor.Terminated;
import org.apache.pekko.testkit.javadsl.TestKit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * What a Prometheus scrape shows through kamon-prometheus's own {@link PrometheusReporter}, fed the
 * snapshots of Kamon's registry as its ticks would feed them. That reporter keeps every series it
 * ever saw, with its last reported value, for five years (kamon-io/Kamon#566, #777): a series
 * removed from Kamon stays in the scrape. So a gauge removed while it held a figure would report
 * that figure for ever; the figures of gone mailboxes must be reported as 0 on their way out.
 */
class KamonPrometheusExportTest {

  private ActorSystem system;
  private PrometheusReporter reporter;

  @AfterEach
  void stop() {
    if (system != null) {
      TestKit.shutdownActorSystem(system);
    }
    if (reporter != null) {
      reporter.stop();
    }
  }

  private void start(String name, String extra) {
    Config config =
        ConfigFactory.parseString(
                "elasticq.kamon { enabled = on, poll-interval = 1h }\n"
                    + "held-mailbox { mailbox-type = \"io.github.elasticq.mailbox.ElasticMailbox\","
                    + " initial-capacity = 4, min-capacity = 4, max-capacity = 100 }\n"
                    + "held-qos { mailbox-type = \"io.github.elasticq.mailbox.QosMailbox\","
                    + " initial-capacity = 2, min-capacity = 2, max-capacity = 10, fairness = strict }\n"
                    + extra)
            .withFallback(ConfigFactory.load("application-test"));
    system = ActorSystem.create(name, config);
    reporter =
        new PrometheusReporter(
            "kamon.prometheus",
            ConfigFactory.parseString("kamon.prometheus.start-embedded-http-server = no")
                .withFallback(ConfigFactory.load()));
  }

  /** A Kamon tick: the registry's snapshot (reporting removed instruments a last time). */
  private String tickAndScrape() {
    ElasticqKamon.get(system).pollNow();
    reporter.reportPeriodSnapshot(kamon.Kamon$.MODULE$.registry().snapshot(true));
    return reporter.scrapeData();
  }

  /** Holds the actor in its first message until released, then stops it. */
  static final class Held extends AbstractActor {
    @Override
    public Receive createReceive() {
      return receiveBuilder()
          .match(
              CountDownLatch[].class,
              l -> {
                l[0].countDown();
                if (!l[1].await(30, TimeUnit.SECONDS)) {
                  throw new IllegalStateException("never released");
                }
                getContext().stop(getSelf());
              })
          .matchAny(m -> {})
          .build();
    }
  }

  /** Starts {@code name} on {@code mailbox}, holds it with {@code queued} messages behind. */
  private CountDownLatch held(String mailbox, String name, int queued, TestKit probe)
      throws InterruptedException {
    ActorRef a = system.actorOf(Props.create(Held.class).withMailbox(mailbox), name);
    probe.watch(a);
    CountDownLatch[] latches = {new CountDownLatch(1), new CountDownLatch(1)};
    a.tell(latches, ActorRef.noSender());
    assertThat(latches[0].await(10, TimeUnit.SECONDS)).isTrue();
    for (int i = 0; i < queued; i++) {
      a.tell(i, ActorRef.noSender());
    }
    return latches[1];
  }

  /**
   * The values of the scrape's lines of {@code metric} whose labels contain each of {@code labels}
   * ({@code name="value"}).
   */
  private static List<Double> values(String scrape, String metric, String... labels) {
    List<Double> out = new ArrayList<>();
    Pattern line = Pattern.compile("^" + Pattern.quote(metric) + "\\{([^}]*)\\} (\\S+)$");
    for (String l : scrape.split("\n")) {
      Matcher m = line.matcher(l);
      if (!m.matches()) {
        continue;
      }
      boolean all = true;
      for (String label : labels) {
        all &= m.group(1).contains(label);
      }
      if (all) {
        out.add(Double.parseDouble(m.group(2)));
      }
    }
    return out;
  }

  @Test
  void mailboxesGone_theirGaugesReadZero_inThePrometheusScrape() throws Exception {
    start("kamon-prom-gone", "elasticq.kamon.per-actor.includes = [\"/user/watched\"]");
    TestKit probe = new TestKit(system);
    List<CountDownLatch> gates = new ArrayList<>();
    gates.add(held("held-mailbox", "plain", 30, probe));
    gates.add(held("held-mailbox", "watched", 20, probe));
    gates.add(held("held-qos", "qos", 5, probe));
    String sys = "system=\"kamon-prom-gone\"";
    String id = "mailbox=\"held-mailbox\"";
    String scrape = tickAndScrape();
    assertThat(values(scrape, "elasticq_mailbox_size", sys, id)).contains(30.0, 20.0);
    assertThat(values(scrape, "elasticq_mailbox_count", sys, id)).containsExactly(2.0);
    assertThat(values(scrape, "elasticq_mailbox_max_capacity", sys, id)).contains(100.0);
    assertThat(values(scrape, "elasticq_mailbox_size", sys, "mailbox=\"held-qos\"")).contains(5.0);

    for (CountDownLatch gate : gates) {
      gate.countDown();
    }
    for (int i = 0; i < gates.size(); i++) {
      probe.expectMsgClass(Duration.ofSeconds(10), Terminated.class);
    }
    await()
        .atMost(Duration.ofSeconds(10))
        .until(() -> MailboxRegistry.get(system).takeMailboxes().isEmpty());
    scrape = tickAndScrape();
    scrape += tickAndScrape(); // and once the removed instruments are gone from Kamon
    for (String gauge :
        List.of(
            "elasticq_mailbox_size",
            "elasticq_mailbox_peak_size",
            "elasticq_mailbox_capacity",
            "elasticq_mailbox_max_capacity",
            "elasticq_mailbox_count")) {
      assertThat(values(scrape, gauge, sys))
          .as("%s of mailboxes that are gone, in the scrape:%n%s", gauge, scrape)
          .allMatch(v -> v == 0.0);
    }
  }

  @Test
  void actorSystemTerminated_itsGaugesReadZero_inThePrometheusScrape() {
    start("kamon-prom-terminated", "");
    system.actorOf(Props.create(Held.class).withMailbox("held-mailbox"), "idle");
    String sys = "system=\"kamon-prom-terminated\"";
    await()
        .atMost(Duration.ofSeconds(10))
        .until(() -> values(tickAndScrape(), "elasticq_mailbox_count", sys).contains(1.0));
    TestKit.shutdownActorSystem(system);
    String scrape = tickAndScrape(); // the poller closed with the system: no poll
    scrape += tickAndScrape();
    for (String gauge :
        List.of(
            "elasticq_mailbox_count",
            "elasticq_mailbox_max_capacity",
            "elasticq_mailbox_capacity")) {
      assertThat(values(scrape, gauge, sys))
          .as("%s of a terminated actor system, in the scrape:%n%s", gauge, scrape)
          .isNotEmpty()
          .allMatch(v -> v == 0.0);
    }
    system = null;
  }
}
