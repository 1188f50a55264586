package io.github.elasticq.mailbox.management;

import io.github.elasticq.mailbox.MailboxInfo;
import io.github.elasticq.queue.QueueStats;
import java.util.List;

/**
 * Renders mailboxes as JSON by hand: the documents are flat numbers and a few strings, so a small
 * escaper is enough and the module needs no JSON library. Stateless; any thread.
 *
 * <p>One mailbox:
 *
 * <pre>
 * {"id":"my-mailbox","owner":"pekko://sys/user/a","type":"io.github.elasticq.mailbox.ElasticMailbox",
 *  "size":3,"peak":70,"capacity":16,"max":1048576,
 *  "counters":{"enqueued":120,"dequeued":117,"rejected":0,"grows":3,"shrinks":3,"allocatedSlots":16}}
 * </pre>
 *
 * A {@code QosMailbox} adds {@code "clampedLevels"}, {@code "shed"} (messages refused by overload
 * shedding, all levels; also per level) and {@code "levels"}: one object per level, lowest first,
 * with {@code level}, {@code size}, {@code peak}, {@code capacity}, {@code max} and {@code
 * counters}. Every figure is the {@code QueueStats} field of the same meaning ({@code peak} is
 * {@code peakSize}); {@code max} is the configured {@code max-capacity}; for a QoS mailbox it
 * bounds each level, and the mailbox's own {@code max} is {@code levels × max-capacity}.
 */
final class MailboxJson {
  private MailboxJson() {}

  static String list(String system, int total, List<MailboxInfo> mailboxes) {
    StringBuilder sb = new StringBuilder(64 + 256 * mailboxes.size());
    sb.append("{\"system\":");
    quote(sb, system);
    sb.append(",\"total\":").append(total).append(",\"mailboxes\":[");
    appendAll(sb, mailboxes);
    return sb.append("]}").toString();
  }

  static String byId(String id, List<MailboxInfo> mailboxes) {
    StringBuilder sb = new StringBuilder(64 + 256 * mailboxes.size());
    sb.append("{\"id\":");
    quote(sb, id);
    sb.append(",\"total\":").append(mailboxes.size()).append(",\"mailboxes\":[");
    appendAll(sb, mailboxes);
    return sb.append("]}").toString();
  }

  static String error(int status, String message) {
    StringBuilder sb = new StringBuilder("{\"status\":").append(status).append(",\"error\":");
    quote(sb, message);
    return sb.append('}').toString();
  }

  private static void appendAll(StringBuilder sb, List<MailboxInfo> mailboxes) {
    for (int i = 0; i < mailboxes.size(); i++) {
      if (i > 0) {
        sb.append(',');
      }
      mailbox(sb, mailboxes.get(i));
    }
  }

  private static void mailbox(StringBuilder sb, MailboxInfo m) {
    sb.append("{\"id\":");
    quote(sb, m.id());
    sb.append(",\"owner\":");
    quote(sb, m.ownerPath());
    sb.append(",\"type\":");
    quote(sb, m.mailboxType());
    sb.append(',');
    figures(
        sb,
        m.stats(),
        // long: up to 64 levels of up to 2^30 each
        m.isQos() ? (long) m.maxCapacity() * m.levelStats().size() : m.maxCapacity());
    if (m.isQos()) { // also with levels = 1 (told by level count, it lost these fields)
      sb.append(",\"clampedLevels\":").append(m.clampedLevels());
      sb.append(",\"shed\":").append(m.shed()).append(",\"levels\":[");
      for (int level = 0; level < m.levelStats().size(); level++) {
        if (level > 0) {
          sb.append(',');
        }
        sb.append("{\"level\":").append(level).append(',');
        figures(sb, m.levelStats().get(level), m.maxCapacity());
        sb.append(",\"shed\":").append(m.levelShed().get(level)).append('}');
      }
      sb.append(']');
    }
    sb.append('}');
  }

  private static void figures(StringBuilder sb, QueueStats s, long max) {
    sb.append("\"size\":")
        .append(s.size())
        .append(",\"peak\":")
        .append(s.peakSize())
        .append(",\"capacity\":")
        .append(s.capacity())
        .append(",\"max\":")
        .append(max)
        .append(",\"counters\":{\"enqueued\":")
        .append(s.enqueued())
        .append(",\"dequeued\":")
        .append(s.dequeued())
        .append(",\"rejected\":")
        .append(s.rejected())
        .append(",\"grows\":")
        .append(s.grows())
        .append(",\"shrinks\":")
        .append(s.shrinks())
        .append(",\"allocatedSlots\":")
        .append(s.allocatedSlots())
        .append('}');
  }

  /** Appends {@code s} as a JSON string (RFC 8259): quotes, backslash and controls escaped. */
  static void quote(StringBuilder sb, String s) {
    sb.append('"');
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      switch (c) {
        case '"' -> sb.append("\\\"");
        case '\\' -> sb.append("\\\\");
        case '\n' -> sb.append("\\n");
        case '\r' -> sb.append("\\r");
        case '\t' -> sb.append("\\t");
        default -> {
          if (c < 0x20 || c == '\u2028' || c == '\u2029') {
            sb.append(String.format("\\u%04x", (int) c));
          } else {
            sb.append(c);
          }
        }
      }
    }
    sb.append('"');
  }
}
