package io.github.elasticq.persistence.durable;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.typesafe.config.ConfigFactory;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** {@link DurableMailboxSettings}: defaults from reference.conf, and errors naming path and key. */
class DurableMailboxSettingsTest {

  @Test
  void fromConfig_emptySection_takesReferenceDefaults() {
    DurableMailboxSettings s =
        DurableMailboxSettings.fromConfig(ConfigFactory.empty(), "my.mailbox");
    DurableMailboxSettings d = DurableMailboxSettings.defaults();
    assertThat(s.toString()).isEqualTo(d.toString());
    assertThat(s.window()).isEqualTo(1);
    assertThat(s.maxUnconfirmed()).isEqualTo(10_000);
    assertThat(s.confirmFlushInterval()).isEqualTo(Duration.ofMillis(50));
  }

  @Test
  void fromConfig_overrides_areRead() {
    DurableMailboxSettings s =
        DurableMailboxSettings.fromConfig(
            ConfigFactory.parseString(
                "window = 16, max-unconfirmed = 5, max-redeliveries = 0, confirm-batch-size = 7,"
                    + " confirm-flush-interval = 2s, snapshot-every = 9, keep-snapshots = 3,"
                    + " max-store-batch = 11, stash-capacity = 12, journal-plugin-id = j,"
                    + " snapshot-plugin-id = s"),
            "my.mailbox");
    assertThat(s.window()).isEqualTo(16);
    assertThat(s.maxUnconfirmed()).isEqualTo(5);
    assertThat(s.maxRedeliveries()).isZero();
    assertThat(s.confirmBatchSize()).isEqualTo(7);
    assertThat(s.confirmFlushInterval()).isEqualTo(Duration.ofSeconds(2));
    assertThat(s.snapshotEvery()).isEqualTo(9);
    assertThat(s.keepSnapshots()).isEqualTo(3);
    assertThat(s.maxStoreBatch()).isEqualTo(11);
    assertThat(s.stashCapacity()).isEqualTo(12);
    assertThat(s.journalPluginId()).isEqualTo("j");
    assertThat(s.snapshotPluginId()).isEqualTo("s");
  }

  @Test
  void fromConfig_valueOutOfRange_namesPathAndKey() {
    assertThatThrownBy(
            () ->
                DurableMailboxSettings.fromConfig(
                    ConfigFactory.parseString("window = 0"), "my.mailbox"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("my.mailbox.window")
        .hasMessageContaining("0");
    assertThatThrownBy(
            () ->
                DurableMailboxSettings.fromConfig(
                    ConfigFactory.parseString("confirm-flush-interval = 0s"), "my.mailbox"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("my.mailbox.confirm-flush-interval");
    assertThatThrownBy(
            () ->
                DurableMailboxSettings.fromConfig(
                    ConfigFactory.parseString("max-redeliveries = -1"), "my.mailbox"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("my.mailbox.max-redeliveries");
  }

  @Test
  void fromConfig_wrongType_namesPathAndKey() {
    assertThatThrownBy(
            () ->
                DurableMailboxSettings.fromConfig(
                    ConfigFactory.parseString("max-unconfirmed = lots"), "my.mailbox"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("my.mailbox.max-unconfirmed");
  }

  /** Typesafe Config's getInt truncates: 2.9 used to become a window of 2 without a word. */
  @Test
  void fromConfig_fractionalCount_isRefused_notTruncated() {
    assertThatThrownBy(
            () ->
                DurableMailboxSettings.fromConfig(
                    ConfigFactory.parseString("window = 2.9"), "my.mailbox"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("my.mailbox.window")
        .hasMessageContaining("must be a whole number, was 2.9");
    assertThatThrownBy(
            () ->
                DurableMailboxSettings.fromConfig(
                    ConfigFactory.parseString("max-unconfirmed = \"1.5\""), "my.mailbox"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("my.mailbox.max-unconfirmed");
  }

  @Test
  void fromConfig_unknownKey_namesPathAndKey() {
    assertThatThrownBy(
            () ->
                DurableMailboxSettings.fromConfig(
                    ConfigFactory.parseString("windw = 4"), "my.mailbox"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("my.mailbox.windw");
  }

  @Test
  void builder_badValue_namesDefaultPathAndKey() {
    assertThatThrownBy(() -> DurableMailboxSettings.builder().keepSnapshots(0).build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("elasticq.durable-mailbox.keep-snapshots");
  }
}
