package io.github.elasticq.persistence.snapshot;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.elasticq.persistence.internal.OtherProcessLocks;
import io.github.elasticq.persistence.journal.WalRegistry;
import io.github.elasticq.persistence.wal.WriteAheadLog;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.apache.pekko.event.Logging;
import org.apache.pekko.persistence.SaveSnapshotFailure;
import org.apache.pekko.persistence.SaveSnapshotSuccess;
import org.apache.pekko.persistence.SelectedSnapshot;
import org.apache.pekko.persistence.SnapshotMetadata;
import org.apache.pekko.persistence.SnapshotProtocol;
import org.apache.pekko.persistence.SnapshotSelectionCriteria;
import org.apache.pekko.testkit.javadsl.TestKit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.io.TempDir;
import scala.Option;

/**
 * The snapshot-store contract of {@link FileSnapshotStore}, driven through Pekko's snapshot
 * protocol against a real ActorSystem and real files in a temporary directory.
 */
class FileSnapshotStoreTest {

  @TempDir Path tempDir;

  private Path storeDir;
  private SnapshotStoreFixture fixture;
  private String systemName;

  @BeforeEach
  void start(TestInfo info) {
    storeDir = tempDir.resolve("store");
    systemName = info.getTestMethod().orElseThrow().getName().replace('_', '-');
    fixture = new SnapshotStoreFixture(systemName, storeDir);
  }

  @AfterEach
  void stop() {
    if (fixture != null) {
      fixture.close();
    }
  }

  private void restart() {
    fixture.close();
    fixture = null;
    fixture = new SnapshotStoreFixture(systemName + "-restarted", storeDir);
  }

  private static SnapshotSelectionCriteria criteria(
      long maxSequenceNr, long maxTimestamp, long minSequenceNr, long minTimestamp) {
    return SnapshotSelectionCriteria.create(
        maxSequenceNr, maxTimestamp, minSequenceNr, minTimestamp);
  }

  private static SnapshotSelectionCriteria maxSequenceNr(long max) {
    return criteria(max, Long.MAX_VALUE, 0L, 0L);
  }

  private Path fileOf(SnapshotMetadata md) {
    return storeDir
        .resolve(PersistenceIdEncoding.directoryName(md.persistenceId()))
        .resolve("snapshot-" + md.sequenceNr() + "-" + md.timestamp() + ".snap");
  }

  private List<Path> allFiles() throws IOException {
    try (Stream<Path> walk = Files.walk(tempDir)) {
      // the store's files, not its lock
      return walk.filter(Files::isRegularFile)
          .filter(f -> !f.getFileName().toString().equals(SnapshotDirectory.LOCK_FILE))
          .collect(Collectors.toList());
    }
  }

  private static void flipByte(Path file, long position) throws IOException {
    try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "rw")) {
      raf.seek(position);
      int b = raf.read();
      raf.seek(position);
      raf.write(b ^ 0x40);
    }
  }

  private static void truncate(Path file, long length) throws IOException {
    try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "rw")) {
      raf.setLength(length);
    }
  }

  @Test
  void load_afterSaves_returnsNewestWithItsMetadata() throws Exception {
    fixture.save("p", 1, "one");
    fixture.save("p", 2, "two");
    SnapshotMetadata third = fixture.save("p", 3, "three");

    Optional<SelectedSnapshot> loaded = fixture.loadLatest("p");

    assertThat(loaded).isPresent();
    assertThat(loaded.get().snapshot()).isEqualTo("three");
    assertThat(loaded.get().metadata().sequenceNr()).isEqualTo(3);
    assertThat(loaded.get().metadata().timestamp()).isEqualTo(third.timestamp()).isPositive();
    assertThat(loaded.get().metadata().persistenceId()).isEqualTo("p");
    byte[] onDisk = Files.readAllBytes(fileOf(third));
    assertThat(SnapshotFileDescriptor.decode(onDisk, fileOf(third)).persistenceId()).isEqualTo("p");
    assertThat(allFiles()).hasSize(3).noneMatch(f -> f.toString().endsWith(".tmp"));
  }

  /**
   * A persistence id with an unpaired surrogate has no UTF-8 form: its snapshots used to go to the
   * directory of {@code order-?}, where a load of that other id found them.
   */
  @Test
  void save_ofAnIdWithAnUnpairedSurrogate_failsNamingIt_anotherIdGetsNothing() {
    assertThat(fixture.saveExpectingFailure("order-\uD800", 5, "odd").cause())
        .hasMessageContaining("persistence id [order-\\uD800]")
        .hasMessageContaining("unpaired UTF-16 surrogate");
    assertThat(fixture.loadLatest("order-?")).isEmpty();
  }

  @Test
  void load_whenNothingSaved_returnsEmpty() {
    assertThat(fixture.loadLatest("never-saved")).isEmpty();
  }

  @Test
  void load_afterRestart_returnsSnapshotSavedBefore() {
    SnapshotMetadata saved = fixture.save("durable", 7, "state-7");

    restart();

    Optional<SelectedSnapshot> loaded = fixture.loadLatest("durable");
    assertThat(loaded).isPresent();
    assertThat(loaded.get().snapshot()).isEqualTo("state-7");
    assertThat(loaded.get().metadata().timestamp()).isEqualTo(saved.timestamp());
  }

  @Test
  void load_withSequenceNrBounds_returnsNewestInsideBounds() {
    for (long seq = 1; seq <= 5; seq++) {
      fixture.save("p", seq * 10, "s" + seq * 10);
    }

    assertThat(fixture.load("p", maxSequenceNr(35)).map(SelectedSnapshot::snapshot))
        .contains("s30");
    assertThat(fixture.load("p", maxSequenceNr(30)).map(SelectedSnapshot::snapshot))
        .contains("s30");
    assertThat(fixture.load("p", criteria(Long.MAX_VALUE, Long.MAX_VALUE, 40, 0)))
        .map(SelectedSnapshot::snapshot)
        .contains("s50");
    assertThat(fixture.load("p", criteria(20, Long.MAX_VALUE, 20, 0)))
        .map(SelectedSnapshot::snapshot)
        .contains("s20");
    assertThat(fixture.load("p", criteria(Long.MAX_VALUE, Long.MAX_VALUE, 51, 0))).isEmpty();
    assertThat(fixture.load("p", maxSequenceNr(9))).isEmpty();
    assertThat(fixture.load("p", SnapshotSelectionCriteria.none())).isEmpty();
  }

  @Test
  void load_withToSequenceNr_limitsSelection() {
    fixture.save("p", 1, "one");
    fixture.save("p", 2, "two");

    fixture.store.tell(
        new SnapshotProtocol.LoadSnapshot("p", SnapshotSelectionCriteria.latest(), 1L),
        fixture.probe.getRef());
    SnapshotProtocol.LoadSnapshotResult result =
        fixture.probe.expectMsgClass(
            SnapshotStoreFixture.TIMEOUT, SnapshotProtocol.LoadSnapshotResult.class);

    assertThat(result.snapshot().get().snapshot()).isEqualTo("one");
  }

  @Test
  void load_withTimestampBounds_returnsNewestInsideBounds() throws Exception {
    long t1 = fixture.saveWithDistinctTimestamp("p", 1, "one").timestamp();
    long t2 = fixture.saveWithDistinctTimestamp("p", 2, "two").timestamp();
    long t3 = fixture.saveWithDistinctTimestamp("p", 3, "three").timestamp();
    assertThat(t1).isLessThan(t2);
    assertThat(t2).isLessThan(t3);

    assertThat(fixture.load("p", criteria(Long.MAX_VALUE, t2, 0, 0)))
        .map(SelectedSnapshot::snapshot)
        .contains("two");
    assertThat(fixture.load("p", criteria(Long.MAX_VALUE, t3 - 1, 0, 0)))
        .map(SelectedSnapshot::snapshot)
        .contains("two");
    assertThat(fixture.load("p", criteria(Long.MAX_VALUE, Long.MAX_VALUE, 0, t3)))
        .map(SelectedSnapshot::snapshot)
        .contains("three");
    assertThat(fixture.load("p", criteria(Long.MAX_VALUE, t1, 0, t1)))
        .map(SelectedSnapshot::snapshot)
        .contains("one");
    assertThat(fixture.load("p", criteria(Long.MAX_VALUE, t1 - 1, 0, 0))).isEmpty();
    assertThat(fixture.load("p", criteria(Long.MAX_VALUE, Long.MAX_VALUE, 0, t3 + 1))).isEmpty();
    // sequence nr and timestamp bounds together: seq <= 2 and ts >= t2
    assertThat(fixture.load("p", criteria(2, Long.MAX_VALUE, 0, t2)))
        .map(SelectedSnapshot::snapshot)
        .contains("two");
  }

  @Test
  void delete_oneByMetadata_removesOnlyThatSnapshot() throws Exception {
    fixture.save("p", 1, "one");
    SnapshotMetadata two = fixture.save("p", 2, "two");
    SnapshotMetadata three = fixture.save("p", 3, "three");

    fixture.delete(two);

    assertThat(Files.exists(fileOf(two))).isFalse();
    assertThat(fixture.load("p", maxSequenceNr(2))).map(SelectedSnapshot::snapshot).contains("one");
    assertThat(fixture.loadLatest("p")).map(SelectedSnapshot::snapshot).contains("three");

    // a timestamp that does not match deletes nothing
    fixture.delete(SnapshotMetadata.apply("p", 3, three.timestamp() + 12345));
    assertThat(fixture.loadLatest("p")).map(SelectedSnapshot::snapshot).contains("three");

    // timestamp 0 matches any timestamp at that sequence nr
    fixture.delete(SnapshotMetadata.apply("p", 3, 0L));
    assertThat(fixture.loadLatest("p")).map(SelectedSnapshot::snapshot).contains("one");
    assertThat(allFiles()).hasSize(1);
  }

  @Test
  void delete_byCriteria_removesMatchingSnapshotsOfThatIdOnly() throws Exception {
    for (long seq = 1; seq <= 5; seq++) {
      fixture.save("p", seq, "p" + seq);
    }
    fixture.save("other", 2, "other2");

    fixture.delete("p", maxSequenceNr(3));

    assertThat(fixture.load("p", maxSequenceNr(3))).isEmpty();
    assertThat(fixture.load("p", maxSequenceNr(4))).map(SelectedSnapshot::snapshot).contains("p4");
    assertThat(fixture.loadLatest("p")).map(SelectedSnapshot::snapshot).contains("p5");
    assertThat(fixture.loadLatest("other")).map(SelectedSnapshot::snapshot).contains("other2");
    assertThat(allFiles()).hasSize(3);

    fixture.delete("p", criteria(5, Long.MAX_VALUE, 5, 0));
    assertThat(fixture.loadLatest("p")).map(SelectedSnapshot::snapshot).contains("p4");

    fixture.delete("p", SnapshotSelectionCriteria.latest());
    assertThat(fixture.loadLatest("p")).isEmpty();
    assertThat(fixture.loadLatest("other")).map(SelectedSnapshot::snapshot).contains("other2");
  }

  @Test
  void delete_byTimestampCriteria_respectsTimestampBounds() throws Exception {
    fixture.saveWithDistinctTimestamp("p", 1, "one");
    long t2 = fixture.saveWithDistinctTimestamp("p", 2, "two").timestamp();
    fixture.saveWithDistinctTimestamp("p", 3, "three");

    fixture.delete("p", criteria(Long.MAX_VALUE, Long.MAX_VALUE, 0, t2)); // ts >= t2

    assertThat(fixture.loadLatest("p")).map(SelectedSnapshot::snapshot).contains("one");
    assertThat(allFiles()).hasSize(1);
  }

  @Test
  void load_whenNewestHasFlippedByte_logsAndFallsBackToOlder() throws Exception {
    fixture.save("p", 1, "one");
    fixture.save("p", 2, "two");
    SnapshotMetadata three = fixture.save("p", 3, "three");
    Path newest = fileOf(three);
    flipByte(newest, Files.size(newest) - 2); // inside the payload
    TestKit warnings = new TestKit(fixture.system);
    fixture.system.getEventStream().subscribe(warnings.getRef(), Logging.Warning.class);

    Optional<SelectedSnapshot> loaded = fixture.loadLatest("p");

    assertThat(loaded).map(SelectedSnapshot::snapshot).contains("two");
    assertThat(loaded.get().metadata().sequenceNr()).isEqualTo(2);
    warnings.fishForMessage(
        SnapshotStoreFixture.TIMEOUT,
        "warning naming the corrupt file",
        m ->
            m instanceof Logging.Warning w
                && w.message().toString().contains(newest.getFileName().toString())
                && w.message().toString().contains("CRC32C mismatch")
                // the blocking read ran on the plugin's own pool, not the default dispatcher
                && w.thread().getName().contains("elasticq.snapshot-store.dispatcher"));
  }

  @Test
  void load_whenNewestHeaderByteFlipped_fallsBackToOlder() throws Exception {
    fixture.save("p", 1, "one");
    SnapshotMetadata two = fixture.save("p", 2, "two");
    flipByte(fileOf(two), SnapshotFileDescriptor.SERIALIZER_ID_OFFSET + 3);

    assertThat(fixture.loadLatest("p")).map(SelectedSnapshot::snapshot).contains("one");
  }

  @Test
  void load_whenNewestTruncated_fallsBackToOlder() throws Exception {
    fixture.save("p", 1, "one");
    SnapshotMetadata two = fixture.save("p", 2, "two");
    SnapshotMetadata three = fixture.save("p", 3, "three");
    truncate(fileOf(three), Files.size(fileOf(three)) - 1);
    truncate(fileOf(two), 0);

    assertThat(fixture.loadLatest("p")).map(SelectedSnapshot::snapshot).contains("one");
  }

  @Test
  void load_whenAllTriedSnapshotsCorrupt_failsNamingTheId() throws Exception {
    fixture.save("p", 1, "one");
    for (long seq = 2; seq <= 4; seq++) {
      SnapshotMetadata md = fixture.save("p", seq, "s" + seq);
      flipByte(fileOf(md), SnapshotFileDescriptor.HEADER_LENGTH);
    }

    // max-load-attempts = 3 (reference.conf): seq 4, 3, 2 are tried, seq 1 is not reached
    SnapshotProtocol.LoadSnapshotFailed failed = fixture.loadExpectingFailure("p");

    assertThat(failed.cause())
        .hasMessageContaining("[p]")
        .hasMessageContaining("3 newest matching snapshot(s) are unusable")
        .hasMessageContaining("max-load-attempts");
    assertThat(failed.cause().getSuppressed()).hasSize(3);

    // within the attempt budget the intact one is found
    assertThat(fixture.load("p", maxSequenceNr(3))).map(SelectedSnapshot::snapshot).contains("one");
  }

  @Test
  void load_whenOnlySnapshotCorrupt_failsRatherThanReturningNothing() throws Exception {
    SnapshotMetadata only = fixture.save("p", 1, "one");
    truncate(fileOf(only), SnapshotFileDescriptor.HEADER_LENGTH - 1);

    SnapshotProtocol.LoadSnapshotFailed failed = fixture.loadExpectingFailure("p");

    assertThat(failed.cause()).hasMessageContaining("truncated");
  }

  @Test
  void saveAndLoad_withAnyPersistenceId_staysInsideDirectory() throws Exception {
    String longId = "x".repeat(300);
    List<String> ids =
        List.of(
            "a/b",
            "..",
            ".",
            "../../etc",
            "x:y",
            "c:\\windows\\system32",
            "日本語",
            "emoji-\uD83D\uDE00",
            "Order-1",
            "order-1",
            "%2f",
            "pid-a",
            "a b\t\n",
            longId,
            longId + "y",
            longId.substring(1) + "y");

    for (String id : ids) {
      fixture.save(id, 1, "state of " + id);
    }
    restart();

    for (String id : ids) {
      Optional<SelectedSnapshot> loaded = fixture.loadLatest(id);
      assertThat(loaded).as("snapshot of [%s]", id).isPresent();
      assertThat(loaded.get().snapshot()).isEqualTo("state of " + id);
      assertThat(loaded.get().metadata().persistenceId()).isEqualTo(id);
    }
    Path realStore = storeDir.toRealPath();
    List<Path> files = allFiles();
    assertThat(files).hasSize(ids.size());
    for (Path f : files) {
      assertThat(f.toRealPath().startsWith(realStore)).as("%s is inside %s", f, realStore).isTrue();
      assertThat(f.getParent().getParent()).isEqualTo(storeDir);
      assertThat(f.getParent().getFileName().toString().length())
          .isLessThanOrEqualTo(PersistenceIdEncoding.MAX_NAME_LENGTH);
    }
  }

  @Test
  void save_nonSerializableSnapshot_failsNamingTheClass() throws Exception {
    SaveSnapshotFailure failure =
        fixture.saveExpectingFailure("p", 1, new NotSerializableState(42));

    assertThat(failure.cause())
        .hasMessageContaining(NotSerializableState.class.getName())
        .hasMessageContaining("[p]");
    assertThat(failure.metadata().sequenceNr()).isEqualTo(1);
    assertThat(allFiles()).isEmpty();
    assertThat(fixture.loadLatest("p")).isEmpty();
  }

  @Test
  void saveAndLoad_withSnapshotMetadata_roundTripsIt() {
    fixture.save(SnapshotMetadata.apply("p", 4, 0L, Option.apply("replica-A")), "four");

    Optional<SelectedSnapshot> loaded = fixture.loadLatest("p");

    assertThat(loaded).map(SelectedSnapshot::snapshot).contains("four");
    assertThat(loaded.get().metadata().metadata().isDefined()).isTrue();
    assertThat(loaded.get().metadata().metadata().get()).isEqualTo("replica-A");
  }

  @Test
  void start_withTempFilesLeftByCrash_ignoresAndRemovesThem() throws Exception {
    SnapshotMetadata saved = fixture.save("p", 2, "two");
    Path pidDir = fileOf(saved).getParent();
    fixture.close();
    fixture = null;
    // What a crash between write and rename leaves: complete content under a temporary name,
    // newer than the acknowledged snapshot. It was never acknowledged, so it must not be loaded.
    byte[] unacknowledged =
        SnapshotFileDescriptor.encode(
            new SnapshotRecord(
                "p",
                9,
                saved.timestamp() + 1,
                new SerializedObject(
                    20 /* irrelevant: the file must never be read */, "", new byte[] {1}),
                null));
    Path temp = pidDir.resolve("snapshot-9-" + (saved.timestamp() + 1) + ".0123abcd.tmp");
    Path tornTemp = pidDir.resolve("snapshot-10-" + (saved.timestamp() + 2) + ".4567.tmp");
    Files.write(temp, unacknowledged);
    Files.write(tornTemp, new byte[] {1, 2, 3});

    fixture = new SnapshotStoreFixture(systemName + "-restarted", storeDir);
    Optional<SelectedSnapshot> loaded = fixture.loadLatest("p");

    assertThat(loaded).map(SelectedSnapshot::snapshot).contains("two");
    assertThat(Files.exists(temp)).isFalse();
    assertThat(Files.exists(tornTemp)).isFalse();
    assertThat(allFiles()).containsExactly(fileOf(saved));
  }

  @Test
  void start_whenDirIsAPlainFile_stopsPluginInsteadOfServingEmptyLoads() throws Exception {
    fixture.close();
    fixture = null;
    Path notADirectory = tempDir.resolve("plain-file");
    Files.write(notADirectory, new byte[] {0});
    fixture = new SnapshotStoreFixture(systemName + "-bad-dir", notADirectory);
    TestKit watcher = new TestKit(fixture.system);
    watcher.watch(fixture.store);

    watcher.expectTerminated(SnapshotStoreFixture.TIMEOUT, fixture.store);
  }

  /**
   * A second actor system on the same snapshot directory used to delete, at its start, the
   * temporary file of a save the first one had in flight (that save then failed). It is refused
   * now, before it touches anything; the directory serves again once the first one stops.
   */
  @Test
  void start_onADirectoryInUseByAnotherSystem_stopsThatPluginAndLeavesTheFilesAlone()
      throws Exception {
    SnapshotMetadata saved = fixture.save("p", 1, "one");
    Path inFlight = fileOf(saved).getParent().resolve("snapshot-2-5.0123abcd.tmp");
    Files.write(inFlight, new byte[] {1, 2, 3});

    try (SnapshotStoreFixture second = new SnapshotStoreFixture(systemName + "-second", storeDir)) {
      TestKit watcher = new TestKit(second.system);
      watcher.watch(second.store);
      watcher.expectTerminated(SnapshotStoreFixture.TIMEOUT, second.store);
      assertThat(second.nextErrorCauses())
          .contains("Snapshot directory [" + storeDir.toAbsolutePath().normalize() + "] is in use")
          .contains("other code in this JVM");
    }

    assertThat(inFlight).exists();
    assertThat(fixture.save("p", 3, "three").sequenceNr()).isEqualTo(3);
    restart();
    assertThat(fixture.loadLatest("p")).map(SelectedSnapshot::snapshot).contains("three");
    assertThat(inFlight).doesNotExist();
  }

  /**
   * A second store of this JVM, refused, opened and closed a channel of its own on the lock file;
   * closing any channel of a file releases every lock the process holds on it, so another process
   * could then take the running store's lock (and a store there delete its saves' temporary files).
   */
  @Test
  void start_refusedInThisJvm_leavesTheRunningStoresLockHeldAgainstOtherProcesses()
      throws Exception {
    fixture.save("p", 1, "one");
    try (SnapshotStoreFixture second = new SnapshotStoreFixture(systemName + "-second", storeDir)) {
      TestKit watcher = new TestKit(second.system);
      watcher.watch(second.store);
      watcher.expectTerminated(SnapshotStoreFixture.TIMEOUT, second.store);
    }
    assertThat(tryLockInAnotherProcess(storeDir.resolve(SnapshotDirectory.LOCK_FILE)))
        .isEqualTo("held");
    assertThat(fixture.save("p", 2, "two").sequenceNr()).isEqualTo(2);
  }

  /**
   * The journal and the snapshot store on one directory (each names its own files) worked until the
   * store's lock took the journal's lock file: the journal could no longer open there, or the store
   * no longer start, depending on which came first, and the refused one's channel released the
   * other's lock.
   */
  @Test
  void start_inTheJournalsDirectory_leavesTheJournalsLockAlone() throws Exception {
    fixture.close();
    fixture = null;
    Path shared = tempDir.resolve("shared");
    fixture =
        new SnapshotStoreFixture(
            systemName + "-shared", shared, Map.of("elasticq.journal.dir", shared.toString()));
    fixture.save("p", 1, "one");
    WriteAheadLog wal = WalRegistry.get(fixture.system).logFor("elasticq.journal");
    assertThat(wal.isClosed()).isFalse();
    assertThat(fixture.save("p", 2, "two").sequenceNr()).isEqualTo(2);
    assertThat(tryLockInAnotherProcess(shared.resolve("LOCK"))).isEqualTo("held");
    assertThat(tryLockInAnotherProcess(shared.resolve(SnapshotDirectory.LOCK_FILE)))
        .isEqualTo("held");
  }

  /** Runs a JVM that tries to lock {@code file} and tells "locked" or "held". */
  private String tryLockInAnotherProcess(Path file) throws Exception {
    return OtherProcessLocks.tryLock(tempDir, file);
  }

  /** The same with the directory locked by another process (a JVM that holds the lock). */
  @Test
  void start_onADirectoryLockedByAnotherProcess_stopsThePlugin() throws Exception {
    fixture.close();
    fixture = null;
    Files.createDirectories(storeDir);
    Process p = OtherProcessLocks.hold(tempDir, storeDir.resolve(SnapshotDirectory.LOCK_FILE));
    try {
      fixture = new SnapshotStoreFixture(systemName + "-locked", storeDir);
      TestKit watcher = new TestKit(fixture.system);
      watcher.watch(fixture.store);
      watcher.expectTerminated(SnapshotStoreFixture.TIMEOUT, fixture.store);
      assertThat(fixture.nextErrorCauses()).contains("is in use: another process holds the lock");
    } finally {
      p.destroyForcibly().waitFor();
    }
  }

  @Test
  void load_ofFileBelongingToAnotherId_ignoresIt() throws Exception {
    SnapshotMetadata ofA = fixture.save("a", 5, "state of a");
    fixture.save("b", 1, "state of b");
    Path intoB = fileOf(SnapshotMetadata.apply("b", 5, ofA.timestamp()));
    // what a directory-name collision (or a file moved by hand) would look like
    Files.copy(fileOf(ofA), intoB);

    Optional<SelectedSnapshot> loaded = fixture.loadLatest("b");

    assertThat(loaded).map(SelectedSnapshot::snapshot).contains("state of b");
    assertThat(loaded.get().metadata().persistenceId()).isEqualTo("b");
  }

  @Test
  void load_whenFileNameDisagreesWithHeader_treatsFileAsCorrupt() throws Exception {
    fixture.save("p", 1, "one");
    SnapshotMetadata two = fixture.save("p", 2, "two");
    Files.move(fileOf(two), fileOf(SnapshotMetadata.apply("p", 9, two.timestamp())));

    assertThat(fixture.loadLatest("p")).map(SelectedSnapshot::snapshot).contains("one");
  }

  @Test
  void saveAndLoad_manyConcurrentRequests_allSucceedAndNewestWins() {
    int ids = 40;
    int perId = 5;
    for (int seq = 1; seq <= perId; seq++) {
      for (int id = 0; id < ids; id++) {
        fixture.store.tell(
            new SnapshotProtocol.SaveSnapshot(
                SnapshotMetadata.apply("id-" + id, seq, 0L), "id-" + id + "@" + seq),
            fixture.probe.getRef());
      }
    }
    for (int i = 0; i < ids * perId; i++) {
      fixture.probe.expectMsgClass(SnapshotStoreFixture.TIMEOUT, SaveSnapshotSuccess.class);
    }

    for (int id = 0; id < ids; id++) {
      assertThat(fixture.loadLatest("id-" + id))
          .map(SelectedSnapshot::snapshot)
          .contains("id-" + id + "@" + perId);
    }
  }

  /** Has no serializer binding (and Java serialization is off by default in Pekko). */
  static final class NotSerializableState {
    final int value;

    NotSerializableState(int value) {
      this.value = value;
    }
  }
}
