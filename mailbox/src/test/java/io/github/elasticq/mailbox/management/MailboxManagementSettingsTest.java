package io.github.elasticq.mailbox.management;

import static io.github.elasticq.mailbox.management.ManagementTestSupport.get;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.ConfigurationException;
import org.apache.pekko.actor.ActorSystem;
import org.apache.pekko.management.javadsl.PekkoManagement;
import org.apache.pekko.testkit.javadsl.TestKit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Management's authentication applies to our routes; invalid settings fail naming the key. */
class MailboxManagementSettingsTest {

  @Test
  void routes_withAuth_requireCredentials() throws Exception {
    ActorSystem system = ActorSystem.create("mgmt-auth", ManagementTestSupport.config(""));
    try {
      URI base =
          URI.create(
              PekkoManagement.get(system)
                      .start(
                          settings ->
                              settings.withAuth(
                                  creds ->
                                      CompletableFuture.completedFuture(
                                          creds
                                              .filter(
                                                  c ->
                                                      c.identifier().equals("ops")
                                                          && c.verify("s3cret"))
                                              .map(c -> c.identifier()))))
                      .toCompletableFuture()
                      .get(20, TimeUnit.SECONDS)
                      .toString()
                  + "/");
      assertThat(get(base, "elasticq/mailboxes").statusCode()).isEqualTo(401);
      assertThat(get(base, "ready").statusCode()).isEqualTo(401);
      assertThat(withBasic(base, "elasticq/mailboxes", "ops:wrong").statusCode()).isEqualTo(401);
      HttpResponse<String> ok = withBasic(base, "elasticq/mailboxes", "ops:s3cret");
      assertThat(ok.statusCode()).isEqualTo(200);
      assertThat(ok.body()).startsWith("{\"system\":\"mgmt-auth\"");
    } finally {
      TestKit.shutdownActorSystem(system);
    }
  }

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        "elasticq.management.saturation-threshold = 1.5 | elasticq.management.saturation-threshold",
        "elasticq.management.saturation-threshold = 0 | elasticq.management.saturation-threshold",
        "elasticq.management.saturation-threshold = lots | elasticq.management.saturation-threshold",
        "elasticq.management.saturation-duration = -1s | elasticq.management.saturation-duration",
        "elasticq.management.saturation-duration = soon | elasticq.management.saturation-duration",
        "elasticq.management.mailboxes = [\"\"] | elasticq.management.mailboxes",
        "elasticq.management.mailboxes = 3 | elasticq.management.mailboxes",
        // A misspelt key would leave the default in force without a word.
        "elasticq.management.saturation-duraton = 30s | elasticq.management.saturation-duraton",
        "elasticq.management.mailbox = [\"orders\"] | elasticq.management.mailbox"
      })
  void readinessCheck_badSettings_failNamingTheKey(String setting, String key) {
    ActorSystem system = ActorSystem.create("mgmt-bad", ManagementTestSupport.config(setting));
    try {
      assertThatThrownBy(() -> new MailboxReadinessCheck(system))
          .isInstanceOf(ConfigurationException.class)
          .hasMessageContaining("[" + key + "]");
      // Management loads its health checks as it is created, so the failure may surface there
      // or in the returned stage; either way its root cause names the key.
      assertThatThrownBy(
              () ->
                  PekkoManagement.get(system)
                      .start()
                      .toCompletableFuture()
                      .get(20, TimeUnit.SECONDS))
          .hasRootCauseInstanceOf(ConfigurationException.class)
          .rootCause()
          .hasMessageContaining("[" + key + "]");
    } finally {
      TestKit.shutdownActorSystem(system);
    }
  }

  private static HttpResponse<String> withBasic(URI base, String path, String userPass) {
    String token = Base64.getEncoder().encodeToString(userPass.getBytes(StandardCharsets.UTF_8));
    return ManagementTestSupport.send(
        HttpRequest.newBuilder(base.resolve(path))
            .timeout(Duration.ofSeconds(10))
            .header("Authorization", "Basic " + token)
            .build());
  }
}
