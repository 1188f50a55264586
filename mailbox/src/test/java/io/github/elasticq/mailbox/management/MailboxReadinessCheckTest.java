package io.github.elasticq.mailbox.management;

import static org.assertj.core.api.Assertions.assertThat;

import com.typesafe.config.ConfigFactory;
import io.github.elasticq.mailbox.ElasticMailbox;
import io.github.elasticq.mailbox.ElasticSharedMailbox;
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
    return info("pekko://s/user/a", ElasticMailbox.class, uid, 0, size);
  }

  /** A shared queue (no owner) of id {@code m} with registry serial {@code serial}, of max 100. */
  private static MailboxInfo sharedQueue(long serial, int size) {
    return info("", ElasticSharedMailbox.class, 0, serial, size);
  }

  private static MailboxInfo info(String owner, Class<?> type, int uid, long serial, int size) {
    QueueStats s = new QueueStats(128, size, size, 0, 0, 0, 0, size, 128);
    return new MailboxInfo(
        "m",
        owner,
        type.getName(),
        s,
        List.of(s),
        0,
        100,
        0,
        List.of(0L),
        List.of(0L),
        uid,
        serial);
  }

  /**
   * Two balancing pools on one mailbox section have two shared queues of the same id, neither with
   * an owner: each has its own saturation clock (keyed by id, owner and uid alone, the second pool
   * inherited the first one's start and was reported saturated for 6 s at its first probe).
   */
  @Test
  void secondSharedQueueOfTheSameId_startsItsOwnSaturationClock() {
    AtomicReference<List<MailboxInfo>> listing = new AtomicReference<>(List.of(sharedQueue(1, 95)));
    MailboxReadinessCheck check = check(listing::get);
    assertThat(check.evaluate(0)).isNull();
    listing.set(List.of(sharedQueue(1, 95), sharedQueue(2, 95)));
    assertThat(check.evaluate(6 * SECOND))
        .as("only the first queue has been saturated for 6 s")
        .startsWith("ElasticQ mailbox saturation: 1 mailbox holds");
    assertThat(check.evaluate(12 * SECOND))
        .startsWith("ElasticQ mailbox saturation: 2 mailboxes hold");
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

  /**
   * An empty listing whose walk starts {@code probe} on another thread and lets it run until it
   * ends or blocks (waiting for the walking probe), then goes on; {@code started} receives that
   * thread and {@code seen} the state it was in when the walk went on. Only the first walk of it
   * does so.
   */
  private static List<MailboxInfo> listingThatProbesDuringItsWalk(
      Runnable probe, AtomicReference<Thread> started, AtomicReference<Thread.State> seen) {
    return new AbstractList<>() {
      @Override
      public MailboxInfo get(int index) {
        throw new IndexOutOfBoundsException(index);
      }

      @Override
      public int size() {
        if (started.get() != null) {
          return 0;
        }
        Thread t = new Thread(probe);
        started.set(t);
        t.start();
        Thread.State state;
        while ((state = t.getState()) != Thread.State.TERMINATED && state != Thread.State.BLOCKED) {
          Thread.onSpinWait();
        }
        seen.set(state);
        return 0;
      }
    };
  }

  /**
   * A check whose first probe walks {@code first}, every later one {@code then}; {@code holder}
   * receives the check (for a probe started by the first listing).
   */
  private static MailboxReadinessCheck checkOver(
      List<MailboxInfo> first,
      List<MailboxInfo> then,
      AtomicReference<MailboxReadinessCheck> holder) {
    AtomicReference<List<MailboxInfo>> listing = new AtomicReference<>(first);
    MailboxReadinessCheck check =
        check(
            () -> {
              List<MailboxInfo> l = listing.get();
              listing.set(then);
              return l;
            });
    holder.set(check);
    return check;
  }

  @Test
  void probeOverAnOlderListing_keepsTheStartAConcurrentProbeRecorded() throws Exception {
    AtomicReference<Thread> newer = new AtomicReference<>();
    AtomicReference<MailboxReadinessCheck> holder = new AtomicReference<>();
    // The older probe's listing (nothing saturated) lets a newer probe (which sees the mailbox
    // saturated, as every later probe does) run to its end, or until it waits for the older one,
    // after the older one has walked it and before it finishes.
    MailboxReadinessCheck check =
        checkOver(
            listingThatProbesDuringItsWalk(
                () -> holder.get().evaluate(SECOND), newer, new AtomicReference<>()),
            List.of(mailbox(1, 95)),
            holder);
    assertThat(check.evaluate(0)).isNull();
    newer.get().join();
    assertThat(check.evaluate(7 * SECOND))
        .as("saturated at every probe since the one at 1 s, which saw it first")
        .contains("mailbox [m] of [pekko://s/user/a]");
  }

  /**
   * Probes do not queue behind one another's registry walk: a probe started while another walks the
   * registry runs to its end (before: it blocked on the lock that the walking probe held for its
   * whole walk). No timing: the started probe's thread either ends or blocks, and which one is the
   * outcome.
   */
  @Test
  void probeDuringAnotherProbesWalk_runsToItsEnd() throws Exception {
    AtomicReference<Thread> second = new AtomicReference<>();
    AtomicReference<Thread.State> duringTheWalk = new AtomicReference<>();
    AtomicReference<String> secondResult = new AtomicReference<>("not run");
    AtomicReference<MailboxReadinessCheck> holder = new AtomicReference<>();
    MailboxReadinessCheck check =
        checkOver(
            listingThatProbesDuringItsWalk(
                () -> secondResult.set(holder.get().evaluate(6 * SECOND)), second, duringTheWalk),
            List.of(mailbox(1, 95)),
            holder);
    assertThat(check.evaluate(0)).isNull();
    second.get().join();
    assertThat(secondResult.get()).as("first seen saturated at 6 s: ready").isNull();
    assertThat(check.evaluate(11 * SECOND)).contains("mailbox [m] of [pekko://s/user/a]");
    assertThat(duringTheWalk.get())
        .as("the second probe, while the first walked")
        .isEqualTo(Thread.State.TERMINATED);
  }

  /**
   * A probe whose listing is read after a newer-started probe's listing has the newer reading: here
   * the mailbox below the threshold at 3 s, after a probe at 3 s read it saturated. Probes numbered
   * when their walk started dropped that reading (the older number did not merge), and the probe at
   * 5 s reported it saturated for 5 s although it was below at 3 s.
   */
  @Test
  void probeWhoseListingIsReadAfterANewerProbes_keepsItsReading() throws Exception {
    AtomicReference<MailboxReadinessCheck> holder = new AtomicReference<>();
    AtomicReference<String> innerResult = new AtomicReference<>("not run");
    int[] calls = new int[1];
    MailboxReadinessCheck check =
        check(
            () -> {
              if (++calls[0] == 2) {
                // this probe's listing stalls; another probe reads it saturated and merges first
                Thread t = new Thread(() -> innerResult.set(holder.get().evaluate(3 * SECOND)));
                t.start();
                try {
                  t.join();
                } catch (InterruptedException e) {
                  throw new IllegalStateException(e);
                }
                return List.of(mailbox(1, 10)); // read after that probe's: below
              }
              return List.of(mailbox(1, 95));
            });
    holder.set(check);
    assertThat(check.evaluate(0)).as("first seen saturated at 0 s").isNull();
    assertThat(check.evaluate(3 * SECOND)).as("below at the newest reading of 3 s").isNull();
    assertThat(innerResult.get()).isNull();
    assertThat(check.evaluate(5 * SECOND))
        .as("saturated again from 5 s only: below at the newest reading of 3 s")
        .isNull();
    assertThat(check.evaluate(10 * SECOND)).contains("mailbox [m] of [pekko://s/user/a]");
  }
}
