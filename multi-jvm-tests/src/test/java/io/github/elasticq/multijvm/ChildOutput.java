package io.github.elasticq.multijvm;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * The line protocol of the crash-test children. Every line the parent acts on is written with
 * {@link #line}, which holds the {@code System.out} lock for the write and the flush, so a line
 * reaches the pipe whole (and never interleaves with Pekko's own stdout logging) before the child
 * does anything else. The parent only counts lines that end with a newline: a line cut by SIGKILL
 * is ignored.
 *
 * <p>Lines: {@code STARTED <pid>}, {@code R <persistenceId> <highest> <ranges>} (what recovery
 * replayed), {@code A <persistenceId> <seqNr>} (acknowledged), {@code d}/{@code D <persistenceId>
 * <toSeqNr>} (delete requested / acknowledged), {@code C <segments>} (compaction finished), {@code
 * X <text>} (a check inside the child failed).
 */
final class ChildOutput {
  private ChildOutput() {}

  /** Writes one protocol line and flushes it. Any thread. */
  static void line(String text) {
    synchronized (System.out) {
      System.out.print(text + "\n");
      System.out.flush();
    }
  }

  /**
   * An event payload: the persistence id's hash and the sequence number, padded to {@code size}.
   */
  static byte[] payload(String persistenceId, long seqNr, int size) {
    ByteBuffer b = ByteBuffer.allocate(Math.max(12, size));
    b.putInt(persistenceId.hashCode()).putLong(seqNr);
    byte[] pid = persistenceId.getBytes(StandardCharsets.UTF_8);
    while (b.hasRemaining()) {
      b.put(pid[b.position() % pid.length]);
    }
    return b.array();
  }

  /**
   * The sequence number written into {@code payload} by {@link #payload}, or -1 if the payload does
   * not belong to {@code persistenceId} or its padding is damaged.
   */
  static long seqNrOf(String persistenceId, byte[] payload) {
    if (payload.length < 12) {
      return -1;
    }
    ByteBuffer b = ByteBuffer.wrap(payload);
    if (b.getInt() != persistenceId.hashCode()) {
      return -1;
    }
    long seqNr = b.getLong();
    byte[] pid = persistenceId.getBytes(StandardCharsets.UTF_8);
    for (int i = 12; i < payload.length; i++) {
      if (payload[i] != pid[i % pid.length]) {
        return -1;
      }
    }
    return seqNr;
  }

  /** Exits the JVM when the parent closes our stdin (the parent died): no orphaned children. */
  static void exitWhenParentGoes() {
    Thread t =
        new Thread(
            () -> {
              try {
                while (System.in.read() >= 0) {
                  // the parent never writes; EOF means it is gone
                }
              } catch (java.io.IOException e) {
                // treat like EOF
              }
              Runtime.getRuntime().halt(2);
            },
            "parent-watch");
    t.setDaemon(true);
    t.start();
  }
}
