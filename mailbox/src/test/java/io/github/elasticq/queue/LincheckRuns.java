package io.github.elasticq.queue;

/**
 * How many Lincheck iterations a check runs: all of them in the long run ({@code -Plong}, which
 * sets {@code elasticq.tests.long=true}), a sixth in the default build, whose time budget on the
 * project's 2-core machines the Lincheck checks would otherwise take most of (on the slowest guest
 * so far, AMD EPYC family 25 model 1, a clean-clone run took 24.2 minutes with half, and 21.7 and,
 * in a slower hour, 25.9 with a third, 2026-12-07; on the family 26 model 2 guest the suite came to
 * 24.1 minutes with a quarter in a slow hour, the Lincheck classes 8 minutes of it, 2026-12-07).
 * Not for the planted-bug checks, which need their full search to find the bug.
 */
final class LincheckRuns {
  /** Whether this is the long run. */
  static final boolean LONG = Boolean.getBoolean("elasticq.tests.long");

  private LincheckRuns() {}

  /** {@code full} in the long run, else a sixth of it (at least 1). */
  static int iterations(int full) {
    return LONG ? full : Math.max(1, full / 6);
  }
}
