package io.github.elasticq.persistence.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The lock the journal, the snapshot store and the gateway demo take on their directories: refused
 * in this JVM and in other processes while held, with the holder named, and never released by a
 * refused attempt.
 */
class DirectoryLockTest {

  @TempDir Path tmp;

  @Test
  void secondAcquireInThisJvm_isRefusedNamingTheHolder_untilTheFirstCloses() throws Exception {
    Path dir = Files.createDirectories(tmp.resolve("d"));
    DirectoryLock first = DirectoryLock.acquire(dir, "LOCK");
    assertThatThrownBy(() -> DirectoryLock.acquire(dir, "LOCK"))
        .isInstanceOfSatisfying(
            DirectoryLock.InUseException.class,
            e -> {
              assertThat(e.holder()).isEqualTo(DirectoryLock.Holder.THIS_JVM);
              assertThat(e.file()).isEqualTo(dir.resolve("LOCK"));
            })
        .hasMessageContaining(dir.resolve("LOCK").toString());
    assertThatThrownBy(() -> DirectoryLock.acquire(dir.resolve("."), "LOCK"))
        .as("the same directory spelled differently")
        .isInstanceOf(DirectoryLock.InUseException.class);
    first.close();
    first.close(); // a second close does nothing
    DirectoryLock.acquire(dir, "LOCK").close();
  }

  @Test
  void locksOfDifferentFilesInOneDirectory_areIndependent() throws Exception {
    Path dir = Files.createDirectories(tmp.resolve("shared"));
    try (DirectoryLock journal = DirectoryLock.acquire(dir, "LOCK");
        DirectoryLock snapshots = DirectoryLock.acquire(dir, "snapshot-store.lock")) {
      assertThat(journal.file()).isNotEqualTo(snapshots.file());
      assertThat(tryLockInAnotherProcess(journal.file())).isEqualTo("held");
      assertThat(tryLockInAnotherProcess(snapshots.file())).isEqualTo("held");
    }
  }

  /**
   * Closing any channel of the lock file releases the process's lock on it, so a refused second
   * acquire in this JVM must not open one: another process must still find the file locked.
   */
  @Test
  void refusedAcquireInThisJvm_leavesTheLockHeldAgainstOtherProcesses() throws Exception {
    Path dir = Files.createDirectories(tmp.resolve("d"));
    try (DirectoryLock held = DirectoryLock.acquire(dir, "LOCK")) {
      for (int i = 0; i < 3; i++) {
        assertThatThrownBy(() -> DirectoryLock.acquire(dir, "LOCK"))
            .isInstanceOf(DirectoryLock.InUseException.class);
      }
      assertThat(tryLockInAnotherProcess(held.file())).isEqualTo("held");
    }
    assertThat(tryLockInAnotherProcess(dir.resolve("LOCK"))).isEqualTo("locked");
  }

  @Test
  void fileLockedByOtherCodeOfThisJvm_isRefusedAsSuch() throws Exception {
    Path dir = Files.createDirectories(tmp.resolve("d"));
    try (FileChannel other =
        FileChannel.open(
            dir.resolve("LOCK"), StandardOpenOption.CREATE, StandardOpenOption.WRITE)) {
      assertThat(other.tryLock()).isNotNull();
      assertThatThrownBy(() -> DirectoryLock.acquire(dir, "LOCK"))
          .isInstanceOfSatisfying(
              DirectoryLock.InUseException.class,
              e -> assertThat(e.holder()).isEqualTo(DirectoryLock.Holder.OTHER_CODE_IN_THIS_JVM))
          .hasMessageContaining("other code in this JVM");
    }
    DirectoryLock.acquire(dir, "LOCK").close(); // the refusal did not leave the directory marked
  }

  /**
   * A refusal because other code of this JVM holds the file's lock (e.g. a second copy of this
   * class in another class loader, whose registry this one does not see) must not release that
   * lock: the refused attempt's channel is the one that found it held, and closing it released
   * every lock of the process on the file, so another process could then lock the directory beside
   * its holder.
   */
  @Test
  void refusalBecauseOtherCodeOfThisJvmHoldsTheFile_leavesItsLockHeld() throws Exception {
    Path dir = Files.createDirectories(tmp.resolve("d"));
    try (FileChannel other =
        FileChannel.open(
            dir.resolve("LOCK"), StandardOpenOption.CREATE, StandardOpenOption.WRITE)) {
      assertThat(other.tryLock()).isNotNull();
      for (int i = 0; i < 2; i++) {
        assertThatThrownBy(() -> DirectoryLock.acquire(dir, "LOCK"))
            .isInstanceOfSatisfying(
                DirectoryLock.InUseException.class,
                e -> assertThat(e.holder()).isEqualTo(DirectoryLock.Holder.OTHER_CODE_IN_THIS_JVM));
      }
      assertThat(tryLockInAnotherProcess(dir.resolve("LOCK")))
          .as("another process, while other code of this JVM holds the lock")
          .isEqualTo("held");
    }
    try (DirectoryLock lock = DirectoryLock.acquire(dir, "LOCK")) {
      assertThat(tryLockInAnotherProcess(lock.file())).isEqualTo("held");
    }
    assertThat(tryLockInAnotherProcess(dir.resolve("LOCK"))).isEqualTo("locked");
  }

  @Test
  void fileLockedByAnotherProcess_isRefusedAsSuch() throws Exception {
    Path dir = Files.createDirectories(tmp.resolve("d"));
    Process holder = OtherProcessLocks.hold(tmp, dir.resolve("LOCK"));
    try {
      assertThatThrownBy(() -> DirectoryLock.acquire(dir, "LOCK"))
          .isInstanceOfSatisfying(
              DirectoryLock.InUseException.class,
              e -> assertThat(e.holder()).isEqualTo(DirectoryLock.Holder.ANOTHER_PROCESS))
          .hasMessageContaining("another process");
    } finally {
      holder.destroyForcibly().waitFor();
    }
    try (DirectoryLock lock = DirectoryLock.acquire(dir, "LOCK")) {
      assertThat(lock.file()).exists(); // the holder's death released it
    }
  }

  @Test
  void writeOwnerPid_replacesTheFilesContent() throws Exception {
    Path dir = Files.createDirectories(tmp.resolve("d"));
    Files.writeString(dir.resolve("LOCK"), "a much longer content than any process id\n");
    DirectoryLock lock = DirectoryLock.acquire(dir, "LOCK");
    lock.writeOwnerPid();
    assertThat(Files.readString(dir.resolve("LOCK")))
        .isEqualTo(ProcessHandle.current().pid() + "\n");
    lock.close();
    assertThatThrownBy(lock::writeOwnerPid).hasMessageContaining("released");
  }

  @Test
  void missingDirectory_failsWithoutMarkingIt() throws Exception {
    Path dir = tmp.resolve("missing");
    assertThatThrownBy(() -> DirectoryLock.acquire(dir, "LOCK"))
        .isInstanceOf(java.nio.file.NoSuchFileException.class)
        .isNotInstanceOf(DirectoryLock.InUseException.class);
    Files.createDirectories(dir);
    DirectoryLock.acquire(dir, "LOCK").close();
  }

  private String tryLockInAnotherProcess(Path file) throws Exception {
    return OtherProcessLocks.tryLock(tmp, file);
  }
}
