package io.github.elasticq.persistence.journal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import java.util.concurrent.TimeoutException;
import org.apache.pekko.dispatch.Futures;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import scala.concurrent.Promise;

/** The journal's write timeout, on a fake clock. */
class WriteTimeoutsTest {
  static final long TIMEOUT = 1_000;

  @Test
  void failsOnlyTheCallsPastTheirDeadline() {
    WriteTimeouts t = new WriteTimeouts(TIMEOUT, "elasticq.journal");
    Promise<String> first = Futures.promise();
    Promise<String> second = Futures.promise();
    t.track(first, 0);
    t.track(second, 500);

    assertThat(t.sweep(999)).isZero();
    assertThat(first.isCompleted()).isFalse();

    assertThat(t.sweep(1_000)).isEqualTo(1);
    assertThat(first.future().value().get().failed().get())
        .isInstanceOf(TimeoutException.class)
        .hasMessageContaining("write-timeout");
    assertThat(second.isCompleted()).isFalse();

    assertThat(t.sweep(1_500)).isEqualTo(1);
    assertThat(second.future().value().get().isFailure()).isTrue();
    assertThat(t.size()).isZero();
  }

  /**
   * The timeout names the plugin whose write it was: a second journal's id, not elasticq.journal.
   */
  @Test
  void theTimeoutNamesThePlugin() {
    WriteTimeouts t = new WriteTimeouts(TIMEOUT, "orders-journal");
    Promise<String> p = Futures.promise();
    t.track(p, 0);
    t.sweep(TIMEOUT);
    assertThat(p.future().value().get().failed().get())
        .hasMessageStartingWith("orders-journal: write not completed within ");
  }

  /**
   * An invalid write-timeout names the key with the plugin's path ("banana" named only its tail).
   */
  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {"banana | must be a duration", "-1s | must be >= 0"})
  void invalidWriteTimeout_isNamedWithThePluginsPath(String value, String reason) {
    Config c = ConfigFactory.parseString("write-timeout = \"" + value + "\"");
    assertThatThrownBy(() -> WalJournal.writeTimeoutNanos(c, "orders-journal"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("orders-journal.write-timeout " + reason);
    assertThat(WalJournal.writeTimeoutNanos(ConfigFactory.parseString("write-timeout = 2s"), "j"))
        .isEqualTo(2_000_000_000L);
  }

  @Test
  void leavesCompletedCallsAloneAndForgetsThem() {
    WriteTimeouts t = new WriteTimeouts(TIMEOUT, "elasticq.journal");
    Promise<String> done = Futures.promise();
    Promise<String> pending = Futures.promise();
    t.track(done, 0);
    t.track(pending, 0);
    done.success("stored");

    assertThat(t.sweep(10)).isZero();
    assertThat(t.size()).isEqualTo(1); // the completed head is dropped, the pending one kept
    assertThat(t.sweep(5_000)).isEqualTo(1);
    assertThat(done.future().value().get().get()).isEqualTo("stored");
    assertThat(pending.future().value().get().isFailure()).isTrue();
  }

  @Test
  void aWriteCompletingAfterItsTimeoutKeepsTheTimeout() {
    WriteTimeouts t = new WriteTimeouts(TIMEOUT, "elasticq.journal");
    Promise<String> late = Futures.promise();
    t.track(late, 0);
    t.sweep(2_000);
    assertThat(late.trySuccess("stored")).isFalse();
    assertThat(late.future().value().get().isFailure()).isTrue();
  }

  @Test
  void zeroMeansNoTimeout() {
    WriteTimeouts t = new WriteTimeouts(0, "elasticq.journal");
    Promise<String> p = Futures.promise();
    t.track(p, 0);
    assertThat(t.enabled()).isFalse();
    assertThat(t.size()).isZero();
    assertThat(t.sweep(Long.MAX_VALUE)).isZero();
    assertThat(p.isCompleted()).isFalse();
  }
}
