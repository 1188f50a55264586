package io.github.elasticq.mailbox.management;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.elasticq.mailbox.MailboxInfo;
import io.github.elasticq.mailbox.QosMailbox;
import io.github.elasticq.queue.QueueConfig;
import io.github.elasticq.queue.QueueStats;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The figures of a QoS mailbox in the route's JSON: shed counts and bounds, total and per level.
 */
class MailboxJsonTest {

  /** A three-level QoS mailbox, each level at 16 slots, with the given bound and shed counts. */
  private static MailboxInfo qosMailbox(int maxCapacity, List<Long> levelShed) {
    QueueStats level = new QueueStats(16, 0, 0, 0, 0, 0, 0, 0, 16);
    return new MailboxInfo(
        "q",
        "pekko://s/user/a",
        QosMailbox.class.getName(),
        level,
        List.of(level, level, level),
        0,
        maxCapacity,
        0,
        List.of(0L, 0L, 0L),
        levelShed);
  }

  @Test
  void qosMailbox_showsShedInTotalAndPerLevel() {
    String json = MailboxJson.list("s", 1, List.of(qosMailbox(100, List.of(920L, 1000L, 0L))));

    assertThat(json).contains("\"clampedLevels\":0,\"shed\":1920,\"levels\":[");
    assertThat(json).contains("\"allocatedSlots\":16},\"shed\":920}");
    assertThat(json).contains("\"allocatedSlots\":16},\"shed\":1000}");
  }

  /**
   * A QosMailbox with levels = 1 (valid) is one all the same: its QoS fields used to be left out,
   * as the route told a QoS mailbox by having more than one level.
   */
  @Test
  void qosMailboxOfOneLevel_keepsItsQosFields() {
    QueueStats level = new QueueStats(16, 2, 10, 8, 0, 0, 0, 3, 16);
    MailboxInfo info =
        new MailboxInfo(
            "one-level",
            "pekko://s/user/a",
            QosMailbox.class.getName(),
            level,
            List.of(level),
            5,
            100,
            0,
            List.of(0L),
            List.of(7L));

    String json = MailboxJson.list("s", 1, List.of(info));

    assertThat(json).contains("\"clampedLevels\":5,\"shed\":7,\"levels\":[{\"level\":0,");
  }

  /** The mailbox's max is levels × max-capacity: 3 × 2^30 used to overflow to a negative int. */
  @Test
  void qosMailbox_atTheLargestMaxCapacity_showsTheProductOfAllLevels() {
    MailboxInfo info = qosMailbox(QueueConfig.CAPACITY_LIMIT, List.of(0L, 0L, 0L));

    String json = MailboxJson.list("s", 1, List.of(info));

    assertThat(json).contains("\"max\":" + 3L * (1 << 30) + ",");
    assertThat(json).contains("\"max\":" + (1 << 30) + ",");
  }
}
