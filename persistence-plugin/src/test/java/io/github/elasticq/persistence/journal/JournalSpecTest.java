package io.github.elasticq.persistence.journal;

import static org.assertj.core.api.Assertions.assertThat;

import com.typesafe.config.ConfigFactory;
import io.github.elasticq.persistence.testing.RefPayload;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.pekko.actor.ActorRef;
import org.apache.pekko.actor.ActorSystem;
import org.apache.pekko.persistence.AtomicWrite;
import org.apache.pekko.persistence.DeleteMessagesSuccess;
import org.apache.pekko.persistence.JournalProtocol;
import org.apache.pekko.persistence.Persistence;
import org.apache.pekko.persistence.PersistentRepr;
import org.apache.pekko.testkit.javadsl.TestKit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import scala.Option;
import scala.jdk.javaapi.CollectionConverters;

/**
 * Every case of Pekko's journal plugin TCK ({@code JournalSpec} of pekko-persistence-tck), ported
 * to JUnit 5 (the project stays ScalaTest-free) and run against {@code elasticq.journal} with every
 * capability flag a complete plugin turns on: atomic multi-event writes, rejection of
 * non-serializable events, serialization of events holding an {@link ActorRef} (which needs Pekko's
 * transport information) and {@code PersistentRepr} metadata.
 *
 * <p>As in the TCK, each case starts with events 1..5 of a fresh persistence id, written as four
 * atomic writes (4 and 5 together) by a sender probe.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class JournalSpecTest {
  static final Duration TIMEOUT = Duration.ofSeconds(15);
  static final AtomicInteger IDS = new AtomicInteger();

  @TempDir static Path dir;
  ActorSystem system;
  ActorRef journal;

  String pid;
  String writerUuid;
  TestKit senderProbe;
  TestKit receiverProbe;

  @BeforeAll
  void startSystem() {
    system =
        ActorSystem.create(
            "journal-spec",
            JournalTestSupport.config(
                dir,
                "pekko.persistence.publish-plugin-commands = on\n"
                    + RefPayload.SERIALIZATION_CONFIG));
    journal = Persistence.get(system).journalFor("elasticq.journal", ConfigFactory.empty());
  }

  @AfterAll
  void stopSystem() {
    TestKit.shutdownActorSystem(system);
  }

  @BeforeEach
  void writeFiveEvents() {
    pid = "p-" + IDS.incrementAndGet();
    writerUuid = UUID.randomUUID().toString();
    senderProbe = new TestKit(system);
    receiverProbe = new TestKit(system);
    writeMessages(1, 5, senderProbe.getRef());
  }

  PersistentRepr repr(Object payload, long sequenceNr, ActorRef sender) {
    return PersistentRepr.apply(payload, sequenceNr, pid, "", false, sender, writerUuid);
  }

  static AtomicWrite atomic(PersistentRepr... reprs) {
    return new AtomicWrite(CollectionConverters.asScala(List.of(reprs)).toList());
  }

  void write(List<AtomicWrite> writes, ActorRef to) {
    journal.tell(
        new JournalProtocol.WriteMessages(
            JournalTestSupport.seq(writes.toArray(new AtomicWrite[0])), to, 1),
        ActorRef.noSender());
  }

  void writeMessages(int from, int to, ActorRef sender) {
    List<AtomicWrite> writes = new ArrayList<>();
    for (int i = from; i < to; i++) {
      writes.add(
          i == to - 1
              ? atomic(repr("a-" + i, i, sender), repr("a-" + (i + 1), i + 1, sender))
              : atomic(repr("a-" + i, i, sender)));
    }
    TestKit probe = new TestKit(system);
    write(writes, probe.getRef());
    probe.expectMsg(TIMEOUT, JournalProtocol.WriteMessagesSuccessful$.MODULE$);
    for (int i = from; i <= to; i++) {
      PersistentRepr p =
          probe.expectMsgClass(TIMEOUT, JournalProtocol.WriteMessageSuccess.class).persistent();
      assertThat(p.payload()).isEqualTo("a-" + i);
      assertThat(p.sequenceNr()).isEqualTo(i);
      assertThat(p.persistenceId()).isEqualTo(pid);
      assertThat(p.sender()).isEqualTo(sender);
      assertThat(p.writerUuid()).isEqualTo(writerUuid);
    }
  }

  void replay(long from, long to, long max) {
    replay(from, to, max, pid);
  }

  void replay(long from, long to, long max, String persistenceId) {
    journal.tell(
        new JournalProtocol.ReplayMessages(from, to, max, persistenceId, receiverProbe.getRef()),
        ActorRef.noSender());
  }

  /** The next message must be the replay of "a-snr" as the TCK's {@code replayedMessage} says. */
  PersistentRepr expectReplayed(long snr) {
    PersistentRepr p =
        receiverProbe.expectMsgClass(TIMEOUT, JournalProtocol.ReplayedMessage.class).persistent();
    if (p.payload() instanceof String) {
      assertThat(p.payload()).isEqualTo("a-" + snr);
    }
    assertThat(p.sequenceNr()).isEqualTo(snr);
    assertThat(p.persistenceId()).isEqualTo(pid);
    assertThat(p.manifest()).isEqualTo(PersistentRepr.Undefined());
    assertThat(p.deleted()).isFalse();
    assertThat(p.sender()).isEqualTo(ActorRef.noSender());
    assertThat(p.writerUuid()).isEqualTo(writerUuid);
    return p;
  }

  void expectReplayed(long from, long to) {
    for (long i = from; i <= to; i++) {
      assertThat(expectReplayed(i).metadata().isEmpty()).isTrue();
    }
  }

  void expectRecoverySuccess(long highest) {
    receiverProbe.expectMsg(TIMEOUT, new JournalProtocol.RecoverySuccess(highest));
  }

  @Test
  void replay_allMessages() {
    replay(1, Long.MAX_VALUE, Long.MAX_VALUE);
    expectReplayed(1, 5);
    expectRecoverySuccess(5);
  }

  @Test
  void replay_withLowerSequenceNrBound() {
    replay(3, Long.MAX_VALUE, Long.MAX_VALUE);
    expectReplayed(3, 5);
    expectRecoverySuccess(5);
  }

  @Test
  void replay_withUpperSequenceNrBound() {
    replay(1, 3, Long.MAX_VALUE);
    expectReplayed(1, 3);
    expectRecoverySuccess(5);
  }

  @Test
  void replay_withCountLimit() {
    replay(1, Long.MAX_VALUE, 3);
    expectReplayed(1, 3);
    expectRecoverySuccess(5);
  }

  @Test
  void replay_withLowerAndUpperBound() {
    replay(2, 3, Long.MAX_VALUE);
    expectReplayed(2, 3);
    expectRecoverySuccess(5);
  }

  @Test
  void replay_withLowerAndUpperBoundAndCountLimit() {
    replay(2, 5, 2);
    expectReplayed(2, 3);
    expectRecoverySuccess(5);
  }

  @Test
  void replay_whenLowerBoundEqualsUpperBound_replaysOne() {
    replay(2, 2, Long.MAX_VALUE);
    expectReplayed(2, 2);
    expectRecoverySuccess(5);
  }

  @Test
  void replay_whenCountLimitIsOne_replaysOne() {
    replay(2, 4, 1);
    expectReplayed(2, 2);
    expectRecoverySuccess(5);
  }

  @Test
  void replay_whenCountLimitIsZero_replaysNothing() {
    replay(2, 4, 0);
    expectRecoverySuccess(5);
  }

  @Test
  void replay_whenLowerBoundAboveUpperBound_replaysNothing() {
    replay(3, 2, Long.MAX_VALUE);
    expectRecoverySuccess(5);
  }

  @Test
  void replay_ofPersistenceIdWithoutEvents_replaysNothing() {
    replay(0, Long.MAX_VALUE, Long.MAX_VALUE, "non-existing-pid");
    expectRecoverySuccess(0);
  }

  @Test
  void replay_afterRangeDeletion_skipsDeletedMessages() {
    TestKit deleter = new TestKit(system);
    TestKit sub = new TestKit(system);
    JournalProtocol.DeleteMessagesTo cmd =
        new JournalProtocol.DeleteMessagesTo(pid, 3, deleter.getRef());
    system.getEventStream().subscribe(sub.getRef(), JournalProtocol.DeleteMessagesTo.class);
    journal.tell(cmd, ActorRef.noSender());
    sub.expectMsg(TIMEOUT, cmd);
    deleter.expectMsg(TIMEOUT, new DeleteMessagesSuccess(3));

    replay(1, Long.MAX_VALUE, Long.MAX_VALUE);
    expectReplayed(4, 5);
    deleter.expectNoMessage(Duration.ofMillis(200));
    system.getEventStream().unsubscribe(sub.getRef());
  }

  @Test
  void highestSequenceNr_afterDeletion_isNotReset() {
    replay(0, Long.MAX_VALUE, Long.MAX_VALUE);
    expectReplayed(1, 5);
    expectRecoverySuccess(5);

    journal.tell(
        new JournalProtocol.DeleteMessagesTo(pid, 3, receiverProbe.getRef()), ActorRef.noSender());
    receiverProbe.expectMsg(TIMEOUT, new DeleteMessagesSuccess(3));

    replay(0, Long.MAX_VALUE, Long.MAX_VALUE);
    expectReplayed(4, 5);
    expectRecoverySuccess(5);
  }

  @Test
  void highestSequenceNr_afterDeletingEverything_isNotReset() {
    replay(0, Long.MAX_VALUE, Long.MAX_VALUE);
    expectReplayed(1, 5);
    expectRecoverySuccess(5);

    journal.tell(
        new JournalProtocol.DeleteMessagesTo(pid, Long.MAX_VALUE, receiverProbe.getRef()),
        ActorRef.noSender());
    receiverProbe.expectMsg(TIMEOUT, new DeleteMessagesSuccess(Long.MAX_VALUE));

    replay(0, Long.MAX_VALUE, Long.MAX_VALUE);
    expectRecoverySuccess(5);
  }

  /** The TCK's optional cases ("A Journal optionally may ..."), each capability turned on. */
  @Nested
  @TestInstance(TestInstance.Lifecycle.PER_CLASS)
  class Optionally {

    @Test
    void write_withNonSerializableEvent_rejectsItAndStoresTheOthers() {
      Object notSerializable =
          new Object() {
            @Override
            public String toString() {
              return "not serializable";
            }
          };
      List<AtomicWrite> writes = new ArrayList<>();
      for (int i = 6; i <= 8; i++) {
        writes.add(atomic(repr(i == 7 ? notSerializable : "b-" + i, i, ActorRef.noSender())));
      }
      TestKit probe = new TestKit(system);
      write(writes, probe.getRef());
      probe.expectMsg(TIMEOUT, JournalProtocol.WriteMessagesSuccessful$.MODULE$);
      JournalProtocol.WriteMessageSuccess six =
          probe.expectMsgClass(TIMEOUT, JournalProtocol.WriteMessageSuccess.class);
      assertThat(six.persistent().payload()).isEqualTo("b-6");
      JournalProtocol.WriteMessageRejected seven =
          probe.expectMsgClass(TIMEOUT, JournalProtocol.WriteMessageRejected.class);
      assertThat(seven.message().sequenceNr()).isEqualTo(7);
      assertThat(seven.message().payload()).isSameAs(notSerializable);
      assertThat(seven.message().writerUuid()).isEqualTo(writerUuid);
      JournalProtocol.WriteMessageSuccess eight =
          probe.expectMsgClass(TIMEOUT, JournalProtocol.WriteMessageSuccess.class);
      assertThat(eight.persistent().payload()).isEqualTo("b-8");
    }

    @Test
    void write_ofEventHoldingActorRef_isStoredAndReplaysToTheSameActor() {
      TestKit probe = new TestKit(system);
      RefPayload event = new RefPayload(probe.getRef());
      write(List.of(atomic(repr(event, 6, ActorRef.noSender()))), probe.getRef());
      probe.expectMsg(TIMEOUT, JournalProtocol.WriteMessagesSuccessful$.MODULE$);
      Object reply = probe.receiveOne(TIMEOUT);
      assertThat(reply)
          .as("the write of an event holding an ActorRef must succeed, not be rejected")
          .isInstanceOf(JournalProtocol.WriteMessageSuccess.class);
      assertThat(((JournalProtocol.WriteMessageSuccess) reply).persistent().payload())
          .isEqualTo(event);

      replay(6, Long.MAX_VALUE, Long.MAX_VALUE);
      Object replayed = expectReplayed(6).payload();
      assertThat(replayed).isEqualTo(event);
      receiverProbe.expectMsgClass(TIMEOUT, JournalProtocol.RecoverySuccess.class);
      // the ref resolved on replay reaches the very actor that was stored
      ((RefPayload) replayed).ref().tell("ping", ActorRef.noSender());
      probe.expectMsg(TIMEOUT, "ping");
    }

    @Test
    void write_withMetadata_returnsAndReplaysIt() {
      TestKit probe = new TestKit(system);
      RefPayload event = new RefPayload(probe.getRef());
      String meta = "meta-data";
      write(
          List.of(atomic(repr(event, 6, ActorRef.noSender()).withMetadata(meta))), probe.getRef());
      probe.expectMsg(TIMEOUT, JournalProtocol.WriteMessagesSuccessful$.MODULE$);
      Object reply = probe.receiveOne(TIMEOUT);
      assertThat(reply).isInstanceOf(JournalProtocol.WriteMessageSuccess.class);
      PersistentRepr written = ((JournalProtocol.WriteMessageSuccess) reply).persistent();
      assertThat(written.metadata()).isEqualTo(Option.apply(meta));
      assertThat(written.payload()).isEqualTo(event);

      replay(6, 6, 1);
      PersistentRepr replayed = expectReplayed(6);
      assertThat(replayed.payload()).isEqualTo(event);
      assertThat(replayed.metadata()).isEqualTo(Option.apply(meta));
      expectRecoverySuccess(6);
    }

    @Test
    void write_withMetadataHoldingActorRef_replaysItResolved() {
      TestKit probe = new TestKit(system);
      RefPayload meta = new RefPayload(probe.getRef());
      write(
          List.of(atomic(repr("a-6", 6, ActorRef.noSender()).withMetadata(meta))), probe.getRef());
      probe.expectMsg(TIMEOUT, JournalProtocol.WriteMessagesSuccessful$.MODULE$);
      probe.expectMsgClass(TIMEOUT, JournalProtocol.WriteMessageSuccess.class);

      replay(1, Long.MAX_VALUE, Long.MAX_VALUE);
      expectReplayed(1, 5);
      assertThat(expectReplayed(6).metadata()).isEqualTo(Option.apply(meta));
      expectRecoverySuccess(6);
    }
  }
}
