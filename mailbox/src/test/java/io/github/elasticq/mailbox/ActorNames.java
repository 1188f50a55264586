package io.github.elasticq.mailbox;

import java.time.Duration;
import java.util.concurrent.locks.LockSupport;
import org.apache.pekko.actor.ActorRef;
import org.apache.pekko.actor.ActorSystem;
import org.apache.pekko.actor.InvalidActorNameException;
import org.apache.pekko.actor.Props;

/** Starting an actor again under the name of one that has just stopped. */
public final class ActorNames {
  private ActorNames() {}

  /**
   * {@code system.actorOf(props, name)} once the name of a stopped actor is free: a watcher's
   * {@code Terminated} can come before the guardian has released the name, and {@code actorOf} then
   * fails with "not unique". Retries every 10 ms for at most {@code wait}.
   */
  public static ActorRef actorOfWhenTheNameIsFree(
      ActorSystem system, Props props, String name, Duration wait) {
    long deadline = System.nanoTime() + wait.toNanos();
    while (true) {
      try {
        return system.actorOf(props, name);
      } catch (InvalidActorNameException e) {
        if (System.nanoTime() > deadline) {
          throw e;
        }
        LockSupport.parkNanos(10_000_000L);
      }
    }
  }
}
