package io.github.elasticq.streams.javadsl;

import java.util.ArrayList;
import java.util.List;

/**
 * INTERNAL API: runs the completions of receives that a send handed an element to only after the
 * send has left {@link BufferChannel}'s close guard.
 *
 * <p>An element sent while a receive waits goes straight to that receive, inside the send call and
 * on the sender's thread, and the receive's future used to complete there, running the user's
 * callbacks while the send still counted as in flight. A callback that closed the channel then
 * waited for that very send ({@code receive().thenAccept(x -> ch.close())} hung its sender), and a
 * callback that received again could wait for a {@code close} that waited for the send. Now each
 * such completion is held on the sending thread and run when its outermost send has left the guard.
 * Receives completed on other threads (a receive that finds an element, the end of the channel) run
 * at once, as before. One per thread; not shared.
 */
final class SendScope {
  private static final ThreadLocal<SendScope> CURRENT = ThreadLocal.withInitial(SendScope::new);

  /** Sends of this thread between {@link #enter} and {@link #exit}. */
  private int depth;

  /** Completions held until the outermost send exits; null when none. */
  private List<Runnable> held;

  private SendScope() {}

  /** Marks the start of a send on this thread; the caller calls {@link #exit} after its guard. */
  static SendScope enter() {
    SendScope s = CURRENT.get();
    s.depth++;
    return s;
  }

  /** Ends a send; the outermost runs what was held, in the order it was held. */
  void exit() {
    if (--depth != 0) {
      return;
    }
    Throwable first = null;
    while (held != null) {
      List<Runnable> runs = held;
      held = null;
      for (Runnable r : runs) {
        try {
          r.run(); // may send again: a nested scope holds and runs its own completions
        } catch (RuntimeException | Error e) { // the others still complete; the first is rethrown
          if (first == null) {
            first = e;
          }
        }
      }
    }
    if (first instanceof RuntimeException) {
      throw (RuntimeException) first;
    }
    if (first != null) {
      throw (Error) first;
    }
  }

  /** Runs {@code completion} now, or after the current send if this thread is inside one. */
  static void runOrHold(Runnable completion) {
    SendScope s = CURRENT.get();
    if (s.depth == 0) {
      completion.run();
      return;
    }
    if (s.held == null) {
      s.held = new ArrayList<>(2);
    }
    s.held.add(completion);
  }
}
