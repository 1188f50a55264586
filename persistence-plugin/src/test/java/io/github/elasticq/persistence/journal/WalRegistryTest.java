package io.github.elasticq.persistence.journal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import io.github.elasticq.persistence.wal.WriteAheadLog;
import java.nio.file.Path;
import org.apache.pekko.actor.ActorSystem;
import org.apache.pekko.testkit.javadsl.TestKit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * One log per journal plugin id: the read journal's call ({@code logFor(id)}) takes the log open,
 * whatever configuration opened it; the journal actor's call ({@code logFor(id, config)}) refuses a
 * log opened with other settings than its configuration gives, instead of writing into it.
 */
class WalRegistryTest {
  private static final String ID = "elasticq.journal";

  @TempDir Path tmp;
  private ActorSystem system;
  private WalRegistry registry;

  @BeforeEach
  void start() {
    system = JournalTestSupport.system("wal-registry", tmp.resolve("a"));
    registry = WalRegistry.get(system);
  }

  @AfterEach
  void stop() {
    TestKit.shutdownActorSystem(system);
  }

  private Config pluginConfig(String extra) {
    return ConfigFactory.parseString(extra).withFallback(system.settings().config().getConfig(ID));
  }

  /**
   * A read journal used before the journal actor started opened the log with the system's
   * configuration; a journal actor configured at run time with another directory for the same
   * plugin id got that log and wrote into the wrong directory.
   */
  @Test
  void journalsCall_withOtherSettingsThanTheOpenLog_isRefusedNamingBoth() {
    WriteAheadLog open = registry.logFor(ID); // the read journal's call
    Path other = tmp.resolve("b");
    assertThatThrownBy(
            () ->
                registry.logFor(
                    ID, pluginConfig("dir = \"" + other.toString().replace("\\", "/") + "\"")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining(ID)
        .hasMessageContaining(open.directory().toString())
        .hasMessageContaining(other.toString());
    assertThatThrownBy(() -> registry.logFor(ID, pluginConfig("sync-mode = no-sync")))
        .as("another sync mode")
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("no-sync");
    assertThat(registry.logFor(ID)).isSameAs(open);
  }

  @Test
  void journalsCall_withTheSameSettings_sharesTheOpenLog() {
    WriteAheadLog open = registry.logFor(ID);
    assertThat(registry.logFor(ID, system.settings().config().getConfig(ID))).isSameAs(open);
    String sameDirSpelledOtherwise = tmp.resolve("a").resolve(".").toString().replace("\\", "/");
    assertThat(registry.logFor(ID, pluginConfig("dir = \"" + sameDirSpelledOtherwise + "\"")))
        .isSameAs(open);
  }

  /** The other order: the journal's own configuration opens it, and the read journal reads it. */
  @Test
  void readJournalsCall_takesTheLogTheJournalOpened() {
    Path runtime = tmp.resolve("runtime");
    WriteAheadLog open =
        registry.logFor(
            ID, pluginConfig("dir = \"" + runtime.toString().replace("\\", "/") + "\""));
    assertThat(open.directory()).isEqualTo(runtime.toAbsolutePath().normalize());
    assertThat(registry.logFor(ID)).isSameAs(open);
  }
}
