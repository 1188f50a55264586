// Round 31: how often ElasticBuffer resizes under BlockingQueueBenchmark's load (2 producers and
// 2 consumers, non-blocking or 1 ms timed calls, the default QueueConfig): stats() before and after
// 5 s, after 3 s of warm-up. Not part of the build. Run from the repository root after `install`:
//   javac -cp mailbox/target/elasticq-mailbox-0.1.0-SNAPSHOT.jar -d /tmp/ebstat \
//     bench/results/2026-12-05/round31/EbStat.java
//   java -Xms1g -Xmx1g -cp mailbox/target/elasticq-mailbox-0.1.0-SNAPSHOT.jar:/tmp/ebstat EbStat plain
//   java -Xms1g -Xmx1g -cp mailbox/target/elasticq-mailbox-0.1.0-SNAPSHOT.jar:/tmp/ebstat EbStat timed
// Round 31 (AMD family 26, 2 cores): plain 2 658 grows and 2 658 shrinks in 5.00 s (48.2 M polled);
// timed 8 283 grows and 8 288 shrinks in 5.00 s (131.3 M polled).
import io.github.elasticq.queue.*;
import java.util.concurrent.*;
import java.util.concurrent.atomic.*;
public class EbStat {
  public static void main(String[] a) throws Exception {
    boolean timed = a.length > 0 && a[0].equals("timed");
    BlockingQueue<Object> q = a.length > 1 && a[1].equals("abq") ? new ArrayBlockingQueue<>(65536) : new ElasticBuffer<>(QueueConfig.defaults());
    AtomicBoolean stop = new AtomicBoolean();
    LongAdder polled = new LongAdder();
    Object el = "e";
    Runnable prod = () -> { try { while (!stop.get()) { if (timed) q.offer(el, 1, TimeUnit.MILLISECONDS); else q.offer(el);} } catch (InterruptedException e) {} };
    Runnable cons = () -> { try { long n=0; while (!stop.get()) { if ((timed ? q.poll(1, TimeUnit.MILLISECONDS) : q.poll()) != null) n++; } polled.add(n);} catch (InterruptedException e) {} };
    Thread[] ts = {new Thread(prod), new Thread(prod), new Thread(cons), new Thread(cons)};
    for (Thread t : ts) t.start();
    Thread.sleep(3000);
    Object s0 = q instanceof ElasticBuffer<?> eb ? eb.stats() : null;
    long t0 = System.nanoTime();
    Thread.sleep(5000);
    Object s1 = q instanceof ElasticBuffer<?> eb ? eb.stats() : null;
    long t1 = System.nanoTime();
    stop.set(true); for (Thread t : ts) t.join();
    System.out.println("s0=" + s0 + "\ns1=" + s1 + "\nsecs=" + (t1 - t0) / 1e9 + " polled total " + polled.sum());
  }
}
