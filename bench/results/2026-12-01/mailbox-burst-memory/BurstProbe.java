import com.typesafe.config.*;
import java.util.concurrent.*;
import org.apache.pekko.actor.*;
import io.github.elasticq.mailbox.MailboxRegistry;

public class BurstProbe {
  static final int BURST = 100_000;
  static final class Count extends AbstractActor {
    long n; long target = Long.MAX_VALUE; CountDownLatch latch;
    public Receive createReceive() {
      return receiveBuilder()
        .match(Integer.class, m -> { if (++n == target) latch.countDown(); })
        .match(Object[].class, a -> { target = (Long) a[0]; latch = (CountDownLatch) a[1]; if (n >= target) latch.countDown(); })
        .build();
    }
  }
  public static void main(String[] args) throws Exception {
    String mb = args[0];
    int rounds = Integer.parseInt(args[1]);
    String sec = switch (mb) {
      case "compact" -> "mailbox-type = \"io.github.elasticq.mailbox.ElasticMailbox\"";
      case "padded" -> "mailbox-type = \"io.github.elasticq.mailbox.ElasticMailbox\", layout = padded";
      default -> "mailbox-type = \"org.apache.pekko.dispatch.SingleConsumerOnlyUnboundedMailbox\"";
    };
    Config c = ConfigFactory.parseString("bm {" + sec + "}\npekko.loglevel=WARNING\n" + (args.length > 2 ? args[2] : "")).withFallback(ConfigFactory.load()).resolve();
    ActorSystem sys = ActorSystem.create("p", c);
    ActorRef a = sys.actorOf(Props.create(Count.class, Count::new).withMailbox("bm"), "sink");
    Integer msg = 7;
    long sent = 0;
    double sumSend = 0, sumTot = 0; int m = 0;
    for (int r = 0; r < rounds; r++) {
      CountDownLatch l = new CountDownLatch(1);
      sent += BURST;
      a.tell(new Object[] {sent, l}, ActorRef.noSender());
      long t0 = System.nanoTime();
      for (int i = 0; i < BURST; i++) a.tell(msg, ActorRef.noSender());
      long t1 = System.nanoTime();
      l.await();
      long t2 = System.nanoTime();
      if (r >= rounds / 2) { sumSend += (t1 - t0); sumTot += (t2 - t0); m++; }
    }
    System.out.printf("%s send %.1f ns/msg  total %.1f ns/msg  (%.0f msg/ms)%n", mb, sumSend / m / BURST, sumTot / m / BURST, 1e6 * BURST * m / sumTot);
    if (!mb.equals("scou")) {
      MailboxRegistry.get(sys).mailboxes().forEach(i -> System.out.println("  " + i));
    }
    sys.terminate();
  }
}
