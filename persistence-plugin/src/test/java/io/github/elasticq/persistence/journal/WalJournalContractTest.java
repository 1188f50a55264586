package io.github.elasticq.persistence.journal;

import static io.github.elasticq.persistence.journal.JournalTestSupport.atomic;
import static io.github.elasticq.persistence.journal.JournalTestSupport.repr;
import static io.github.elasticq.persistence.journal.JournalTestSupport.seq;
import static io.github.elasticq.persistence.journal.JournalTestSupport.system;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.elasticq.persistence.wal.WalTestHooks;
import io.github.elasticq.persistence.wal.WriteAheadLog;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.apache.pekko.actor.ActorRef;
import org.apache.pekko.actor.ActorSystem;
import org.apache.pekko.persistence.AtomicWrite;
import org.apache.pekko.persistence.DeleteMessagesSuccess;
import org.apache.pekko.persistence.JournalProtocol;
import org.apache.pekko.persistence.Persistence;
import org.apache.pekko.testkit.javadsl.TestKit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Pekko journal plugin contract, checked through the journal protocol the way Pekko's
 * (ScalaTest-based) persistence TCK does: atomic writes, rejections, failures, replay ranges,
 * deletes and the highest sequence number, across restarts.
 */
class WalJournalContractTest {
  static final Duration TIMEOUT = Duration.ofSeconds(20);

  @TempDir Path dir;
  ActorSystem system;
  ActorRef journal;
  TestKit probe;

  @BeforeEach
  void start() {
    startSystem();
  }

  @AfterEach
  void stop() {
    TestKit.shutdownActorSystem(system);
  }

  void startSystem() {
    system = system("contract", dir);
    journal =
        Persistence.get(system)
            .journalFor("elasticq.journal", com.typesafe.config.ConfigFactory.empty());
    probe = new TestKit(system);
  }

  void restartSystem() {
    TestKit.shutdownActorSystem(system);
    startSystem();
  }

  /** Writes events from..to of pid, one atomic write each, and expects success. */
  void writeEvents(String pid, long from, long to) {
    List<AtomicWrite> ws = new ArrayList<>();
    for (long s = from; s <= to; s++) {
      ws.add(atomic(repr("e-" + s, s, pid, probe.getRef())));
    }
    journal.tell(
        new JournalProtocol.WriteMessages(seq(ws.toArray(new AtomicWrite[0])), probe.getRef(), 1),
        ActorRef.noSender());
    probe.expectMsg(TIMEOUT, JournalProtocol.WriteMessagesSuccessful$.MODULE$);
    for (long s = from; s <= to; s++) {
      JournalProtocol.WriteMessageSuccess ok =
          probe.expectMsgClass(TIMEOUT, JournalProtocol.WriteMessageSuccess.class);
      assertThat(ok.persistent().sequenceNr()).isEqualTo(s);
    }
  }

  /** Replays and returns the payloads; checks the reported highest sequence number. */
  List<Object> replay(String pid, long from, long to, long max, long expectedHighest) {
    journal.tell(
        new JournalProtocol.ReplayMessages(from, to, max, pid, probe.getRef()),
        ActorRef.noSender());
    List<Object> out = new ArrayList<>();
    while (true) {
      Object m = probe.receiveOne(TIMEOUT);
      if (m instanceof JournalProtocol.ReplayedMessage r) {
        assertThat(r.persistent().persistenceId()).isEqualTo(pid);
        assertThat(r.persistent().payload()).isEqualTo("e-" + r.persistent().sequenceNr());
        assertThat(r.persistent().writerUuid()).isEqualTo("writer-1");
        out.add(r.persistent().payload());
      } else if (m instanceof JournalProtocol.RecoverySuccess s) {
        assertThat(s.highestSequenceNr()).isEqualTo(expectedHighest);
        return out;
      } else {
        throw new AssertionError("unexpected " + m);
      }
    }
  }

  static List<Object> payloads(long from, long to) {
    List<Object> l = new ArrayList<>();
    for (long s = from; s <= to; s++) {
      l.add("e-" + s);
    }
    return l;
  }

  void delete(String pid, long to) {
    journal.tell(
        new JournalProtocol.DeleteMessagesTo(pid, to, probe.getRef()), ActorRef.noSender());
    probe.expectMsg(TIMEOUT, new DeleteMessagesSuccess(to));
  }

  @Test
  void replay_fromToMax() {
    writeEvents("p", 1, 5);
    assertThat(replay("p", 1, Long.MAX_VALUE, Long.MAX_VALUE, 5)).isEqualTo(payloads(1, 5));
    assertThat(replay("p", 2, 3, Long.MAX_VALUE, 5)).isEqualTo(payloads(2, 3));
    assertThat(replay("p", 1, 5, 2, 5)).isEqualTo(payloads(1, 2));
    assertThat(replay("p", 1, 5, 0, 5)).isEmpty();
    assertThat(replay("p", 4, 2, Long.MAX_VALUE, 5)).isEmpty();
    assertThat(replay("unknown", 1, Long.MAX_VALUE, Long.MAX_VALUE, 0)).isEmpty();
    restartSystem();
    assertThat(replay("p", 3, Long.MAX_VALUE, Long.MAX_VALUE, 5)).isEqualTo(payloads(3, 5));
  }

  @Test
  void atomicWrite_withNonSerializablePayload_isRejected_othersSucceed() {
    ActorRef ref = probe.getRef();
    journal.tell(
        new JournalProtocol.WriteMessages(
            seq(
                atomic(repr("e-1", 1, "p", ref)),
                atomic(repr(new NotSerializable(), 2, "p", ref), repr("e-3", 3, "p", ref)),
                atomic(repr("e-4", 4, "p", ref))),
            ref,
            1),
        ActorRef.noSender());
    probe.expectMsg(TIMEOUT, JournalProtocol.WriteMessagesSuccessful$.MODULE$);
    assertThat(
            probe
                .expectMsgClass(TIMEOUT, JournalProtocol.WriteMessageSuccess.class)
                .persistent()
                .sequenceNr())
        .isEqualTo(1);
    JournalProtocol.WriteMessageRejected r2 =
        probe.expectMsgClass(TIMEOUT, JournalProtocol.WriteMessageRejected.class);
    assertThat(r2.message().sequenceNr()).isEqualTo(2);
    assertThat(r2.cause()).hasMessageContaining("NotSerializable");
    assertThat(
            probe
                .expectMsgClass(TIMEOUT, JournalProtocol.WriteMessageRejected.class)
                .message()
                .sequenceNr())
        .isEqualTo(3);
    assertThat(
            probe
                .expectMsgClass(TIMEOUT, JournalProtocol.WriteMessageSuccess.class)
                .persistent()
                .sequenceNr())
        .isEqualTo(4);
    // all-or-nothing: neither 2 nor its sibling 3 was stored
    assertThat(replay("p", 1, Long.MAX_VALUE, Long.MAX_VALUE, 4)).containsExactly("e-1", "e-4");
  }

  /**
   * A persistence id with an unpaired surrogate has no UTF-8 form: it used to be stored as {@code
   * order-?}, so after a restart its events belonged to that other id.
   */
  @Test
  void persistenceIdWithAnUnpairedSurrogate_isRejected_anotherIdKeepsItsEvents() {
    ActorRef ref = probe.getRef();
    journal.tell(
        new JournalProtocol.WriteMessages(
            seq(
                atomic(repr("e-1", 1, "order-\uD800", ref)),
                atomic(repr("e-1", 1, "order-?", ref))),
            ref,
            1),
        ActorRef.noSender());
    probe.expectMsg(TIMEOUT, JournalProtocol.WriteMessagesSuccessful$.MODULE$);
    assertThat(probe.expectMsgClass(TIMEOUT, JournalProtocol.WriteMessageRejected.class).cause())
        .hasMessageContaining("persistence id [order-\\uD800]")
        .hasMessageContaining("unpaired UTF-16 surrogate");
    probe.expectMsgClass(TIMEOUT, JournalProtocol.WriteMessageSuccess.class);
    restartSystem();
    assertThat(replay("order-?", 1, Long.MAX_VALUE, Long.MAX_VALUE, 1)).containsExactly("e-1");
  }

  @Test
  void atomicWrite_multiEvent_isReplayedWhole() {
    ActorRef ref = probe.getRef();
    journal.tell(
        new JournalProtocol.WriteMessages(
            seq(
                atomic(
                    repr("e-1", 1, "m", ref), repr("e-2", 2, "m", ref), repr("e-3", 3, "m", ref))),
            ref,
            1),
        ActorRef.noSender());
    probe.expectMsg(TIMEOUT, JournalProtocol.WriteMessagesSuccessful$.MODULE$);
    probe.receiveN(3, TIMEOUT);
    restartSystem();
    assertThat(replay("m", 1, Long.MAX_VALUE, Long.MAX_VALUE, 3)).isEqualTo(payloads(1, 3));
  }

  @Test
  void storageFailure_failsTheWrite_neverRejects() {
    writeEvents("p", 1, 2);
    WriteAheadLog wal = WalRegistry.get(system).logFor("elasticq.journal");
    WalTestHooks.breakActiveChannel(wal);
    ActorRef ref = probe.getRef();
    journal.tell(
        new JournalProtocol.WriteMessages(
            seq(atomic(repr("e-3", 3, "p", ref)), atomic(repr("e-4", 4, "p", ref))), ref, 1),
        ActorRef.noSender());
    JournalProtocol.WriteMessagesFailed failed =
        probe.expectMsgClass(TIMEOUT, JournalProtocol.WriteMessagesFailed.class);
    assertThat(failed.cause()).isInstanceOf(IOException.class);
    assertThat(
            probe
                .expectMsgClass(TIMEOUT, JournalProtocol.WriteMessageFailure.class)
                .message()
                .sequenceNr())
        .isEqualTo(3);
    assertThat(
            probe
                .expectMsgClass(TIMEOUT, JournalProtocol.WriteMessageFailure.class)
                .message()
                .sequenceNr())
        .isEqualTo(4);
    // the log repaired itself: the failed events are gone, new writes work
    assertThat(replay("p", 1, Long.MAX_VALUE, Long.MAX_VALUE, 2)).isEqualTo(payloads(1, 2));
    writeEvents("p", 3, 4);
    assertThat(replay("p", 1, Long.MAX_VALUE, Long.MAX_VALUE, 4)).isEqualTo(payloads(1, 4));
  }

  @Test
  void deleteTo_hidesEvents_andKeepsHighest_acrossCompactionAndRestart() throws Exception {
    writeEvents("p", 1, 10);
    delete("p", 3);
    assertThat(replay("p", 1, Long.MAX_VALUE, Long.MAX_VALUE, 10)).isEqualTo(payloads(4, 10));
    delete("p", Long.MAX_VALUE);
    assertThat(replay("p", 1, Long.MAX_VALUE, Long.MAX_VALUE, 10)).isEmpty();
    restartSystem();
    assertThat(replay("p", 1, Long.MAX_VALUE, Long.MAX_VALUE, 10)).isEmpty();
    writeEvents("p", 11, 12);
    assertThat(replay("p", 1, Long.MAX_VALUE, Long.MAX_VALUE, 12)).isEqualTo(payloads(11, 12));
    delete("p", 12);
    writeEvents("other", 1, 1);
    WriteAheadLog wal = WalRegistry.get(system).logFor("elasticq.journal");
    wal.compact(0.01);
    assertThat(replay("p", 1, Long.MAX_VALUE, Long.MAX_VALUE, 12)).isEmpty();
    restartSystem();
    assertThat(replay("p", 1, Long.MAX_VALUE, Long.MAX_VALUE, 12)).isEmpty();
    assertThat(replay("other", 1, Long.MAX_VALUE, Long.MAX_VALUE, 1)).isEqualTo(payloads(1, 1));
  }

  @Test
  void secondActorSystem_onSameDirectory_failsNamingTheDirectory() {
    writeEvents("p", 1, 1);
    ActorSystem second = system("second", dir);
    try {
      assertThatThrownBy(() -> WalRegistry.get(second).logFor("elasticq.journal"))
          .isInstanceOf(IllegalStateException.class)
          .hasMessageContaining("elasticq.journal")
          .hasMessageContaining(dir.toAbsolutePath().normalize().toString())
          .hasMessageContaining("already");
    } finally {
      TestKit.shutdownActorSystem(second);
    }
  }

  /**
   * A log asked for after its system terminated (a late read-journal stream step, a health probe)
   * used to open again and hold the directory until the JVM exited: the next system in this JVM
   * could not open it.
   */
  @Test
  void afterTermination_noLogOpensAgain_andTheNextSystemOpensTheDirectory() {
    writeEvents("p", 1, 3);
    ActorSystem terminated = system;
    TestKit.shutdownActorSystem(terminated);
    assertThatThrownBy(() -> WalRegistry.get(terminated).logFor("elasticq.journal"))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("elasticq.journal")
        .hasMessageContaining("terminated");
    startSystem();
    assertThat(replay("p", 1, Long.MAX_VALUE, Long.MAX_VALUE, 3)).isEqualTo(payloads(1, 3));
  }

  @Test
  void invalidConfiguration_failsNamingTheKey() {
    com.typesafe.config.Config bad =
        JournalTestSupport.config(dir.resolve("x"), "elasticq.journal.sync-mode = sometimes");
    ActorSystem s = ActorSystem.create("bad", bad);
    try {
      assertThatThrownBy(() -> WalRegistry.get(s).logFor("elasticq.journal"))
          .hasMessageContaining("elasticq.journal.sync-mode")
          .hasMessageContaining("sometimes");
    } finally {
      TestKit.shutdownActorSystem(s);
    }
  }

  /** No serializer is bound to this class (Java serialization is off by default). */
  static final class NotSerializable {}
}
