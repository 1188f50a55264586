package io.github.elasticq.persistence.snapshot;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.pekko.actor.ActorRef;
import org.apache.pekko.actor.PoisonPill;
import org.apache.pekko.actor.Props;
import org.apache.pekko.persistence.AbstractPersistentActor;
import org.apache.pekko.persistence.RecoveryCompleted;
import org.apache.pekko.persistence.SaveSnapshotFailure;
import org.apache.pekko.persistence.SaveSnapshotSuccess;
import org.apache.pekko.persistence.SnapshotOffer;
import org.apache.pekko.testkit.javadsl.TestKit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * End to end: a classic persistent actor (events in Pekko's in-memory journal, snapshots in {@link
 * FileSnapshotStore}) saves snapshots with {@code saveSnapshot} and recovers from them through
 * {@link SnapshotOffer}.
 */
class FileSnapshotStorePersistentActorTest {

  @TempDir Path tempDir;

  private SnapshotStoreFixture fixture;

  @BeforeEach
  void start() {
    fixture = new SnapshotStoreFixture("persistent-actor", tempDir.resolve("store"));
  }

  @AfterEach
  void stop() {
    fixture.close();
  }

  /** Sent by {@link WordList} when recovery is complete. */
  record Recovered(List<String> words) {}

  /** Appends words; snapshots its whole list after every third event. */
  static final class WordList extends AbstractPersistentActor {
    private final String persistenceId;
    private final ActorRef reporter;
    private final ArrayList<String> words = new ArrayList<>();

    WordList(String persistenceId, ActorRef reporter) {
      this.persistenceId = persistenceId;
      this.reporter = reporter;
    }

    @Override
    public String persistenceId() {
      return persistenceId;
    }

    @Override
    public Receive createReceiveRecover() {
      return receiveBuilder()
          .match(
              SnapshotOffer.class,
              offer -> {
                words.clear();
                // the snapshot is a String (serializable out of the box): words joined by ','
                for (String w : ((String) offer.snapshot()).split(",")) {
                  words.add(w);
                }
                reporter.tell(offer, getSelf());
              })
          .match(String.class, words::add)
          .match(
              RecoveryCompleted.class,
              done -> reporter.tell(new Recovered(List.copyOf(words)), getSelf()))
          .build();
    }

    @Override
    public Receive createReceive() {
      return receiveBuilder()
          .match(
              String.class,
              word ->
                  persist(
                      word,
                      w -> {
                        words.add(w);
                        if (lastSequenceNr() % 3 == 0) {
                          saveSnapshot(String.join(",", words));
                        }
                      }))
          .match(SaveSnapshotSuccess.class, ok -> reporter.tell(ok, getSelf()))
          .match(SaveSnapshotFailure.class, failed -> reporter.tell(failed, getSelf()))
          .build();
    }
  }

  private ActorRef startWordList(String persistenceId, TestKit reporter) {
    return fixture.system.actorOf(
        Props.create(WordList.class, () -> new WordList(persistenceId, reporter.getRef())));
  }

  @Test
  void recovery_afterSaveSnapshot_offersSnapshotThenReplaysLaterEvents() {
    TestKit reporter = new TestKit(fixture.system);
    ActorRef first = startWordList("words/1", reporter);
    assertThat(reporter.expectMsgClass(SnapshotStoreFixture.TIMEOUT, Recovered.class).words())
        .isEmpty();

    for (String w : List.of("a", "b", "c", "d", "e", "f", "g")) {
      first.tell(w, ActorRef.noSender());
    }
    // the two saves run concurrently on the plugin dispatcher: either may be confirmed first
    List<SaveSnapshotSuccess> saved =
        List.of(
            reporter.expectMsgClass(SnapshotStoreFixture.TIMEOUT, SaveSnapshotSuccess.class),
            reporter.expectMsgClass(SnapshotStoreFixture.TIMEOUT, SaveSnapshotSuccess.class));
    assertThat(saved).extracting(s -> s.metadata().sequenceNr()).containsExactlyInAnyOrder(3L, 6L);
    SaveSnapshotSuccess at6 =
        saved.stream().filter(s -> s.metadata().sequenceNr() == 6).findFirst().orElseThrow();
    reporter.watch(first);
    first.tell(PoisonPill.getInstance(), ActorRef.noSender());
    reporter.expectTerminated(SnapshotStoreFixture.TIMEOUT, first);

    startWordList("words/1", reporter);

    SnapshotOffer offer =
        reporter.expectMsgClass(SnapshotStoreFixture.TIMEOUT, SnapshotOffer.class);
    assertThat(offer.metadata().sequenceNr()).isEqualTo(6);
    assertThat(offer.metadata().timestamp()).isEqualTo(at6.metadata().timestamp());
    assertThat(offer.snapshot()).isEqualTo("a,b,c,d,e,f");
    assertThat(reporter.expectMsgClass(SnapshotStoreFixture.TIMEOUT, Recovered.class).words())
        .containsExactly("a", "b", "c", "d", "e", "f", "g");
  }
}
