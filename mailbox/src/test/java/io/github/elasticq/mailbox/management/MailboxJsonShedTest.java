package io.github.elasticq.mailbox.management;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.elasticq.mailbox.MailboxInfo;
import io.github.elasticq.mailbox.QosMailbox;
import io.github.elasticq.queue.QueueStats;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The figures of a QoS mailbox in the route's JSON: shed counts in total and per level, and the
 * mailbox's max (the levels' bounds together) beyond the int range.
 */
class MailboxJsonShedTest {

  /** The JSON of one idle QoS mailbox with one level per {@code shed} element. */
  private static String qosJson(int maxCapacity, List<Long> shed) {
    QueueStats level = new QueueStats(16, 0, 0, 0, 0, 0, 0, 0, 16);
    MailboxInfo info =
        new MailboxInfo(
            "q",
            "pekko://s/user/a",
            QosMailbox.class.getName(),
            level,
            Collections.nCopies(shed.size(), level),
            0,
            maxCapacity,
            0,
            Collections.nCopies(shed.size(), 0L),
            shed,
            0);
    return MailboxJson.list("s", 1, List.of(info));
  }

  @Test
  void qosMailbox_showsShedInTotalAndPerLevel() {
    String json = qosJson(100, List.of(920L, 1000L, 0L));

    assertThat(json).contains("\"clampedLevels\":0,\"shed\":1920,\"levels\":[");
    assertThat(json).contains("\"allocatedSlots\":16},\"shed\":920}");
    assertThat(json).contains("\"allocatedSlots\":16},\"shed\":1000}");
  }

  @Test
  void qosMailbox_withLevelsTogetherBeyondIntRange_showsTheirMax() {
    String json = qosJson(Integer.MAX_VALUE, List.of(0L, 0L));

    assertThat(json).contains("\"max\":" + 2L * Integer.MAX_VALUE + ",");
    assertThat(json).contains("\"max\":" + Integer.MAX_VALUE + ",");
  }
}
