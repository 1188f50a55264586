package io.github.elasticq.persistence.snapshot;

import static org.assertj.core.api.Assertions.assertThat;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import org.apache.pekko.actor.ActorRef;
import org.apache.pekko.actor.ActorSystem;
import org.apache.pekko.event.Logging;
import org.apache.pekko.persistence.DeleteSnapshotSuccess;
import org.apache.pekko.persistence.DeleteSnapshotsSuccess;
import org.apache.pekko.persistence.Persistence;
import org.apache.pekko.persistence.SaveSnapshotFailure;
import org.apache.pekko.persistence.SaveSnapshotSuccess;
import org.apache.pekko.persistence.SelectedSnapshot;
import org.apache.pekko.persistence.SnapshotMetadata;
import org.apache.pekko.persistence.SnapshotProtocol;
import org.apache.pekko.persistence.SnapshotSelectionCriteria;
import org.apache.pekko.testkit.javadsl.TestKit;
import scala.jdk.javaapi.OptionConverters;

/**
 * A real classic ActorSystem whose snapshot store is {@code elasticq.snapshot-store} on a given
 * directory (events go to Pekko's in-memory journal), and helpers that speak the snapshot protocol
 * to the plugin actor the way a persistent actor does. One fixture per test thread.
 */
final class SnapshotStoreFixture implements AutoCloseable {

  static final Duration TIMEOUT = Duration.ofSeconds(15);

  final ActorSystem system;
  final ActorRef store;
  final TestKit probe;

  /** Receives every error the system logs, from before the store started. */
  final TestKit errors;

  SnapshotStoreFixture(String name, Path dir) {
    this(name, dir, Map.of());
  }

  SnapshotStoreFixture(String name, Path dir, Map<String, Object> extraSettings) {
    Map<String, Object> settings = new HashMap<>(extraSettings);
    settings.put("elasticq.snapshot-store.dir", dir.toString());
    settings.put("pekko.persistence.journal.plugin", "pekko.persistence.journal.inmem");
    settings.put("pekko.persistence.snapshot-store.plugin", "elasticq.snapshot-store");
    Config config = ConfigFactory.parseMap(settings).withFallback(ConfigFactory.load());
    this.system = ActorSystem.create(name, config);
    this.errors = new TestKit(system);
    system.getEventStream().subscribe(errors.getRef(), Logging.Error.class);
    this.store =
        Persistence.get(system).snapshotStoreFor("elasticq.snapshot-store", ConfigFactory.empty());
    this.probe = new TestKit(system);
  }

  /** Saves through the protocol; returns the metadata with the timestamp the store assigned. */
  SnapshotMetadata save(String persistenceId, long sequenceNr, Object snapshot) {
    return save(SnapshotMetadata.apply(persistenceId, sequenceNr, 0L), snapshot);
  }

  SnapshotMetadata save(SnapshotMetadata metadata, Object snapshot) {
    store.tell(new SnapshotProtocol.SaveSnapshot(metadata, snapshot), probe.getRef());
    SaveSnapshotSuccess success = probe.expectMsgClass(TIMEOUT, SaveSnapshotSuccess.class);
    assertThat(success.metadata().persistenceId()).isEqualTo(metadata.persistenceId());
    assertThat(success.metadata().sequenceNr()).isEqualTo(metadata.sequenceNr());
    return success.metadata();
  }

  /**
   * Saves, then waits until the wall clock has moved past the assigned timestamp, so the next save
   * gets a strictly larger one (the store stamps saves with {@code System.currentTimeMillis()}).
   */
  SnapshotMetadata saveWithDistinctTimestamp(String persistenceId, long sequenceNr, Object value)
      throws InterruptedException {
    SnapshotMetadata saved = save(persistenceId, sequenceNr, value);
    while (System.currentTimeMillis() <= saved.timestamp()) {
      Thread.sleep(1);
    }
    return saved;
  }

  SaveSnapshotFailure saveExpectingFailure(String persistenceId, long sequenceNr, Object value) {
    store.tell(
        new SnapshotProtocol.SaveSnapshot(
            SnapshotMetadata.apply(persistenceId, sequenceNr, 0L), value),
        probe.getRef());
    return probe.expectMsgClass(TIMEOUT, SaveSnapshotFailure.class);
  }

  Optional<SelectedSnapshot> load(String persistenceId, SnapshotSelectionCriteria criteria) {
    store.tell(
        new SnapshotProtocol.LoadSnapshot(persistenceId, criteria, Long.MAX_VALUE), probe.getRef());
    SnapshotProtocol.LoadSnapshotResult result =
        probe.expectMsgClass(TIMEOUT, SnapshotProtocol.LoadSnapshotResult.class);
    return OptionConverters.toJava(result.snapshot());
  }

  Optional<SelectedSnapshot> loadLatest(String persistenceId) {
    return load(persistenceId, SnapshotSelectionCriteria.latest());
  }

  SnapshotProtocol.LoadSnapshotFailed loadExpectingFailure(String persistenceId) {
    store.tell(
        new SnapshotProtocol.LoadSnapshot(
            persistenceId, SnapshotSelectionCriteria.latest(), Long.MAX_VALUE),
        probe.getRef());
    return probe.expectMsgClass(TIMEOUT, SnapshotProtocol.LoadSnapshotFailed.class);
  }

  void delete(SnapshotMetadata metadata) {
    store.tell(new SnapshotProtocol.DeleteSnapshot(metadata), probe.getRef());
    probe.expectMsgClass(TIMEOUT, DeleteSnapshotSuccess.class);
  }

  void delete(String persistenceId, SnapshotSelectionCriteria criteria) {
    store.tell(new SnapshotProtocol.DeleteSnapshots(persistenceId, criteria), probe.getRef());
    probe.expectMsgClass(TIMEOUT, DeleteSnapshotsSuccess.class);
  }

  /** The messages of the next logged error's cause chain, one line each. */
  String nextErrorCauses() {
    Logging.Error error = errors.expectMsgClass(TIMEOUT, Logging.Error.class);
    StringBuilder sb = new StringBuilder(String.valueOf(error.message()));
    for (Throwable t = error.cause(); t != null; t = t.getCause()) {
      sb.append('\n').append(t);
    }
    return sb.toString();
  }

  @Override
  public void close() {
    TestKit.shutdownActorSystem(system, TIMEOUT, true);
  }
}
