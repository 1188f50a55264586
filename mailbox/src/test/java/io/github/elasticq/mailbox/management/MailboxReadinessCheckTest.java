package io.github.elasticq.mailbox.management;

import static org.assertj.core.api.Assertions.assertThat;

import com.typesafe.config.ConfigFactory;
import io.github.elasticq.mailbox.ElasticMailbox;
import io.github.elasticq.mailbox.MailboxInfo;
import io.github.elasticq.queue.QueueStats;
import java.util.AbstractList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

/**
 * The readiness check's saturation clock over given listings, probe by probe with explicit times: a
 * saturation start belongs to one actor incarnation, and a probe that walked an older listing never
 * drops the start a concurrent probe recorded.
 */
class MailboxReadinessCheckTest {

  private static final long SECOND = TimeUnit.SECONDS.toNanos(1);

  /** saturation-threshold 0.9 and saturation-duration 5 s (the defaults), every mailbox watched. */
  private static MailboxReadinessCheck check(Supplier<List<MailboxInfo>> mailboxes) {
    return new MailboxReadinessCheck(
        ManagementSettings.of(ConfigFactory.load("application-test")), mailboxes);
  }

  /** A mailbox of {@code /user/a} in incarnation {@code uid}, holding {@code size} of max 100. */
  private static MailboxInfo mailbox(int uid, int size) {
    QueueStats s = new QueueStats(128, size, size, 0, 0, 0, 0, size, 128);
    return new MailboxInfo(
        "m",
        "pekko://s/user/a",
        ElasticMailbox.class.getName(),
        s,
        List.of(s),
        0,
        100,
        0,
        List.of(0L),
        List.of(0L),
        uid);
  }

  @Test
  void newIncarnationAtTheSamePath_startsItsOwnSaturationClock() {
    AtomicReference<List<MailboxInfo>> listing = new AtomicReference<>(List.of(mailbox(1, 95)));
    MailboxReadinessCheck check = check(listing::get);
    assertThat(check.evaluate(0)).as("first probe: saturated for 0 s").isNull();
    // The actor stopped and one with the same name started, saturated too, between two probes.
    listing.set(List.of(mailbox(2, 95)));
    assertThat(check.evaluate(6 * SECOND))
        .as("the new incarnation was first seen saturated now, not 6 s ago")
        .isNull();
    assertThat(check.evaluate(12 * SECOND))
        .as("saturated at every probe for 6 s")
        .contains("mailbox [m] of [pekko://s/user/a]");
  }

  @Test
  void probeOverAnOlderListing_keepsTheStartAConcurrentProbeRecorded() throws Exception {
    List<MailboxInfo> saturated = List.of(mailbox(1, 95));
    AtomicReference<Thread> newer = new AtomicReference<>();
    AtomicReference<MailboxReadinessCheck> holder = new AtomicReference<>();
    // The older probe's listing (nothing saturated) lets a newer probe run to its end, or until it
    // waits for the older one, after the older one has walked it and before it finishes.
    List<MailboxInfo> older =
        new AbstractList<>() {
          @Override
          public MailboxInfo get(int index) {
            throw new IndexOutOfBoundsException(index);
          }

          @Override
          public int size() {
            if (newer.get() != null) {
              return 0;
            }
            Thread t = new Thread(() -> holder.get().evaluate(SECOND));
            newer.set(t);
            t.start();
            while (t.getState() != Thread.State.TERMINATED
                && t.getState() != Thread.State.BLOCKED) {
              Thread.onSpinWait();
            }
            return 0;
          }
        };
    AtomicReference<List<MailboxInfo>> listing = new AtomicReference<>(older);
    MailboxReadinessCheck check =
        check(
            () -> {
              List<MailboxInfo> l = listing.get();
              listing.set(saturated); // every later probe sees the mailbox saturated
              return l;
            });
    holder.set(check);
    assertThat(check.evaluate(0)).isNull();
    newer.get().join();
    assertThat(check.evaluate(7 * SECOND))
        .as("saturated at every probe since the one at 1 s, which saw it first")
        .contains("mailbox [m] of [pekko://s/user/a]");
  }
}
