package io.github.elasticq.multijvm;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigValueFactory;
import io.github.elasticq.persistence.durable.DurableMailbox;
import io.github.elasticq.persistence.durable.DurableMailbox.Enqueue;
import io.github.elasticq.persistence.durable.DurableMailbox.Rejected;
import io.github.elasticq.persistence.durable.DurableMailbox.Reply;
import io.github.elasticq.persistence.durable.DurableMailbox.Stored;
import io.github.elasticq.persistence.durable.DurableMailboxSettings;
import java.util.ArrayDeque;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Consumer;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.Behaviors;

/**
 * Child-process main of {@link DurableMailboxCrashTest}: a typed ActorSystem with the {@code
 * elasticq.journal} (every-write) and snapshot store, and several {@link DurableMailbox}es, each
 * fed by a producer that keeps {@value #IN_FLIGHT} {@code Enqueue}s of random {@code Long}s in
 * flight.
 *
 * <p>Arguments: {@code <dir> <run|drain> <inboxes>}. Lines: {@code S <inbox> <seqNr> <value>} when
 * the producer got {@code Stored} (the message is persisted), {@code P <inbox> <seqNr> <value>}
 * from the inner behavior's handler, {@code DRAINED <inbox>} in drain mode once the inner behavior
 * processed a last marker message (so, delivery being in order, everything stored before it). In
 * drain mode no producer runs.
 */
public final class DurableMailboxChild {
  static final int IN_FLIGHT = 20;

  private DurableMailboxChild() {}

  /** Starts the system; in run mode never returns normally (the parent kills the JVM). */
  public static void main(String[] args) {
    ChildOutput.exitWhenParentGoes();
    String dir = args[0];
    boolean drain = args[1].equals("drain");
    int inboxes = Integer.parseInt(args[2]);
    Config config =
        ConfigFactory.parseString(
                String.join(
                    "\n",
                    "pekko.loglevel = WARNING",
                    "pekko.stdout-loglevel = WARNING",
                    "pekko.log-dead-letters = off",
                    "pekko.persistence.journal.plugin = \"elasticq.journal\"",
                    "pekko.persistence.snapshot-store.plugin = \"elasticq.snapshot-store\"",
                    "elasticq.journal.sync-mode = every-write",
                    "elasticq.journal.segment-size = 256KiB",
                    // small numbers: kills land around snapshots, deletions and confirmation
                    // flushes
                    "elasticq.durable-mailbox.window = 4",
                    "elasticq.durable-mailbox.confirm-batch-size = 10",
                    "elasticq.durable-mailbox.confirm-flush-interval = 20ms",
                    "elasticq.durable-mailbox.snapshot-every = 50"))
            .withValue("elasticq.journal.dir", ConfigValueFactory.fromAnyRef(dir + "/journal"))
            .withValue(
                "elasticq.snapshot-store.dir", ConfigValueFactory.fromAnyRef(dir + "/snapshots"))
            .withFallback(ConfigFactory.load());
    ActorSystem.create(
        Behaviors.<Void>setup(
            ctx -> {
              DurableMailboxSettings settings = DurableMailboxSettings.create(ctx.getSystem());
              for (int i = 0; i < inboxes; i++) {
                String id = "inbox-" + i;
                ActorRef<Object> mailbox =
                    ctx.spawn(DurableMailbox.create(id, inner(id, drain), settings), id);
                ctx.spawn(producer(id, mailbox, drain), "producer-" + i);
              }
              ChildOutput.line("STARTED " + ProcessHandle.current().pid());
              return Behaviors.empty();
            }),
        "durable-crash-child",
        config);
  }

  /** Prints every processed message; in drain mode, reports the marker (value 0). */
  private static Behavior<Long> inner(String id, boolean drain) {
    return Behaviors.receive(Long.class)
        .onAnyMessage(
            value -> {
              long seqNr = DurableMailbox.deliverySeqNr();
              ChildOutput.line("P " + id + " " + seqNr + " " + value);
              if (drain && value == 0L) {
                ChildOutput.line("DRAINED " + id);
              }
              return Behaviors.same();
            })
        .build();
  }

  /**
   * One sender's messages are stored in the order they were sent and answered in that order, so the
   * k-th reply belongs to the k-th {@code Enqueue}: the producer prints the value with it.
   */
  private static Behavior<Reply> producer(String id, ActorRef<Object> mailbox, boolean drain) {
    return Behaviors.setup(
        ctx -> {
          ArrayDeque<Long> sent = new ArrayDeque<>();
          Consumer<Long> send =
              value -> {
                sent.add(value);
                mailbox.tell(new Enqueue<>(value, ctx.getSelf()));
              };
          if (drain) {
            send.accept(0L);
          } else {
            for (int i = 0; i < IN_FLIGHT; i++) {
              send.accept(nextValue());
            }
          }
          return Behaviors.receive(Reply.class)
              .onMessage(
                  Stored.class,
                  stored -> {
                    ChildOutput.line("S " + id + " " + stored.seqNr() + " " + sent.poll());
                    if (!drain) {
                      send.accept(nextValue());
                    }
                    return Behaviors.same();
                  })
              .onMessage(
                  Rejected.class,
                  rejected -> {
                    ChildOutput.line(
                        "X " + id + " rejected " + sent.poll() + ": " + rejected.reason());
                    return Behaviors.same();
                  })
              .build();
        });
  }

  /** A non-zero random value: zero is the drain marker. */
  private static long nextValue() {
    long v;
    do {
      v = ThreadLocalRandom.current().nextLong();
    } while (v == 0L);
    return v;
  }
}
