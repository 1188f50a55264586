// Round 26, section 1: the burst-then-drain loop timed per phase (offers, then the drain) with
// System.nanoTime() around each phase, outside JMH: indicative only (one JVM per run, no forks).
// Not part of the build. Usage, from the repository root, with the round's benchmark jar:
//   javac -cp /tmp/b26.jar -d /tmp/split bench/results/2026-12-05/round26/split/PhaseSplit.java
//   java -Xms1g -Xmx1g -cp /tmp/b26.jar:/tmp/split PhaseSplit bm|def|arr|chunked [0|1|2]
// bm: ElasticMpscQueue with burst memory, def: the default, arr: MpscArrayQueue, chunked:
// MpscChunkedArrayQueue(1024, max); the optional mode drains an elastic queue with poll() (0),
// pollWithoutWait() (1) or relaxedPoll() (2). Prints ns per element for rounds 4 to 8 of 4 000
// bursts of 20 000 elements each (rounds 1 to 3 warm up).
import io.github.elasticq.queue.ElasticMpscQueue;
import io.github.elasticq.queue.QueueConfig;
import java.util.Queue;
import org.jctools.queues.MpscArrayQueue;
import org.jctools.queues.MpscChunkedArrayQueue;

public class PhaseSplit {
  static final Object ELEMENT = "e";

  public static void main(String[] args) {
    String impl = args[0];
    int mode = args.length > 1 ? Integer.parseInt(args[1]) : 0;
    int burst = 20_000;
    QueueConfig config = QueueConfig.defaults();
    Queue<Object> q =
        switch (impl) {
          case "bm" -> new ElasticMpscQueue<>(config.toBuilder().burstMemory(true).build());
          case "def" -> new ElasticMpscQueue<>(config);
          case "arr" -> new MpscArrayQueue<>(config.maxCapacity());
          case "chunked" -> new MpscChunkedArrayQueue<>(1024, config.maxCapacity());
          default -> throw new IllegalArgumentException(impl);
        };
    for (int round = 0; round < 8; round++) {
      long offers = 0;
      long drain = 0;
      int taken = 0;
      int reps = 4000;
      for (int r = 0; r < reps; r++) {
        long t0 = System.nanoTime();
        for (int i = 0; i < burst; i++) {
          q.offer(ELEMENT);
        }
        long t1 = System.nanoTime();
        taken += drain(q, mode);
        long t2 = System.nanoTime();
        offers += t1 - t0;
        drain += t2 - t1;
      }
      if (round >= 3) {
        System.out.printf(
            "%s offer %.3f ns/elem  drain %.3f ns/elem  (%d)%n",
            impl, offers / (double) reps / burst, drain / (double) reps / burst, taken);
      }
    }
  }

  private static int drain(Queue<Object> q, int mode) {
    int n = 0;
    if (mode == 0) {
      while (q.poll() != null) {
        n++;
      }
      return n;
    }
    ElasticMpscQueue<Object> eq = (ElasticMpscQueue<Object>) q;
    while ((mode == 1 ? eq.pollWithoutWait() : eq.relaxedPoll()) != null) {
      n++;
    }
    return n;
  }
}
