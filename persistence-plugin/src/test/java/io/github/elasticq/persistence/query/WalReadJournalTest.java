package io.github.elasticq.persistence.query;

import static org.assertj.core.api.Assertions.assertThat;

import com.typesafe.config.ConfigFactory;
import io.github.elasticq.persistence.query.javadsl.WalReadJournal;
import io.github.elasticq.persistence.testing.RefPayload;
import io.github.elasticq.persistence.wal.WriteAheadLog;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.ActorRef;
import org.apache.pekko.actor.ActorSystem;
import org.apache.pekko.persistence.AtomicWrite;
import org.apache.pekko.persistence.JournalProtocol;
import org.apache.pekko.persistence.Persistence;
import org.apache.pekko.persistence.PersistentEnvelope;
import org.apache.pekko.persistence.PersistentRepr;
import org.apache.pekko.persistence.query.EventEnvelope;
import org.apache.pekko.persistence.query.PersistenceQuery;
import org.apache.pekko.stream.javadsl.Sink;
import org.apache.pekko.testkit.javadsl.TestKit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import scala.jdk.javaapi.CollectionConverters;

/** The read journal through PersistenceQuery: current and live queries, javadsl and scaladsl. */
class WalReadJournalTest {
  static final Duration TIMEOUT = Duration.ofSeconds(20);

  @TempDir Path dir;
  ActorSystem system;
  ActorRef journal;
  TestKit probe;
  WalReadJournal queries;

  @BeforeEach
  void start() {
    system =
        ActorSystem.create(
            "query",
            ConfigFactory.parseString(
                    "pekko.persistence.journal.plugin = \"elasticq.journal\"\n"
                        + "pekko.loglevel = WARNING\n"
                        + "pekko.loggers = [\"org.apache.pekko.event.slf4j.Slf4jLogger\"]\n"
                        + "pekko.logging-filter = "
                        + "\"org.apache.pekko.event.slf4j.Slf4jLoggingFilter\"\n"
                        + "elasticq.query.refresh-interval = 30s\n"
                        + "elasticq.query.max-buffer-size = 3\n"
                        + RefPayload.SERIALIZATION_CONFIG
                        + "elasticq.journal.dir = \""
                        + dir.toString().replace("\\", "/")
                        + "\"")
                .withFallback(ConfigFactory.load()));
    journal = Persistence.get(system).journalFor("elasticq.journal", ConfigFactory.empty());
    probe = new TestKit(system);
    queries =
        PersistenceQuery.get(system)
            .getReadJournalFor(WalReadJournal.class, WalReadJournal.Identifier);
  }

  @AfterEach
  void stop() {
    TestKit.shutdownActorSystem(system);
  }

  void write(String pid, long from, long to) {
    List<PersistentEnvelope> ws = new ArrayList<>();
    for (long s = from; s <= to; s++) {
      PersistentRepr r = PersistentRepr.apply("e-" + s, s, pid, "", false, probe.getRef(), "w");
      ws.add(new AtomicWrite(CollectionConverters.asScala(List.of(r)).toList()));
    }
    journal.tell(
        new JournalProtocol.WriteMessages(
            CollectionConverters.asScala(ws).toList(), probe.getRef(), 1),
        ActorRef.noSender());
    probe.expectMsg(TIMEOUT, JournalProtocol.WriteMessagesSuccessful$.MODULE$);
    probe.receiveN((int) (to - from + 1), TIMEOUT);
  }

  static <T> T await(CompletionStage<T> s) throws Exception {
    return s.toCompletableFuture().get(TIMEOUT.toSeconds(), TimeUnit.SECONDS);
  }

  static List<Object> events(List<EventEnvelope> envs) {
    List<Object> l = new ArrayList<>();
    for (EventEnvelope e : envs) {
      assertThat(e.event()).isEqualTo("e-" + e.sequenceNr());
      l.add(e.event());
    }
    return l;
  }

  static List<Object> payloads(long from, long to) {
    List<Object> l = new ArrayList<>();
    for (long s = from; s <= to; s++) {
      l.add("e-" + s);
    }
    return l;
  }

  @Test
  void currentEventsByPersistenceId_ofEventHoldingActorRef_resolvesItAndCarriesMetadata()
      throws Exception {
    RefPayload event = new RefPayload(probe.getRef());
    PersistentRepr r =
        PersistentRepr.apply(event, 1, "refs", "", false, probe.getRef(), "w").withMetadata("m-1");
    journal.tell(
        new JournalProtocol.WriteMessages(
            CollectionConverters.asScala(
                    List.<PersistentEnvelope>of(
                        new AtomicWrite(CollectionConverters.asScala(List.of(r)).toList())))
                .toList(),
            probe.getRef(),
            1),
        ActorRef.noSender());
    probe.expectMsg(TIMEOUT, JournalProtocol.WriteMessagesSuccessful$.MODULE$);
    probe.expectMsgClass(TIMEOUT, JournalProtocol.WriteMessageSuccess.class);

    List<EventEnvelope> envs =
        await(
            queries
                .currentEventsByPersistenceId("refs", 0, Long.MAX_VALUE)
                .runWith(Sink.seq(), system));
    assertThat(envs).hasSize(1);
    assertThat(envs.get(0).event()).isEqualTo(event);
    assertThat(envs.get(0).eventMetadata()).isEqualTo(scala.Option.apply("m-1"));
  }

  @Test
  void currentEventsByPersistenceId_emitsStoredEventsAndCompletes() throws Exception {
    write("a", 1, 7);
    write("b", 1, 2);
    assertThat(
            events(
                await(
                    queries
                        .currentEventsByPersistenceId("a", 0, Long.MAX_VALUE)
                        .runWith(Sink.seq(), system))))
        .isEqualTo(payloads(1, 7));
    assertThat(
            events(
                await(queries.currentEventsByPersistenceId("a", 3, 5).runWith(Sink.seq(), system))))
        .isEqualTo(payloads(3, 5));
    assertThat(
            await(
                queries
                    .currentEventsByPersistenceId("none", 0, Long.MAX_VALUE)
                    .runWith(Sink.seq(), system)))
        .isEmpty();
    List<EventEnvelope> envs =
        await(
            queries
                .currentEventsByPersistenceId("b", 0, Long.MAX_VALUE)
                .runWith(Sink.seq(), system));
    assertThat(envs).extracting(EventEnvelope::persistenceId).containsOnly("b");
    assertThat(envs.get(1).offset())
        .isEqualTo(org.apache.pekko.persistence.query.Offset.sequence(2));
  }

  @Test
  void eventsByPersistenceId_isLive_newEventsAppear() throws Exception {
    write("a", 1, 2);
    CompletionStage<List<EventEnvelope>> live =
        queries.eventsByPersistenceId("a", 0, Long.MAX_VALUE).take(6).runWith(Sink.seq(), system);
    // refresh-interval is 30s: only the journal's notification can deliver these in time
    write("a", 3, 4);
    write("other", 1, 1);
    write("a", 5, 6);
    assertThat(events(await(live))).isEqualTo(payloads(1, 6));
    // a live stream also completes once toSequenceNr is reached
    assertThat(events(await(queries.eventsByPersistenceId("a", 2, 4).runWith(Sink.seq(), system))))
        .isEqualTo(payloads(2, 4));
  }

  @Test
  void persistenceIds_currentAndLive() throws Exception {
    write("x", 1, 1);
    write("y", 1, 1);
    assertThat(await(queries.currentPersistenceIds().runWith(Sink.seq(), system)))
        .containsExactly("x", "y");
    CompletionStage<List<String>> live =
        queries.persistenceIds().take(4).runWith(Sink.seq(), system);
    write("z", 1, 1);
    write("x", 2, 2);
    write("w", 1, 1);
    assertThat(await(live)).containsExactly("x", "y", "z", "w");
  }

  @Test
  void persistenceIds_moreThanOnePage_comeInOrderOnceEach() throws Exception {
    // max-buffer-size = 3: ten ids take four pages
    List<String> expected = new ArrayList<>();
    for (int i = 0; i < 10; i++) {
      write("page-" + i, 1, 1);
      expected.add("page-" + i);
    }
    assertThat(await(queries.currentPersistenceIds().runWith(Sink.seq(), system)))
        .containsExactlyElementsOf(expected);
    CompletionStage<List<String>> live =
        queries.persistenceIds().take(12).runWith(Sink.seq(), system);
    write("page-10", 1, 1);
    write("page-11", 1, 1);
    expected.add("page-10");
    expected.add("page-11");
    assertThat(await(live)).containsExactlyElementsOf(expected);
  }

  @Test
  void deletedEvents_areNotQueried() throws Exception {
    write("d", 1, 5);
    WriteAheadLog wal =
        io.github.elasticq.persistence.journal.WalRegistry.get(system).logFor("elasticq.journal");
    wal.deleteTo("d", 3).get();
    assertThat(
            events(
                await(
                    queries
                        .currentEventsByPersistenceId("d", 0, Long.MAX_VALUE)
                        .runWith(Sink.seq(), system))))
        .isEqualTo(payloads(4, 5));
  }

  @Test
  void eventsByPersistenceId_live_whenEventsUpToToSequenceNrAreDeleted_completes()
      throws Exception {
    // Sequence numbers are never reused (the highest is never lowered), so once every event up to
    // toSequenceNr is stored or deleted, a bounded live stream has nothing left to wait for. It
    // completes when it reads them (see eventsByPersistenceId_isLive_newEventsAppear); it must
    // also complete when deletion removed them first, instead of waiting for ever.
    write("gone", 1, 5);
    WriteAheadLog wal =
        io.github.elasticq.persistence.journal.WalRegistry.get(system).logFor("elasticq.journal");
    wal.deleteTo("gone", 4).get();
    assertThat(
            events(await(queries.eventsByPersistenceId("gone", 1, 4).runWith(Sink.seq(), system))))
        .isEmpty();
    assertThat(
            events(await(queries.eventsByPersistenceId("gone", 2, 5).runWith(Sink.seq(), system))))
        .isEqualTo(payloads(5, 5));
    wal.deleteTo("gone", Long.MAX_VALUE).get();
    assertThat(
            events(await(queries.eventsByPersistenceId("gone", 0, 5).runWith(Sink.seq(), system))))
        .isEmpty();
  }

  @Test
  void eventsByPersistenceId_live_toSequenceNrOfARejectedWrite_completesOnceAfterIsStored()
      throws Exception {
    // A rejected write (its event cannot be serialized) stores nothing, and the persistent actor
    // goes on with the next sequence number: 3 is never stored. A live stream bounded by 3 must
    // complete once 4 is stored, as a current one does, instead of waiting for 3 for ever.
    write("gap", 1, 2);
    PersistentRepr bad =
        PersistentRepr.apply(new Object(), 3, "gap", "", false, probe.getRef(), "w");
    journal.tell(
        new JournalProtocol.WriteMessages(
            CollectionConverters.asScala(
                    List.<PersistentEnvelope>of(
                        new AtomicWrite(CollectionConverters.asScala(List.of(bad)).toList())))
                .toList(),
            probe.getRef(),
            1),
        ActorRef.noSender());
    probe.expectMsg(TIMEOUT, JournalProtocol.WriteMessagesSuccessful$.MODULE$);
    probe.expectMsgClass(TIMEOUT, JournalProtocol.WriteMessageRejected.class);
    write("gap", 4, 4);
    assertThat(
            events(
                await(
                    queries.currentEventsByPersistenceId("gap", 1, 3).runWith(Sink.seq(), system))))
        .isEqualTo(payloads(1, 2));
    assertThat(
            events(await(queries.eventsByPersistenceId("gap", 1, 3).runWith(Sink.seq(), system))))
        .isEqualTo(payloads(1, 2));
  }

  @Test
  void scaladsl_isAvailableThroughPersistenceQuery() throws Exception {
    write("s", 1, 4);
    io.github.elasticq.persistence.query.scaladsl.WalReadJournal scala =
        PersistenceQuery.get(system)
            .readJournalFor(
                io.github.elasticq.persistence.query.scaladsl.WalReadJournal.Identifier,
                ConfigFactory.empty());
    List<EventEnvelope> got =
        await(
            scala
                .currentEventsByPersistenceId("s", 0, Long.MAX_VALUE)
                .asJava()
                .runWith(Sink.seq(), system));
    assertThat(events(got)).isEqualTo(payloads(1, 4));
    List<String> ids = await(scala.currentPersistenceIds().asJava().runWith(Sink.seq(), system));
    assertThat(ids).containsExactly("s");
    CompletionStage<List<EventEnvelope>> live =
        scala
            .eventsByPersistenceId("s", 0, Long.MAX_VALUE)
            .asJava()
            .take(5)
            .runWith(Sink.seq(), system);
    write("s", 5, 5);
    assertThat(events(await(live))).isEqualTo(payloads(1, 5));
  }
}
