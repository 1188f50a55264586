package io.github.elasticq.mailbox;

import static org.assertj.core.api.Assertions.assertThat;

import com.typesafe.config.ConfigFactory;
import io.github.elasticq.queue.CompactElasticMpscQueue;
import io.github.elasticq.queue.QueueConfig;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.pekko.actor.ActorRef;
import org.apache.pekko.actor.ActorSystem;
import org.apache.pekko.dispatch.Envelope;
import org.apache.pekko.dispatch.MailboxType;
import org.apache.pekko.dispatch.MessageQueue;
import org.apache.pekko.testkit.javadsl.TestKit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.openjdk.jol.info.ClassLayout;
import org.openjdk.jol.info.GraphLayout;
import scala.Option;

/**
 * The registry's compact entries (one weak reference in an intrusive list per mailbox, the queue's
 * id and type in a family shared by the mailbox type): every live queue is listed with its own id,
 * type and owner; cleaned-up and collected queues leave the listing and the count; removed entries
 * are unlinked, so they never outnumber the live ones for long; a queue created without an actor
 * system registers with the receiver's system on its first message.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class MailboxRegistryEntriesTest {

  private ActorSystem system;
  private MailboxRegistry registry;
  private MailboxType elastic;

  @BeforeAll
  void start() {
    system =
        ActorSystem.create("MailboxRegistryEntriesTest", ConfigFactory.load("application-test"));
    registry = MailboxRegistry.get(system);
    elastic = system.mailboxes().lookup("test-elastic-mailbox");
  }

  @AfterAll
  void stop() {
    TestKit.shutdownActorSystem(system);
  }

  private MessageQueue newQueue(MailboxType type, ActorRef owner) {
    return type.create(Option.apply(owner), Option.apply(system));
  }

  private static void cleanUp(MessageQueue q) {
    q.cleanUp(ActorRef.noSender(), new Discard());
  }

  @Test
  void cleanedUpQueues_areUnlinked_soRemovedEntriesNeverOutnumberLiveOnesForLong() {
    TestKit probe = new TestKit(system);
    int before = registry.size();
    List<MessageQueue> kept = new ArrayList<>();
    for (int i = 0; i < 10; i++) {
      kept.add(newQueue(elastic, probe.getRef()));
    }
    for (int i = 0; i < 5_000; i++) {
      cleanUp(newQueue(elastic, probe.getRef()));
    }
    int live = registry.size();
    assertThat(live).isEqualTo(before + 10);
    assertThat(registry.mailboxes()).hasSize(live);
    // A sweep runs once removed entries reach SWEEP_MIN and outnumber the live ones.
    assertThat(registry.linkedEntries())
        .as("entries still linked after 5,000 clean-ups")
        .isLessThanOrEqualTo(2 * live + MailboxRegistry.SWEEP_MIN + 1);
    kept.forEach(MailboxRegistryEntriesTest::cleanUp);
    assertThat(registry.size()).isEqualTo(before);
  }

  @Test
  void everyLiveQueue_isListedWithItsOwnIdTypeAndOwner() {
    MailboxType qos = system.mailboxes().lookup("qos-strict-mailbox");
    MailboxType shared = system.mailboxes().lookup("test-shared-mailbox");
    TestKit a = new TestKit(system);
    TestKit b = new TestKit(system);
    TestKit c = new TestKit(system);
    MessageQueue qa = newQueue(elastic, a.getRef());
    MessageQueue qb = newQueue(qos, b.getRef());
    MessageQueue qc = newQueue(shared, c.getRef());

    MailboxInfo ia = registry.find(a.getRef()).orElseThrow();
    assertThat(ia.id()).isEqualTo("test-elastic-mailbox");
    assertThat(ia.mailboxType()).isEqualTo(ElasticMailbox.class.getName());
    assertThat(ia.ownerPath()).isEqualTo(a.getRef().path().toString());
    assertThat(ia.ownerUid()).isEqualTo(a.getRef().path().uid()).isNotZero();
    MailboxInfo ib = registry.find(b.getRef()).orElseThrow();
    assertThat(ib.id()).isEqualTo("qos-strict-mailbox");
    assertThat(ib.mailboxType()).isEqualTo(QosMailbox.class.getName());
    MailboxInfo ic = registry.find(c.getRef().path()).orElseThrow();
    assertThat(ic.id()).isEqualTo("test-shared-mailbox");
    assertThat(ic.mailboxType()).isEqualTo(ElasticSharedMailbox.class.getName());
    assertThat(qa.toString()).contains("id=test-elastic-mailbox");

    for (MessageQueue q : List.of(qa, qb, qc)) {
      cleanUp(q);
    }
    assertThat(registry.find(a.getRef())).isEmpty();
    assertThat(registry.find(b.getRef())).isEmpty();
    assertThat(registry.find(c.getRef())).isEmpty();
    assertThat(registry.stoppedTotals())
        .extracting(MailboxInfo::id)
        .contains("test-elastic-mailbox", "qos-strict-mailbox", "test-shared-mailbox");
  }

  /**
   * A max-capacity above the largest array ("no bound": 2147483647) is listed as what the queue can
   * hold, 2^30: management's saturation (a fraction of it) and the QoS shedding threshold would
   * otherwise never be reached by a queue that overflows at 2^30.
   */
  @Test
  void maxCapacityAboveTheArrayLimit_isListedAsTheLimit() {
    ActorSystem unbounded =
        ActorSystem.create(
            "MailboxRegistryEntriesTestUnbounded",
            ConfigFactory.parseString(
                    """
                    unbounded-elastic { mailbox-type = "io.github.elasticq.mailbox.ElasticMailbox"
                                        max-capacity = 2147483647 }
                    unbounded-qos { mailbox-type = "io.github.elasticq.mailbox.QosMailbox"
                                    max-capacity = 2147483647 }
                    """)
                .withFallback(ConfigFactory.load("application-test")));
    try {
      for (String id : List.of("unbounded-elastic", "unbounded-qos")) {
        TestKit owner = new TestKit(unbounded);
        MessageQueue q =
            unbounded
                .mailboxes()
                .lookup(id)
                .create(Option.apply(owner.getRef()), Option.apply(unbounded));
        MailboxInfo info = MailboxRegistry.get(unbounded).find(owner.getRef()).orElseThrow();
        assertThat(info.maxCapacity()).as(id).isEqualTo(QueueConfig.CAPACITY_LIMIT);
        cleanUp(q);
      }
    } finally {
      TestKit.shutdownActorSystem(unbounded);
    }
  }

  @Test
  void concurrentRegistrationsAndCleanUps_leaveExactlyTheKeptQueuesListed() throws Exception {
    TestKit probe = new TestKit(system);
    int before = registry.size();
    int perThread = 20_000;
    ConcurrentLinkedQueue<MessageQueue> kept = new ConcurrentLinkedQueue<>();
    AtomicBoolean done = new AtomicBoolean();
    AtomicReference<Throwable> failure = new AtomicReference<>();
    CountDownLatch go = new CountDownLatch(1);
    List<Thread> threads = new ArrayList<>();
    for (int t = 0; t < 2; t++) {
      threads.add(
          new Thread(
              () -> {
                try {
                  go.await();
                  for (int i = 0; i < perThread; i++) {
                    MessageQueue q = newQueue(elastic, probe.getRef());
                    if (i % 4 == 0) {
                      kept.add(q);
                    } else {
                      cleanUp(q);
                    }
                  }
                } catch (Throwable e) {
                  failure.compareAndSet(null, e);
                }
              }));
    }
    Thread reader =
        new Thread(
            () -> {
              try {
                go.await();
                while (!done.get()) {
                  registry.mailboxes(); // walks while entries are pushed and unlinked
                }
              } catch (Throwable e) {
                failure.compareAndSet(null, e);
              }
            });
    threads.forEach(Thread::start);
    reader.start();
    go.countDown();
    for (Thread t : threads) {
      t.join();
    }
    done.set(true);
    reader.join();
    assertThat(failure.get()).isNull();

    int expected = before + 2 * perThread / 4;
    assertThat(registry.size()).isEqualTo(expected);
    assertThat(registry.mailboxes()).hasSize(expected);
    assertThat(registry.linkedEntries())
        .isLessThanOrEqualTo(2 * expected + MailboxRegistry.SWEEP_MIN + 1);
    kept.forEach(MailboxRegistryEntriesTest::cleanUp);
    assertThat(registry.size()).isEqualTo(before);
    assertThat(registry.mailboxes()).hasSize(before);
  }

  /** Enqueued counters of {@code id} in one snapshot, live and stopped together. */
  private static long enqueued(MailboxRegistry.Snapshot snapshot, String id) {
    long sum = 0;
    for (List<MailboxInfo> part : List.of(snapshot.live(), snapshot.stopped())) {
      for (MailboxInfo m : part) {
        if (m.id().equals(id)) {
          sum += m.stats().enqueued();
        }
      }
    }
    return sum;
  }

  @Test
  void takeSnapshot_whileQueuesAreCleanedUp_neverCountsAQueueTwice() throws Exception {
    String id = "test-elastic-mailbox";
    TestKit probe = new TestKit(system);
    long before = enqueued(registry.takeSnapshot(), id);
    AtomicLong sent = new AtomicLong();
    AtomicLong worstExcess = new AtomicLong();
    AtomicBoolean done = new AtomicBoolean();
    AtomicReference<Throwable> failure = new AtomicReference<>();
    Thread reader =
        new Thread(
            () -> {
              try {
                while (!done.get()) {
                  long seen = enqueued(registry.takeSnapshot(), id);
                  // read after the snapshot: an upper bound of what it can truly hold
                  long excess = seen - before - sent.get();
                  worstExcess.accumulateAndGet(excess, Math::max);
                }
              } catch (Throwable e) {
                failure.compareAndSet(null, e);
              }
            });
    reader.start();
    // Many live queues per round, so that a snapshot's walk overlaps their clean-ups.
    for (int round = 0; round < 20; round++) {
      List<MessageQueue> batch = new ArrayList<>();
      for (int i = 0; i < 2_000; i++) {
        MessageQueue q = newQueue(elastic, probe.getRef());
        sent.incrementAndGet(); // before the enqueue: the reader's bound is never short
        q.enqueue(probe.getRef(), new Envelope(i, ActorRef.noSender()));
        batch.add(q);
      }
      batch.forEach(MailboxRegistryEntriesTest::cleanUp);
    }
    done.set(true);
    reader.join();
    assertThat(failure.get()).isNull();
    assertThat(worstExcess.get())
        .as("enqueued in a snapshot beyond what was sent (a queue counted live and stopped)")
        .isLessThanOrEqualTo(0);
    assertThat(enqueued(registry.takeSnapshot(), id)).isEqualTo(before + sent.get());
  }

  @Test
  void queueNeverCleanedUp_leavesTheListingOnceCollected() throws Exception {
    TestKit probe = new TestKit(system);
    int before = registry.size();
    for (int i = 0; i < 100; i++) {
      newQueue(elastic, probe.getRef()); // dropped without clean-up
    }
    assertThat(registry.size()).isBetween(before, before + 100);
    long deadline = System.nanoTime() + 30_000_000_000L;
    while (registry.size() > before && System.nanoTime() < deadline) {
      System.gc();
      Thread.sleep(50);
    }
    assertThat(registry.size()).isEqualTo(before);
    assertThat(registry.mailboxes()).hasSize(before);
  }

  @Test
  void queueCreatedWithoutSystem_registersWithTheReceiversSystemOnItsFirstMessage() {
    TestKit probe = new TestKit(system);
    int before = registry.size();
    MessageQueue q = elastic.create(Option.empty(), Option.empty());
    assertThat(registry.size()).isEqualTo(before);

    q.enqueue(probe.getRef(), new Envelope("a", ActorRef.noSender()));
    assertThat(registry.size()).isEqualTo(before + 1);
    Optional<MailboxInfo> info =
        registry.mailboxes().stream().filter(m -> m.ownerPath().isEmpty()).findFirst();
    assertThat(info).isPresent();
    assertThat(info.get().id()).isEqualTo("test-elastic-mailbox");
    assertThat(info.get().mailboxType()).isEqualTo(ElasticMailbox.class.getName());
    assertThat(info.get().ownerUid()).as("no owner, no uid").isZero();
    assertThat(info.get().stats().enqueued()).isEqualTo(1);

    cleanUp(q);
    assertThat(registry.size()).isEqualTo(before);
  }

  @Test
  void queueCreatedForAnOwnerWithoutSystem_keepsTheOwnerUntilItRegistersOnItsFirstMessage() {
    TestKit owner = new TestKit(system);
    TestKit sender = new TestKit(system);
    int before = registry.size();
    MessageQueue q = elastic.create(Option.apply(owner.getRef()), Option.empty());
    assertThat(registry.size()).isEqualTo(before);
    assertThat(q.toString()).contains("owner=" + owner.getRef().path());

    q.enqueue(owner.getRef(), new Envelope("a", sender.getRef()));
    assertThat(registry.size()).isEqualTo(before + 1);
    MailboxInfo info = registry.find(owner.getRef()).orElseThrow();
    assertThat(info.ownerPath()).isEqualTo(owner.getRef().path().toString());
    assertThat(info.id()).isEqualTo("test-elastic-mailbox");
    assertThat(info.stats().enqueued()).isEqualTo(1);
    assertThat(q.toString()).contains("owner=" + owner.getRef().path());

    cleanUp(q);
    assertThat(registry.find(owner.getRef())).isEmpty();
    assertThat(registry.size()).isEqualTo(before);
  }

  /**
   * Guards the per-mailbox footprint (compressed references, the default here): what an idle actor
   * with an ElasticMailbox holds besides Pekko's own objects is these three objects (and, after its
   * first message, the first buffer's array). Round 3 of issue 13: the owner's path lives in the
   * registry entry and the sampling rate in the family (message queue 32 -> 24 B); the queue sums
   * its allocated slots along the buffer chain instead of keeping a long counter, and its producers
   * read the consumer index instead of a copy of it (80 -> 64 B).
   */
  @Test
  void perQueueObjects_stayCompact() {
    assertThat(ClassLayout.parseClass(ElasticMessageQueue.class).instanceSize())
        .as("family, registry entry and queue: three references")
        .isLessThanOrEqualTo(24);
    assertThat(ClassLayout.parseClass(QosMessageQueue.class).instanceSize())
        .as("settings read from the shared QosMailbox, not copied per queue")
        .isLessThanOrEqualTo(48);
    assertThat(ClassLayout.parseClass(MailboxRegistry.Registration.class).instanceSize())
        .as("a weak reference, the list link, the owner's path and its string")
        .isLessThanOrEqualTo(40);
    assertThat(ClassLayout.parseClass(CompactElasticMpscQueue.class).instanceSize())
        .isLessThanOrEqualTo(64);

    // After one message: the queue and its first buffer (16 ring slots and the link slot, no
    // holder object); the QueueConfig is shared by the mailbox type, so it is not counted.
    QueueConfig config =
        QueueConfig.builder().initialCapacity(16).minCapacity(16).maxCapacity(1 << 20).build();
    CompactElasticMpscQueue<Object> q = new CompactElasticMpscQueue<>(config);
    CompactElasticMpscQueue<Object> sibling = new CompactElasticMpscQueue<>(config);
    q.offer("m");
    assertThat(q.poll()).isEqualTo("m");
    long marginal =
        GraphLayout.parseInstance(q, sibling).totalSize()
            - GraphLayout.parseInstance(sibling).totalSize();
    assertThat(marginal).as("queue + first buffer, bytes").isLessThanOrEqualTo(64 + 88);
  }

  /** Dead letters that drop everything. */
  private static final class Discard implements MessageQueue {
    @Override
    public void enqueue(ActorRef receiver, Envelope handle) {}

    @Override
    public Envelope dequeue() {
      return null;
    }

    @Override
    public int numberOfMessages() {
      return 0;
    }

    @Override
    public boolean hasMessages() {
      return false;
    }

    @Override
    public void cleanUp(ActorRef owner, MessageQueue deadLetters) {}
  }
}
