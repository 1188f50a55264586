package io.github.elasticq.persistence.durable;

import static io.github.elasticq.persistence.durable.DurableTestSupport.TIMEOUT;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.github.elasticq.persistence.journal.WalRegistry;
import io.github.elasticq.persistence.wal.WriteAheadLog;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.javadsl.Adapter;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Storage of a {@link DurableMailbox} stays bounded in steady state: {@value #MESSAGES} messages go
 * through one mailbox; snapshots every 1000 events delete the events below them, and after a
 * compaction the journal's segment files hold less than {@value #LIVE_BYTES_BOUND} bytes, while the
 * run wrote many times that. Runs with {@code sync-mode = no-sync} to keep the test short (the
 * retention logic does not depend on the sync mode).
 */
class DurableMailboxRetentionTest {
  static final int MESSAGES = 100_000;
  static final int IN_FLIGHT = 2_000;
  static final long SEGMENT_SIZE = 256 * 1024;

  /** Two segments: the active one plus what survives compaction (the events of two snapshots). */
  static final long LIVE_BYTES_BOUND = 2 * SEGMENT_SIZE;

  @TempDir Path dir;

  @Test
  void retention_100kMessages_journalLiveBytesBoundedAfterCompaction() throws IOException {
    ActorTestKit kit =
        ActorTestKit.create(
            "retention",
            DurableTestSupport.config(
                dir,
                "no-sync",
                "elasticq.journal.segment-size = "
                    + SEGMENT_SIZE
                    + "\nelasticq.journal.compaction.enabled = off"));
    try {
      AtomicLong processed = new AtomicLong();
      DurableMailboxSettings settings =
          DurableMailboxSettings.builder()
              .window(16)
              .snapshotEvery(1000)
              .keepSnapshots(2)
              .confirmBatchSize(100)
              .build();
      ActorRef<Object> mailbox =
          kit.spawn(
              DurableMailbox.create(
                  "retention",
                  Behaviors.receive(Work.class)
                      .onMessage(
                          Work.class,
                          w -> {
                            processed.incrementAndGet();
                            return Behaviors.same();
                          })
                      .build(),
                  settings));
      for (int i = 0; i < MESSAGES; i++) {
        if (i - processed.get() >= IN_FLIGHT) {
          int sent = i;
          await().atMost(TIMEOUT).until(() -> sent - processed.get() < IN_FLIGHT / 2);
        }
        mailbox.tell(new Work(i));
      }
      await().atMost(TIMEOUT).until(() -> processed.get() == MESSAGES);
      DurableMailboxRegistry registry = DurableMailboxRegistry.get(kit.system());
      await()
          .atMost(TIMEOUT)
          .untilAsserted(
              () ->
                  assertThat(registry.stats("retention"))
                      .hasValueSatisfying(
                          s -> {
                            assertThat(s.stored()).isEqualTo(MESSAGES);
                            assertThat(s.confirmed()).isEqualTo(MESSAGES);
                            assertThat(s.rejected()).isZero();
                          }));

      WriteAheadLog wal =
          WalRegistry.get(Adapter.toClassic(kit.system())).logFor("elasticq.journal");
      long written = wal.stats().bytesWritten();
      // the last snapshot's deletion is asynchronous: compact until the bound holds
      await()
          .atMost(TIMEOUT)
          .untilAsserted(
              () -> {
                wal.compact(0.01);
                assertThat(liveBytes(wal)).isLessThan(LIVE_BYTES_BOUND);
              });
      long live = liveBytes(wal);
      System.out.printf(
          "durable mailbox retention: %,d messages, %,d bytes written, %,d live bytes after"
              + " compaction, %d segments%n",
          MESSAGES, written, live, wal.segmentFiles().size());
      // the bound only means something if far more was written
      assertThat(written).isGreaterThan(10 * LIVE_BYTES_BOUND);
    } finally {
      kit.shutdownTestKit();
    }
  }

  private static long liveBytes(WriteAheadLog wal) {
    return wal.segmentFiles().stream()
        .mapToLong(
            p -> {
              try {
                return Files.size(p);
              } catch (IOException e) {
                throw new UncheckedIOException(e);
              }
            })
        .sum();
  }
}
