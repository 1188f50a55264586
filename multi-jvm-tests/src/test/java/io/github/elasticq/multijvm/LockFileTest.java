package io.github.elasticq.multijvm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.elasticq.persistence.wal.WalLockedException;
import io.github.elasticq.persistence.wal.WalSettings;
import io.github.elasticq.persistence.wal.WriteAheadLog;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The journal directory's lock file across processes: while a child JVM's ActorSystem has the
 * {@code elasticq.journal} open, neither this JVM nor a third one can open the directory, and the
 * error names it; after the holder is killed with SIGKILL the OS drops its lock and the directory
 * opens again (the stale {@code LOCK} file does not block).
 */
class LockFileTest {
  @TempDir Path tmp;

  @Test
  void open_whileAnotherProcessHoldsTheDirectory_failsNamingIt() throws Exception {
    Path dir = tmp.resolve("journal");
    String absolute = dir.toAbsolutePath().normalize().toString();
    Path stderr = tmp.resolve("child-stderr.log");
    try (ChildJvm holder =
        ChildJvm.start(PersistingChild.class, stderr, dir.toString(), "every-write", "2")) {
      // an acknowledged event proves the journal is open and the lock is held
      holder.awaitLine("A entity-0 ", 2, TimeUnit.MINUTES);

      WalSettings settings = WalSettings.builder(dir).build();
      assertThatThrownBy(() -> WriteAheadLog.open(settings).close())
          .isInstanceOf(WalLockedException.class)
          .hasMessageContaining(absolute)
          .hasMessageContaining("another process")
          .satisfies(
              e -> assertThat(((WalLockedException) e).dir().toString()).isEqualTo(absolute));

      assertThat(probe(dir, stderr)).startsWith("LOCKED ").contains(absolute);

      holder.kill();
    }
    assertThat(probe(dir, stderr)).isEqualTo("OPENED " + absolute);
    try (WriteAheadLog wal = WriteAheadLog.open(WalSettings.builder(dir).build())) {
      assertThat(wal.highestSequenceNr("entity-0")).isPositive();
    }
  }

  private static String probe(Path dir, Path stderr) throws Exception {
    try (ChildJvm probe = ChildJvm.start(LockHolderProbe.class, stderr, dir.toString())) {
      assertThat(probe.awaitExit(2, TimeUnit.MINUTES)).as("probe exited").isTrue();
      return probe.lines().stream()
          .filter(l -> l.startsWith("OPENED ") || l.startsWith("LOCKED "))
          .findFirst()
          .orElseThrow(() -> new AssertionError("probe printed " + probe.lines()));
    }
  }
}
