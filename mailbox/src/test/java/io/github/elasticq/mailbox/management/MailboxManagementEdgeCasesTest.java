package io.github.elasticq.mailbox.management;

import static io.github.elasticq.mailbox.management.ManagementTestSupport.get;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.github.elasticq.mailbox.MailboxRegistry;
import java.net.URI;
import java.net.http.HttpResponse;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.ActorRef;
import org.apache.pekko.actor.ActorSystem;
import org.apache.pekko.management.javadsl.PekkoManagement;
import org.apache.pekko.testkit.javadsl.TestKit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Edge cases of the readiness check, its settings and the routes' query parameters. */
class MailboxManagementEdgeCasesTest {

  private static final ObjectMapper JSON = new ObjectMapper();

  private ActorSystem system;

  @AfterEach
  void shutdown() {
    if (system != null) {
      TestKit.shutdownActorSystem(system);
    }
  }

  private URI start(String name, String extra) throws Exception {
    system = ActorSystem.create(name, ManagementTestSupport.config(extra));
    return URI.create(
        PekkoManagement.get(system).start().toCompletableFuture().get(20, TimeUnit.SECONDS) + "/");
  }

  /**
   * 55 of 100 is exactly 0.55 of max-capacity; in doubles 0.55 * 100 is 55.00000000000001, so a
   * comparison of the size with the product never sees it saturated.
   */
  @Test
  void ready_failsAtExactlyTheThresholdFractionOfMaxCapacity() throws Exception {
    URI base =
        start(
            "mgmt-exact",
            """
            elasticq.management.saturation-threshold = 0.55
            elasticq.management.saturation-duration = 0s
            exact-mailbox { mailbox-type = "io.github.elasticq.mailbox.ElasticMailbox"
              max-capacity = 100, initial-capacity = 4, min-capacity = 4 }
            """);
    ActorRef actor = system.actorOf(ManagementTestSupport.Holder.props("exact-mailbox"), "exact");
    ManagementTestSupport.Hold hold = new ManagementTestSupport.Hold();
    actor.tell(hold, ActorRef.noSender());
    hold.awaitEntered();
    try {
      for (int i = 0; i < 55; i++) {
        actor.tell(i, ActorRef.noSender());
      }
      assertThat(MailboxRegistry.get(system).find(actor).orElseThrow().stats().size())
          .isEqualTo(55);
      HttpResponse<String> r = get(base, "ready");
      assertThat(r.statusCode()).as(r.body()).isEqualTo(500);
      assertThat(r.body()).contains("size 55 of max 100");
    } finally {
      hold.release();
    }
  }

  /**
   * A parameter given twice: Pekko's parameterMap keeps one of the values, so a bad value (or a
   * second, contradicting filter) was silently dropped and answered 200.
   */
  @Test
  void mailboxes_aRepeatedQueryParameterIs400NamingIt() throws Exception {
    URI base = start("mgmt-repeat", "");
    for (String q :
        new String[] {"limit=abc&limit=5", "limit=5&limit=abc", "type=QosMailbox&type=Nope"}) {
      HttpResponse<String> r = get(base, "elasticq/mailboxes?" + q);
      assertThat(r.statusCode()).as(q + ": " + r.body()).isEqualTo(400);
      JsonNode doc = JSON.readTree(r.body());
      assertThat(doc.get("status").asInt()).isEqualTo(400);
      assertThat(doc.get("error").asText())
          .as(q)
          .contains("[" + q.substring(0, q.indexOf('=')) + "]");
    }
  }

  /** As the list ({@code /elasticq/mailboxes/}): a trailing slash is the same resource. */
  @Test
  void mailboxById_answersWithATrailingSlash() throws Exception {
    URI base =
        start(
            "mgmt-slash",
            """
            slash-mailbox { mailbox-type = "io.github.elasticq.mailbox.ElasticMailbox" }
            """);
    ActorRef actor = system.actorOf(ManagementTestSupport.Holder.props("slash-mailbox"), "slash");
    await().until(() -> MailboxRegistry.get(system).find(actor).isPresent());
    assertThat(get(base, "elasticq/mailboxes/slash-mailbox").statusCode()).isEqualTo(200);
    HttpResponse<String> r = get(base, "elasticq/mailboxes/slash-mailbox/");
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    assertThat(JSON.readTree(r.body()).get("total").asInt()).isEqualTo(1);
  }
}
