package io.github.elasticq.mailbox;

import static org.assertj.core.api.Assertions.assertThat;

import com.typesafe.config.ConfigFactory;
import io.github.elasticq.mailbox.TestActors.Block;
import io.github.elasticq.mailbox.TestActors.ControlBlock;
import io.github.elasticq.mailbox.TestActors.Counter;
import io.github.elasticq.mailbox.TestActors.Leveled;
import io.github.elasticq.mailbox.TestActors.Recorder;
import io.github.elasticq.queue.QueueStats;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.pekko.actor.AbstractActor;
import org.apache.pekko.actor.ActorPaths;
import org.apache.pekko.actor.ActorRef;
import org.apache.pekko.actor.ActorSystem;
import org.apache.pekko.actor.Props;
import org.apache.pekko.testkit.javadsl.TestKit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The {@link MailboxRegistry} lists exactly the live ElasticQ mailboxes, with their counters, and
 * forgets stopped actors without keeping them reachable.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class MailboxRegistryTest {

  private static final Duration WAIT = Duration.ofSeconds(60);

  private ActorSystem system;

  @BeforeAll
  void start() {
    system = ActorSystem.create("MailboxRegistryTest", ConfigFactory.load("application-test"));
  }

  @AfterAll
  void stop() {
    TestKit.shutdownActorSystem(system);
  }

  /**
   * find(ActorRef) finds that incarnation's mailbox only: ActorPath.equals ignores the uid, so a
   * reference to a stopped actor used to find the mailbox of the new actor with the same name.
   */
  @Test
  void find_byAStaleRef_findsNothing_byTheNewRefOrPath_findsTheNewMailbox() {
    MailboxRegistry registry = MailboxRegistry.get(system);
    TestKit probe = new TestKit(system);
    ActorRef first =
        system.actorOf(Recorder.props(probe.getRef()).withMailbox("test-elastic-mailbox"), "again");
    first.tell("ping", ActorRef.noSender()); // a mailbox registers with its first message
    probe.expectMsg(WAIT, "ping");
    assertThat(registry.find(first)).isPresent();
    probe.watch(first);
    system.stop(first);
    probe.expectTerminated(WAIT, first);
    ActorRef second =
        ActorNames.actorOfWhenTheNameIsFree(
            system,
            Recorder.props(probe.getRef()).withMailbox("test-elastic-mailbox"),
            "again",
            WAIT);
    second.tell("ping", ActorRef.noSender());
    probe.expectMsg(WAIT, "ping");
    assertThat(second.path()).isEqualTo(first.path()); // equal paths: the uid differs
    assertThat(registry.find(first)).as("a stale ref").isEmpty();
    assertThat(registry.find(second)).isPresent();
    assertThat(registry.find(second.path())).isPresent();
    assertThat(registry.find(ActorPaths.fromString(second.path().toString())))
        .as("a path without a uid: whichever incarnation lives there")
        .isPresent();
    system.stop(second);
  }

  @Test
  void mailboxes_listsEveryLiveElasticMailbox_withIdOwnerTypeAndStats() throws Exception {
    MailboxRegistry registry = MailboxRegistry.get(system);
    int before = registry.size();
    TestKit probe = new TestKit(system);
    ActorRef elastic =
        system.actorOf(Recorder.props(probe.getRef()).withMailbox("test-elastic-mailbox"), "e1");
    ActorRef shared =
        system.actorOf(Recorder.props(probe.getRef()).withMailbox("test-shared-mailbox"), "s1");
    ActorRef qos =
        system.actorOf(Recorder.props(probe.getRef()).withMailbox("qos-strict-mailbox"), "q1");
    ActorRef plain = system.actorOf(Recorder.props(probe.getRef()), "p1");

    // Hold the QoS actor so its per-level sizes can be read.
    Block block = new Block();
    qos.tell(new ControlBlock(block), ActorRef.noSender());
    block.awaitEntered();
    qos.tell(new Leveled(0, 0), ActorRef.noSender());
    qos.tell(new Leveled(2, 0), ActorRef.noSender());
    qos.tell(new Leveled(2, 1), ActorRef.noSender());
    elastic.tell("x", ActorRef.noSender());
    probe.expectMsg(WAIT, "x");

    assertThat(registry.size()).isEqualTo(before + 3);
    Map<String, MailboxInfo> byOwner = new HashMap<>();
    for (MailboxInfo m : registry.mailboxes()) {
      byOwner.put(m.ownerPath(), m);
    }
    assertThat(byOwner).doesNotContainKey(plain.path().toString());

    MailboxInfo e = byOwner.get(elastic.path().toString());
    assertThat(e.id()).isEqualTo("test-elastic-mailbox");
    assertThat(e.mailboxType()).isEqualTo(ElasticMailbox.class.getName());
    assertThat(e.stats().enqueued()).isEqualTo(1);
    assertThat(e.stats().capacity()).isEqualTo(16);
    assertThat(e.levelStats()).hasSize(1);

    MailboxInfo s = byOwner.get(shared.path().toString());
    assertThat(s.mailboxType()).isEqualTo(ElasticSharedMailbox.class.getName());

    MailboxInfo q = byOwner.get(qos.path().toString());
    assertThat(q.mailboxType()).isEqualTo(QosMailbox.class.getName());
    List<QueueStats> levels = q.levelStats();
    assertThat(levels).hasSize(3);
    assertThat(levels.get(0).size()).isEqualTo(1);
    assertThat(levels.get(1).size()).isZero();
    assertThat(levels.get(2).size()).isEqualTo(2);
    assertThat(q.stats().enqueued()).as("levels plus the control queue").isEqualTo(4);

    block.release();
    probe.receiveN(3, WAIT);
    for (ActorRef a : List.of(elastic, shared, qos, plain)) {
      probe.watch(a);
      system.stop(a);
      probe.expectTerminated(WAIT, a);
    }
    assertThat(registry.size()).isEqualTo(before);
  }

  /** Creates {@code n} children with ElasticMailboxes, sends each a message, then reports. */
  static final class Parent extends AbstractActor {
    private final int children;

    Parent(int children) {
      this.children = children;
    }

    static Props props(int children) {
      return Props.create(Parent.class, () -> new Parent(children));
    }

    @Override
    public void preStart() {
      for (int i = 0; i < children; i++) {
        ActorRef child = getContext().actorOf(Counter.props().withMailbox("test-elastic-mailbox"));
        child.tell("hello", getSelf());
      }
    }

    @Override
    public Receive createReceive() {
      return receiveBuilder()
          .matchEquals("ready?", m -> getSender().tell("ready", getSelf()))
          .build();
    }
  }

  private static long usedHeapAfterGc() throws InterruptedException {
    MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
    long used = Long.MAX_VALUE;
    for (int i = 0; i < 4; i++) {
      System.gc();
      Thread.sleep(50);
      used = Math.min(used, memory.getHeapMemoryUsage().getUsed());
    }
    return used;
  }

  private void churn(MailboxRegistry registry, int baselineSize, int batch, TestKit probe) {
    ActorRef parent = system.actorOf(Parent.props(batch));
    parent.tell("ready?", probe.getRef());
    probe.expectMsg(WAIT, "ready");
    assertThat(registry.size()).isEqualTo(baselineSize + batch);
    probe.watch(parent);
    system.stop(parent);
    probe.expectTerminated(WAIT, parent);
    assertThat(registry.size()).isEqualTo(baselineSize);
  }

  @Test
  void stoppedActors_leaveTheRegistry_andTheHeapReturnsToBaseline() throws Exception {
    int batch = 10_000;
    int batches = 10;
    MailboxRegistry registry = MailboxRegistry.get(system);
    TestKit probe = new TestKit(system);
    int baselineSize = registry.size();

    churn(registry, baselineSize, batch, probe); // warm-up: classes, JIT, dispatcher threads
    long baselineHeap = usedHeapAfterGc();

    // A batch kept alive costs real heap: this is what a leak of every batch would add up to.
    ActorRef live = system.actorOf(Parent.props(batch));
    live.tell("ready?", probe.getRef());
    probe.expectMsg(WAIT, "ready");
    long liveHeap = usedHeapAfterGc();
    long bytesPerLiveActor = (liveHeap - baselineHeap) / batch;
    probe.watch(live);
    system.stop(live);
    probe.expectTerminated(WAIT, live);

    for (int b = 0; b < batches; b++) {
      churn(registry, baselineSize, batch, probe);
    }
    long afterHeap = usedHeapAfterGc();
    long growth = afterHeap - baselineHeap;
    System.out.printf(
        "registry churn: %d actors created and stopped; heap baseline %,d B, after %,d B"
            + " (growth %,d B); a live actor with an ElasticMailbox costs about %,d B%n",
        batch * (batches + 1), baselineHeap, afterHeap, growth, bytesPerLiveActor);

    assertThat(registry.size()).isEqualTo(baselineSize);
    assertThat(bytesPerLiveActor).as("the measurement sees live actors").isPositive();
    // Generous: a leak of the 100,000 stopped actors would be about ten live batches.
    long leakOfAllBatches = bytesPerLiveActor * batch * batches;
    assertThat(growth).isLessThan(Math.max(16L << 20, leakOfAllBatches / 4));
  }
}
