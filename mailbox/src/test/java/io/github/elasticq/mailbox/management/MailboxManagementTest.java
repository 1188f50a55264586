package io.github.elasticq.mailbox.management;

import static io.github.elasticq.mailbox.management.ManagementTestSupport.get;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.github.elasticq.mailbox.MailboxInfo;
import io.github.elasticq.mailbox.MailboxRegistry;
import io.github.elasticq.mailbox.QosMessage;
import io.github.elasticq.queue.QueueStats;
import java.net.URI;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.ActorRef;
import org.apache.pekko.actor.ActorSystem;
import org.apache.pekko.management.javadsl.PekkoManagement;
import org.apache.pekko.testkit.javadsl.TestKit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/** The readiness check and the routes, over a real management server on a loopback port. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class MailboxManagementTest {

  private static final ObjectMapper JSON = new ObjectMapper();

  private ActorSystem system;
  private URI base;

  @BeforeAll
  void start() throws Exception {
    system =
        ActorSystem.create(
            "mgmt",
            ManagementTestSupport.config(
                """
                elasticq.management.saturation-duration = 300ms
                elasticq.management.mailboxes = ["sat-*"]
                sat-mailbox { mailbox-type = "io.github.elasticq.mailbox.ElasticMailbox"
                  max-capacity = 10, initial-capacity = 4, min-capacity = 4 }
                unwatched-mailbox { mailbox-type = "io.github.elasticq.mailbox.ElasticMailbox"
                  max-capacity = 10, initial-capacity = 4, min-capacity = 4 }
                json-mailbox { mailbox-type = "io.github.elasticq.mailbox.ElasticMailbox"
                  initial-capacity = 4, min-capacity = 4, max-capacity = 64 }
                json-qos-mailbox { mailbox-type = "io.github.elasticq.mailbox.QosMailbox"
                  max-capacity = 32, initial-capacity = 4, min-capacity = 4 }
                """));
    base =
        URI.create(
            PekkoManagement.get(system)
                    .start()
                    .toCompletableFuture()
                    .get(20, TimeUnit.SECONDS)
                    .toString()
                + "/");
    assertThat(base.getHost()).isEqualTo("127.0.0.1");
  }

  @AfterAll
  void stop() {
    TestKit.shutdownActorSystem(system);
  }

  @Test
  void ready_flipsToNotReadyWhileSaturated_andBackAfterDrain() throws Exception {
    assertThat(get(base, "ready").statusCode()).isEqualTo(200);
    ActorRef actor = system.actorOf(ManagementTestSupport.Holder.props("sat-mailbox"), "sat");
    ManagementTestSupport.Hold hold = new ManagementTestSupport.Hold();
    actor.tell(hold, ActorRef.noSender());
    hold.awaitEntered();
    for (int i = 0; i < 10; i++) {
      actor.tell(i, ActorRef.noSender());
    }
    MailboxInfo info = MailboxRegistry.get(system).find(actor).orElseThrow();
    assertThat(info.stats().size()).isEqualTo(10);

    HttpResponse<String> notReady =
        await()
            .atMost(Duration.ofSeconds(20))
            .until(() -> get(base, "ready"), r -> r.statusCode() == 500);
    assertThat(notReady.body())
        .contains("mailbox [sat-mailbox] of [" + actor.path() + "]")
        .contains("size 10 of max 10");

    hold.release();
    await().atMost(Duration.ofSeconds(20)).until(() -> get(base, "ready").statusCode() == 200);
    system.stop(actor);
  }

  @Test
  void ready_ignoresMailboxesOutsideThePatterns() throws Exception {
    ActorRef actor =
        system.actorOf(ManagementTestSupport.Holder.props("unwatched-mailbox"), "unwatched");
    ManagementTestSupport.Hold hold = new ManagementTestSupport.Hold();
    actor.tell(hold, ActorRef.noSender());
    hold.awaitEntered();
    for (int i = 0; i < 10; i++) {
      actor.tell(i, ActorRef.noSender());
    }
    try {
      MailboxInfo info = MailboxRegistry.get(system).find(actor).orElseThrow();
      assertThat(info.stats().size()).isEqualTo(10);
      // Saturated for more than the 300 ms of saturation-duration, probed before and after.
      assertThat(get(base, "ready").statusCode()).isEqualTo(200);
      Thread.sleep(600);
      HttpResponse<String> r = get(base, "ready");
      assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    } finally {
      hold.release();
      system.stop(actor);
    }
  }

  @Test
  void mailboxById_matchesQueueStatsExactly() throws Exception {
    ActorRef actor = system.actorOf(ManagementTestSupport.Holder.props("json-mailbox"), "json");
    ManagementTestSupport.Hold hold = new ManagementTestSupport.Hold();
    actor.tell(hold, ActorRef.noSender());
    hold.awaitEntered();
    for (int i = 0; i < 20; i++) {
      actor.tell(i, ActorRef.noSender());
    }
    // Held: the figures stay still while we compare them.
    MailboxInfo info = MailboxRegistry.get(system).find(actor).orElseThrow();
    HttpResponse<String> r = get(base, "elasticq/mailboxes/json-mailbox");
    hold.release();

    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.headers().firstValue("Content-Type")).hasValue("application/json");
    JsonNode doc = JSON.readTree(r.body());
    assertThat(doc.get("id").asText()).isEqualTo("json-mailbox");
    assertThat(doc.get("total").asInt()).isEqualTo(1);
    JsonNode m = doc.get("mailboxes").get(0);
    assertThat(m.get("owner").asText()).isEqualTo(actor.path().toString());
    assertThat(m.get("type").asText()).isEqualTo("io.github.elasticq.mailbox.ElasticMailbox");
    assertThat(m.get("max").asInt()).isEqualTo(64);
    assertFigures(m, info.stats());
    assertThat(info.stats().size()).isEqualTo(20);
    assertThat(info.stats().grows()).isPositive();
    assertThat(m.has("levels")).isFalse();
    system.stop(actor);
  }

  @Test
  void mailboxes_listQosLevels() throws Exception {
    ActorRef actor = system.actorOf(ManagementTestSupport.Holder.props("json-qos-mailbox"), "qos");
    ManagementTestSupport.Hold hold = new ManagementTestSupport.Hold();
    actor.tell(hold, ActorRef.noSender());
    hold.awaitEntered();
    actor.tell(new Prio(2), ActorRef.noSender());
    actor.tell(new Prio(2), ActorRef.noSender());
    actor.tell(new Prio(0), ActorRef.noSender());
    MailboxInfo info = MailboxRegistry.get(system).find(actor).orElseThrow();
    HttpResponse<String> r = get(base, "elasticq/mailboxes?type=QosMailbox");
    hold.release();

    assertThat(r.statusCode()).isEqualTo(200);
    JsonNode doc = JSON.readTree(r.body());
    assertThat(doc.get("system").asText()).isEqualTo("mgmt");
    assertThat(doc.get("total").asInt()).isEqualTo(1);
    JsonNode m = doc.get("mailboxes").get(0);
    assertThat(m.get("id").asText()).isEqualTo("json-qos-mailbox");
    assertThat(m.get("max").asInt()).isEqualTo(3 * 32);
    assertFigures(m, info.stats());
    assertThat(m.get("clampedLevels").asLong()).isZero();
    JsonNode levels = m.get("levels");
    assertThat(levels).hasSize(3);
    for (int level = 0; level < 3; level++) {
      assertThat(levels.get(level).get("level").asInt()).isEqualTo(level);
      assertThat(levels.get(level).get("max").asInt()).isEqualTo(32);
      assertFigures(levels.get(level), info.levelStats().get(level));
    }
    assertThat(levels.get(2).get("size").asInt()).isEqualTo(2);
    assertThat(levels.get(0).get("size").asInt()).isEqualTo(1);
    system.stop(actor);
  }

  @Test
  void mailboxes_limitKeepsTheTotal() throws Exception {
    ActorRef a = system.actorOf(ManagementTestSupport.Holder.props("json-mailbox"), "limit-a");
    ActorRef b = system.actorOf(ManagementTestSupport.Holder.props("json-mailbox"), "limit-b");
    await()
        .until(
            () ->
                MailboxRegistry.get(system).find(a).isPresent()
                    && MailboxRegistry.get(system).find(b).isPresent());
    JsonNode doc = JSON.readTree(get(base, "elasticq/mailboxes?limit=1").body());
    assertThat(doc.get("total").asInt()).isGreaterThanOrEqualTo(2);
    assertThat(doc.get("mailboxes")).hasSize(1);
    JsonNode byId = JSON.readTree(get(base, "elasticq/mailboxes/json-mailbox").body());
    assertThat(byId.get("mailboxes").findValuesAsText("owner"))
        .contains(a.path().toString(), b.path().toString());
    system.stop(a);
    system.stop(b);
  }

  @Test
  void mailboxById_unknownIdIs404WithJsonError() throws Exception {
    HttpResponse<String> r = get(base, "elasticq/mailboxes/no-such-mailbox");
    assertThat(r.statusCode()).isEqualTo(404);
    JsonNode doc = JSON.readTree(r.body());
    assertThat(doc.get("status").asInt()).isEqualTo(404);
    assertThat(doc.get("error").asText()).contains("[no-such-mailbox]");
  }

  @Test
  void mailboxes_badQueryParametersAre400() throws Exception {
    for (String q : new String[] {"limit=0", "limit=abc", "limit=100001", "type=Unbounded"}) {
      HttpResponse<String> r = get(base, "elasticq/mailboxes?" + q);
      assertThat(r.statusCode()).as(q).isEqualTo(400);
      JsonNode doc = JSON.readTree(r.body());
      assertThat(doc.get("error").asText())
          .as(q)
          .contains("[" + q.substring(0, q.indexOf('=')) + "]")
          .contains(q.substring(q.indexOf('=') + 1));
    }
  }

  /**
   * A misspelt filter must not be ignored: {@code ?limt=1} or {@code ?Type=QosMailbox} would
   * otherwise answer every mailbox with 200 as if the filter had been applied.
   */
  @Test
  void mailboxes_unknownQueryParametersAre400NamingThem() throws Exception {
    for (String q : new String[] {"limt=1", "Type=QosMailbox", "type=QosMailbox&lmit=2"}) {
      HttpResponse<String> r = get(base, "elasticq/mailboxes?" + q);
      assertThat(r.statusCode()).as(q).isEqualTo(400);
      JsonNode doc = JSON.readTree(r.body());
      assertThat(doc.get("status").asInt()).as(q).isEqualTo(400);
      String unknown = q.substring(q.lastIndexOf('&') + 1, q.lastIndexOf('='));
      assertThat(doc.get("error").asText())
          .as(q)
          .contains("[" + unknown + "]")
          .contains("type")
          .contains("limit");
    }
  }

  private static void assertFigures(JsonNode m, QueueStats s) {
    assertThat(m.get("size").asInt()).isEqualTo(s.size());
    assertThat(m.get("peak").asInt()).isEqualTo(s.peakSize());
    assertThat(m.get("capacity").asInt()).isEqualTo(s.capacity());
    JsonNode c = m.get("counters");
    assertThat(c.get("enqueued").asLong()).isEqualTo(s.enqueued());
    assertThat(c.get("dequeued").asLong()).isEqualTo(s.dequeued());
    assertThat(c.get("rejected").asLong()).isEqualTo(s.rejected());
    assertThat(c.get("grows").asLong()).isEqualTo(s.grows());
    assertThat(c.get("shrinks").asLong()).isEqualTo(s.shrinks());
    assertThat(c.get("allocatedSlots").asLong()).isEqualTo(s.allocatedSlots());
  }

  /** A message with a QoS level. */
  record Prio(int qosLevel) implements QosMessage {}
}
