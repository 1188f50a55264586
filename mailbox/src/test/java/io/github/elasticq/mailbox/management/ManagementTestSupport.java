package io.github.elasticq.mailbox.management;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.AbstractActor;
import org.apache.pekko.actor.Props;

/** A management-enabled config, an HTTP client and a blockable actor for the management tests. */
final class ManagementTestSupport {
  private ManagementTestSupport() {}

  static final HttpClient HTTP =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  /** Management on a free loopback port, plus {@code extra}. */
  static Config config(String extra) {
    return ConfigFactory.parseString(
            extra
                + "\npekko.management.http.hostname = \"127.0.0.1\"\n"
                + "pekko.management.http.port = 0\n")
        .withFallback(ConfigFactory.load("application-test"));
  }

  static HttpResponse<String> get(URI base, String path) {
    return send(HttpRequest.newBuilder(base.resolve(path)).timeout(Duration.ofSeconds(10)).build());
  }

  static HttpResponse<String> send(HttpRequest request) {
    try {
      return HTTP.send(request, HttpResponse.BodyHandlers.ofString());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  /** Blocks on the first {@link Hold} it receives; counts everything else. */
  static final class Holder extends AbstractActor {
    static Props props(String mailbox) {
      return Props.create(Holder.class, Holder::new).withMailbox(mailbox);
    }

    @Override
    public Receive createReceive() {
      return receiveBuilder().match(Hold.class, Hold::hold).matchAny(m -> {}).build();
    }
  }

  /** Makes the receiving actor wait until {@link #release()}; {@link #entered} counts it down. */
  record Hold(CountDownLatch entered, CountDownLatch released) {
    Hold() {
      this(new CountDownLatch(1), new CountDownLatch(1));
    }

    void hold() throws InterruptedException {
      entered.countDown();
      if (!released.await(60, TimeUnit.SECONDS)) {
        throw new IllegalStateException("never released");
      }
    }

    void awaitEntered() throws InterruptedException {
      if (!entered.await(10, TimeUnit.SECONDS)) {
        throw new IllegalStateException("the actor never started the Hold");
      }
    }

    void release() {
      released.countDown();
    }
  }
}
