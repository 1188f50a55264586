package io.github.elasticq.multijvm;

import java.util.Random;

/**
 * Kill count and seeded kill delays of a crash test. {@code -Dcrash.kills=N} sets the number of
 * SIGKILLs per test (default 20; the {@code crash-long} Maven profile sets 200), {@code
 * -Dcrash.seed=S} replays a schedule (default: a fresh seed, printed and named in every failure).
 */
final class CrashSchedule {
  final int kills;
  final long seed;
  final Random random;

  private CrashSchedule(int kills, long seed) {
    this.kills = kills;
    this.seed = seed;
    this.random = new Random(seed);
  }

  static CrashSchedule fromSystemProperties(String test) {
    int kills = Integer.getInteger("crash.kills", 10);
    String s = System.getProperty("crash.seed", "");
    long seed = s.isBlank() ? System.nanoTime() : Long.parseLong(s.trim());
    System.out.println(test + ": " + kills + " kills, -Dcrash.seed=" + seed);
    return new CrashSchedule(kills, seed);
  }

  /** A delay in {@code [0, maxMillis)}. */
  long delayMillis(int maxMillis) {
    return random.nextInt(maxMillis);
  }

  @Override
  public String toString() {
    return "crash schedule (-Dcrash.seed=" + seed + ", -Dcrash.kills=" + kills + ")";
  }
}
