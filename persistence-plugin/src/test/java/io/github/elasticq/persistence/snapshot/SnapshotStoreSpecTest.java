package io.github.elasticq.persistence.snapshot;

import static org.assertj.core.api.Assertions.assertThat;

import com.typesafe.config.ConfigFactory;
import io.github.elasticq.persistence.testing.RefPayload;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.pekko.actor.ActorRef;
import org.apache.pekko.actor.ActorSystem;
import org.apache.pekko.persistence.DeleteSnapshotSuccess;
import org.apache.pekko.persistence.DeleteSnapshotsSuccess;
import org.apache.pekko.persistence.Persistence;
import org.apache.pekko.persistence.SaveSnapshotSuccess;
import org.apache.pekko.persistence.SelectedSnapshot;
import org.apache.pekko.persistence.SnapshotMetadata;
import org.apache.pekko.persistence.SnapshotProtocol;
import org.apache.pekko.persistence.SnapshotSelectionCriteria;
import org.apache.pekko.testkit.javadsl.TestKit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import scala.Option;

/**
 * Every case of Pekko's snapshot-store plugin TCK ({@code SnapshotStoreSpec} of
 * pekko-persistence-tck), ported to JUnit 5 and run against {@code elasticq.snapshot-store} with
 * both optional capabilities on: serialization of a snapshot holding an {@link ActorRef} (which
 * needs Pekko's transport information) and snapshot metadata.
 *
 * <p>As in the TCK, each case starts with snapshots "s-1".."s-5" at sequence numbers 11..15 of a
 * fresh persistence id.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class SnapshotStoreSpecTest {
  static final Duration TIMEOUT = Duration.ofSeconds(15);
  static final AtomicInteger IDS = new AtomicInteger();

  @TempDir static Path dir;
  ActorSystem system;
  ActorRef store;

  String pid;
  TestKit senderProbe;
  List<SnapshotMetadata> metadata;

  @BeforeAll
  void startSystem() {
    system =
        ActorSystem.create(
            "snapshot-store-spec",
            ConfigFactory.parseString(
                    "pekko.persistence.publish-plugin-commands = on\n"
                        + "pekko.persistence.journal.plugin = \"pekko.persistence.journal.inmem\"\n"
                        + "pekko.persistence.snapshot-store.plugin = \"elasticq.snapshot-store\"\n"
                        + "pekko.loglevel = WARNING\n"
                        + "elasticq.snapshot-store.dir = \""
                        + dir.toString().replace("\\", "/")
                        + "\"\n"
                        + RefPayload.SERIALIZATION_CONFIG)
                .withFallback(ConfigFactory.load()));
    store =
        Persistence.get(system).snapshotStoreFor("elasticq.snapshot-store", ConfigFactory.empty());
  }

  @AfterAll
  void stopSystem() {
    TestKit.shutdownActorSystem(system);
  }

  @BeforeEach
  void writeSnapshots() {
    pid = "p-" + IDS.incrementAndGet();
    senderProbe = new TestKit(system);
    metadata = new ArrayList<>();
    for (int i = 1; i <= 5; i++) {
      metadata.add(save(SnapshotMetadata.apply(pid, i + 10, 0L), "s-" + i));
    }
  }

  SnapshotMetadata save(SnapshotMetadata md, Object snapshot) {
    store.tell(new SnapshotProtocol.SaveSnapshot(md, snapshot), senderProbe.getRef());
    Object reply = senderProbe.receiveOne(TIMEOUT);
    assertThat(reply).as("reply to saving %s", snapshot).isInstanceOf(SaveSnapshotSuccess.class);
    return ((SaveSnapshotSuccess) reply).metadata();
  }

  SnapshotProtocol.LoadSnapshotResult load(SnapshotSelectionCriteria criteria, long toSequenceNr) {
    return load(pid, criteria, toSequenceNr);
  }

  SnapshotProtocol.LoadSnapshotResult load(
      String persistenceId, SnapshotSelectionCriteria criteria, long toSequenceNr) {
    store.tell(
        new SnapshotProtocol.LoadSnapshot(persistenceId, criteria, toSequenceNr),
        senderProbe.getRef());
    return senderProbe.expectMsgClass(TIMEOUT, SnapshotProtocol.LoadSnapshotResult.class);
  }

  static SnapshotProtocol.LoadSnapshotResult result(
      SnapshotMetadata md, Object snapshot, long toSequenceNr) {
    return new SnapshotProtocol.LoadSnapshotResult(
        Option.apply(SelectedSnapshot.apply(md, snapshot)), toSequenceNr);
  }

  static SnapshotProtocol.LoadSnapshotResult none(long toSequenceNr) {
    return new SnapshotProtocol.LoadSnapshotResult(Option.empty(), toSequenceNr);
  }

  static SnapshotSelectionCriteria criteria(long maxSequenceNr, long maxTimestamp) {
    return SnapshotSelectionCriteria.create(maxSequenceNr, maxTimestamp);
  }

  static SnapshotSelectionCriteria latest() {
    return SnapshotSelectionCriteria.latest();
  }

  @Test
  void load_ofInvalidPersistenceId_findsNothing() {
    assertThat(load("invalid", latest(), Long.MAX_VALUE)).isEqualTo(none(Long.MAX_VALUE));
  }

  @Test
  void load_withNonMatchingTimestampCriteria_findsNothing() {
    assertThat(load(criteria(Long.MAX_VALUE, 100), Long.MAX_VALUE)).isEqualTo(none(Long.MAX_VALUE));
  }

  @Test
  void load_withNonMatchingSequenceNrCriteria_findsNothing() {
    assertThat(load(criteria(7, Long.MAX_VALUE), Long.MAX_VALUE)).isEqualTo(none(Long.MAX_VALUE));
    assertThat(load(latest(), 7)).isEqualTo(none(7));
  }

  @Test
  void load_returnsTheMostRecentSnapshot() {
    assertThat(load(latest(), Long.MAX_VALUE))
        .isEqualTo(result(metadata.get(4), "s-5", Long.MAX_VALUE));
  }

  @Test
  void load_withUpperSequenceNrBound_returnsMostRecentInside() {
    assertThat(load(criteria(13, Long.MAX_VALUE), Long.MAX_VALUE))
        .isEqualTo(result(metadata.get(2), "s-3", Long.MAX_VALUE));
    assertThat(load(latest(), 13)).isEqualTo(result(metadata.get(2), "s-3", 13));
  }

  @Test
  void load_withUpperSequenceNrAndTimestampBounds_returnsMostRecentInside() {
    long ts = metadata.get(2).timestamp();
    assertThat(load(criteria(13, ts), Long.MAX_VALUE))
        .isEqualTo(result(metadata.get(2), "s-3", Long.MAX_VALUE));
    assertThat(load(criteria(Long.MAX_VALUE, ts), 13))
        .isEqualTo(result(metadata.get(2), "s-3", 13));
  }

  @Test
  void delete_singleSnapshotBySequenceNr_leavesTheOthers() {
    SnapshotMetadata md = SnapshotMetadata.apply(pid, metadata.get(2).sequenceNr(), 0L);
    SnapshotProtocol.DeleteSnapshot cmd = new SnapshotProtocol.DeleteSnapshot(md);
    TestKit sub = new TestKit(system);
    system.getEventStream().subscribe(sub.getRef(), SnapshotProtocol.DeleteSnapshot.class);
    store.tell(cmd, senderProbe.getRef());
    sub.expectMsg(TIMEOUT, cmd);
    senderProbe.expectMsg(TIMEOUT, new DeleteSnapshotSuccess(md));
    system.getEventStream().unsubscribe(sub.getRef());

    assertThat(load(criteria(md.sequenceNr(), Long.MAX_VALUE), Long.MAX_VALUE))
        .isEqualTo(result(metadata.get(1), "s-2", Long.MAX_VALUE));
  }

  @Test
  void delete_allMatchingSequenceNrAndTimestampBounds() {
    SnapshotMetadata md = metadata.get(2);
    SnapshotSelectionCriteria c = criteria(md.sequenceNr(), md.timestamp());
    SnapshotProtocol.DeleteSnapshots cmd = new SnapshotProtocol.DeleteSnapshots(pid, c);
    TestKit sub = new TestKit(system);
    system.getEventStream().subscribe(sub.getRef(), SnapshotProtocol.DeleteSnapshots.class);
    store.tell(cmd, senderProbe.getRef());
    sub.expectMsg(TIMEOUT, cmd);
    senderProbe.expectMsg(TIMEOUT, new DeleteSnapshotsSuccess(c));
    system.getEventStream().unsubscribe(sub.getRef());

    assertThat(load(c, Long.MAX_VALUE)).isEqualTo(none(Long.MAX_VALUE));
    SnapshotMetadata md4 = metadata.get(3);
    assertThat(load(criteria(md4.sequenceNr(), md4.timestamp()), Long.MAX_VALUE))
        .isEqualTo(result(md4, "s-4", Long.MAX_VALUE));
  }

  @Test
  void delete_withNonMatchingTimestampBound_deletesNothing() {
    SnapshotMetadata md = metadata.get(3);
    SnapshotSelectionCriteria c = criteria(md.sequenceNr(), md.timestamp() - 1);
    SnapshotProtocol.DeleteSnapshots cmd = new SnapshotProtocol.DeleteSnapshots(pid, c);
    TestKit sub = new TestKit(system);
    system.getEventStream().subscribe(sub.getRef(), SnapshotProtocol.DeleteSnapshots.class);
    store.tell(cmd, senderProbe.getRef());
    sub.expectMsg(TIMEOUT, cmd);
    senderProbe.expectMsg(TIMEOUT, new DeleteSnapshotsSuccess(c));
    system.getEventStream().unsubscribe(sub.getRef());

    assertThat(load(criteria(md.sequenceNr(), md.timestamp()), Long.MAX_VALUE))
        .isEqualTo(result(md, "s-4", Long.MAX_VALUE));
  }

  @Test
  void save_withSameSequenceNr_overwrites() {
    SnapshotMetadata md = metadata.get(4);
    SnapshotMetadata md2 = save(md, "s-5-modified");
    assertThat(md2.sequenceNr()).isEqualTo(md.sequenceNr());
    SnapshotProtocol.LoadSnapshotResult r =
        load(criteria(md.sequenceNr(), Long.MAX_VALUE), Long.MAX_VALUE);
    assertThat(r.snapshot().get().snapshot()).isEqualTo("s-5-modified");
    assertThat(r.snapshot().get().metadata().sequenceNr()).isEqualTo(md.sequenceNr());
  }

  @Test
  void save_ofTenThousandBytes_succeeds() {
    save(SnapshotMetadata.apply(pid, 100, 0L), "0".repeat(10_000));
    assertThat(load(latest(), Long.MAX_VALUE).snapshot().get().snapshot())
        .isEqualTo("0".repeat(10_000));
  }

  @Test
  void save_ofSnapshotHoldingActorRef_loadsItResolvedToTheSameActor() {
    TestKit probe = new TestKit(system);
    RefPayload snap = new RefPayload(probe.getRef());
    save(SnapshotMetadata.apply(pid, 100, 0L), snap);
    SnapshotProtocol.LoadSnapshotResult r = load(latest(), Long.MAX_VALUE);
    SelectedSnapshot selected = r.snapshot().get();
    assertThat(selected.metadata().persistenceId()).isEqualTo(pid);
    assertThat(selected.metadata().sequenceNr()).isEqualTo(100);
    assertThat(selected.snapshot()).isEqualTo(snap);
    ((RefPayload) selected.snapshot()).ref().tell("ping", ActorRef.noSender());
    probe.expectMsg(TIMEOUT, "ping");
  }

  @Test
  void save_withMetadata_storesAndLoadsIt() {
    String meta = "fictional metadata";
    save(SnapshotMetadata.apply(pid, 100, 0L).withMetadata(meta), "snap");
    SelectedSnapshot selected = load(latest(), Long.MAX_VALUE).snapshot().get();
    assertThat(selected.snapshot()).isEqualTo("snap");
    assertThat(selected.metadata().sequenceNr()).isEqualTo(100);
    assertThat(selected.metadata().metadata()).isEqualTo(Option.apply(meta));
  }

  @Test
  void save_withMetadataHoldingActorRef_loadsItResolved() {
    TestKit probe = new TestKit(system);
    RefPayload meta = new RefPayload(probe.getRef());
    save(SnapshotMetadata.apply(pid, 100, 0L).withMetadata(meta), "snap");
    SelectedSnapshot selected = load(latest(), Long.MAX_VALUE).snapshot().get();
    assertThat(selected.metadata().metadata()).isEqualTo(Option.apply(meta));
  }
}
