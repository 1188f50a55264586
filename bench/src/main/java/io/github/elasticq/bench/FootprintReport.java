package io.github.elasticq.bench;

import io.github.elasticq.queue.CompactElasticMpscQueue;
import io.github.elasticq.queue.ElasticMpscQueue;
import io.github.elasticq.queue.QosQueue;
import io.github.elasticq.queue.QueueConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import org.apache.pekko.dispatch.NodeMessageQueue;
import org.jctools.queues.MpscChunkedArrayQueue;
import org.openjdk.jol.info.ClassLayout;
import org.openjdk.jol.info.GraphLayout;
import org.openjdk.jol.vm.VM;

/**
 * Bytes retained by one empty queue, measured with JOL ({@code GraphLayout.totalSize()}: the object
 * and everything reachable from it), printed as a markdown table. The elastic queues are built at
 * min = initial = 16 (the mailbox defaults); the {@link QueueConfig} is shared by every queue of a
 * mailbox type, so the table also shows the size without it. Both layouts are measured new (no
 * element array yet: the first buffer is allocated by the first offer) and after one offer and
 * poll; further rows show a padded queue after a burst to 65536 elements and a full drain (memory
 * follows capacity), and a three-level QosQueue, new and after each level was used once.
 *
 * <p>Run: {@code java -cp bench/target/benchmarks.jar io.github.elasticq.bench.FootprintReport
 * [output.md]}.
 */
public final class FootprintReport {
  private FootprintReport() {}

  private record Row(String queue, long total, long perQueue, String note) {}

  /**
   * Measures {@code queue} now and adds its row. Bytes per queue are the marginal cost: what {@code
   * queue} reaches that {@code sibling} (a new queue of the same kind and config) does not, so the
   * objects every queue of a mailbox type shares (the QueueConfig, the default tuning) count once.
   */
  private static void addRow(
      List<Row> rows, String name, Object queue, Object sibling, String note) {
    long total = GraphLayout.parseInstance(queue).totalSize();
    long marginal =
        GraphLayout.parseInstance(queue, sibling).totalSize()
            - GraphLayout.parseInstance(sibling).totalSize();
    rows.add(new Row(name, total, marginal, note));
  }

  /**
   * Prints the table, and writes it to {@code args[0]} when given.
   *
   * @param args optional output file
   * @throws IOException if the file cannot be written
   */
  public static void main(String[] args) throws IOException {
    QueueConfig mailboxConfig =
        QueueConfig.builder()
            .initialCapacity(16)
            .minCapacity(16)
            .maxCapacity(1_048_576)
            .growthFactor(2.0)
            .shrinkThreshold(0.25)
            .build();
    long configSize = GraphLayout.parseInstance(mailboxConfig).totalSize();
    List<Row> rows = new ArrayList<>();

    ElasticMpscQueue<Object> elastic = new ElasticMpscQueue<>(mailboxConfig);
    addRow(
        rows,
        "ElasticMpscQueue (min 16), new: never offered to",
        elastic,
        new ElasticMpscQueue<>(mailboxConfig),
        "padded; no element array until the first offer (lazy first buffer)");
    elastic.offer(1);
    elastic.poll();
    addRow(
        rows,
        "ElasticMpscQueue (min 16), empty after one offer + poll",
        elastic,
        new ElasticMpscQueue<>(mailboxConfig),
        "3 x 64-byte padding against false sharing + the array: 16 slots + its link slot");

    CompactElasticMpscQueue<Object> compact = new CompactElasticMpscQueue<>(mailboxConfig);
    addRow(
        rows,
        "CompactElasticMpscQueue (min 16), new: never offered to",
        compact,
        new CompactElasticMpscQueue<>(mailboxConfig),
        "unpadded (the mailboxes' queue); no element array until the first offer");
    compact.offer(1);
    compact.poll();
    addRow(
        rows,
        "CompactElasticMpscQueue (min 16), empty after one offer + poll",
        compact,
        new CompactElasticMpscQueue<>(mailboxConfig),
        "the array: 16 slots + its link slot, no padding");

    ElasticMpscQueue<Object> drained = new ElasticMpscQueue<>(mailboxConfig);
    for (int i = 0; i < 65_536; i++) {
      drained.offer(i);
    }
    long peakSlots = drained.stats().allocatedSlots();
    while (drained.poll() != null) {
      // drain; shrinking is driven by these polls
    }
    addRow(
        rows,
        "ElasticMpscQueue (min 16), after 65536-element burst + drain",
        drained,
        new ElasticMpscQueue<>(mailboxConfig),
        "slots held at peak "
            + peakSlots
            + ", right after the drain "
            + drained.stats().allocatedSlots()
            + ", capacity "
            + drained.capacity());
    int emptyPolls = 0;
    while (drained.capacity() > mailboxConfig.minCapacity() && emptyPolls < 1_000) {
      drained.poll(); // idle consumer operations: the shrink is driven by them
      emptyPolls++;
    }
    addRow(
        rows,
        "ElasticMpscQueue (min 16), same queue after " + emptyPolls + " more empty polls",
        drained,
        new ElasticMpscQueue<>(mailboxConfig),
        "slots held " + drained.stats().allocatedSlots() + ", capacity " + drained.capacity());

    QosQueue<Object> qos = QosQueue.weighted(mailboxConfig, 1, 2, 4);
    addRow(
        rows,
        "QosQueue (3 levels, weighted 1/2/4), new",
        qos,
        QosQueue.weighted(mailboxConfig, 1, 2, 4),
        "no level queue until the first offer to that level");
    for (int level = 0; level < qos.levels(); level++) {
      qos.offer(level, level);
    }
    while (qos.poll() != null) {
      // drain
    }
    addRow(
        rows,
        "QosQueue (3 levels, weighted 1/2/4), empty after one offer + poll per level",
        qos,
        QosQueue.weighted(mailboxConfig, 1, 2, 4),
        "three CompactElasticMpscQueues, each with its 16-slot array");

    NodeMessageQueue node = new NodeMessageQueue();
    long nodeTotal = GraphLayout.parseInstance(node).totalSize();
    rows.add(
        new Row(
            "Pekko NodeMessageQueue (SingleConsumerOnlyUnboundedMailbox)",
            nodeTotal,
            nodeTotal,
            "AbstractNodeQueue: the queue object and its stub node"));

    ConcurrentLinkedQueue<Object> clq = new ConcurrentLinkedQueue<>();
    long clqTotal = GraphLayout.parseInstance(clq).totalSize();
    rows.add(
        new Row(
            "ConcurrentLinkedQueue (inside UnboundedMailbox)",
            clqTotal,
            clqTotal,
            "the queue only; the mailbox's MessageQueue wrapper adds its own header"));

    MpscChunkedArrayQueue<Object> chunked = new MpscChunkedArrayQueue<>(16, 1_048_576);
    long chunkedTotal = GraphLayout.parseInstance(chunked).totalSize();
    rows.add(
        new Row(
            "JCTools MpscChunkedArrayQueue (chunk 16, max 1048576)",
            chunkedTotal,
            chunkedTotal,
            "padded like ElasticMpscQueue"));

    StringBuilder md = new StringBuilder();
    md.append("# Idle footprint of one empty queue (JOL)\n\n");
    md.append("JVM: ")
        .append(System.getProperty("java.vm.name"))
        .append(' ')
        .append(System.getProperty("java.vm.version"))
        .append(" (object layout details at the end)\n\n");
    md.append("| queue | bytes (total graph) | bytes per queue | vs Pekko node queue | note |\n");
    md.append("|---|---:|---:|---:|---|\n");
    for (Row r : rows) {
      md.append(
          String.format(
              "| %s | %d | %d | %.2fx | %s |%n",
              r.queue(), r.total(), r.perQueue(), (double) r.perQueue() / nodeTotal, r.note()));
    }
    md.append("\n`bytes per queue` is the marginal cost of one more queue: it excludes what all")
        .append(" queues of one mailbox type share (the QueueConfig, ")
        .append(configSize)
        .append(" bytes, and the elastic queues' default tuning object).\n\n");
    md.append("Field layout of the compact queue (JOL `ClassLayout`; the padded ElasticMpscQueue")
        .append(" object is ")
        .append(ClassLayout.parseInstance(elastic).instanceSize())
        .append(" bytes: the same fields plus 3 x 64 bytes of padding):\n\n```\n")
        .append(ClassLayout.parseInstance(compact).toPrintable())
        .append("```\n\n");
    md.append("```\n").append(VM.current().details()).append("```\n");
    System.out.print(md);
    if (args.length > 0) {
      Files.writeString(Path.of(args[0]), md);
    }
  }
}
