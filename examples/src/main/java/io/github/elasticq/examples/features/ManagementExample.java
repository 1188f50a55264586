package io.github.elasticq.examples.features;

import com.typesafe.config.ConfigFactory;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.ActorSystem;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.MailboxSelector;
import org.apache.pekko.actor.typed.javadsl.Adapter;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.management.javadsl.PekkoManagement;

/**
 * Pekko Management with ElasticQ's routes and health checks (registered by the modules' {@code
 * reference.conf}; the application only depends on {@code pekko-management} and starts it): an
 * actor on an {@code ElasticMailbox} and the embedded journal, then {@code GET} requests over real
 * HTTP on 127.0.0.1.
 *
 * <pre>
 * ./mvnw -q -pl examples -am verify -Pdemo -DskipTests \
 *     -Ddemo.mainClass=io.github.elasticq.examples.features.ManagementExample [-Ddemo.args=7626]
 * </pre>
 */
public final class ManagementExample {
  private ManagementExample() {}

  /**
   * Runs the example; the first argument is the Management port (default 7626). The journal lives
   * in a temporary directory, deleted at the end, also when the run fails.
   */
  public static void main(String[] args) throws Exception {
    int port = args.length > 0 ? Integer.parseInt(args[0]) : 7626;
    try (TempDirectory journal = TempDirectory.create("management-example")) {
      run(port, journal.path());
    }
  }

  private static void run(int port, Path journal) throws Exception {
    ActorSystem system =
        ActorSystem.create(
            "management",
            ConfigFactory.parseString(
                    """
                    orders-mailbox {
                      mailbox-type = "io.github.elasticq.mailbox.ElasticMailbox"
                      max-capacity = 10000
                    }
                    pekko.management.http.hostname = "127.0.0.1"
                    pekko.management.http.port = %d
                    pekko.persistence.journal.plugin = "elasticq.journal"
                    elasticq.journal.dir = "%s"
                    """
                        .formatted(port, journal.toString().replace("\\", "/")))
                .withFallback(ConfigFactory.load()));
    try {
      ActorRef<Integer> orders =
          Adapter.spawn(
              system, Behaviors.ignore(), "orders", MailboxSelector.fromConfig("orders-mailbox"));
      for (int i = 0; i < 1_000; i++) {
        orders.tell(i);
      }
      String base =
          PekkoManagement.get(system)
              .start()
              .toCompletableFuture()
              .get(30, TimeUnit.SECONDS)
              .toString();
      System.out.println("Pekko Management at " + base);
      HttpClient http = HttpClient.newHttpClient();
      // /startup first: its journal check opens the journal that nothing has used yet
      for (String path :
          List.of("/startup", "/ready", "/alive", "/elasticq/mailboxes", "/elasticq/journal")) {
        HttpResponse<String> response =
            http.send(
                HttpRequest.newBuilder(URI.create(base.replaceAll("/$", "") + path)).build(),
                HttpResponse.BodyHandlers.ofString());
        System.out.println("GET " + path + " -> " + response.statusCode() + " " + response.body());
      }
      PekkoManagement.get(system).stop().toCompletableFuture().get(30, TimeUnit.SECONDS);
    } finally {
      system.terminate();
      system.getWhenTerminated().toCompletableFuture().get();
    }
  }
}
