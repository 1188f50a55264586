package io.github.elasticq.mailbox.management;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.elasticq.mailbox.MailboxInfo;
import io.github.elasticq.mailbox.QosMailbox;
import io.github.elasticq.queue.QueueStats;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The shed counts of a QoS mailbox in the route's JSON: in total and per level. */
class MailboxJsonShedTest {

  @Test
  void qosMailbox_showsShedInTotalAndPerLevel() {
    QueueStats level = new QueueStats(16, 0, 0, 0, 0, 0, 0, 0, 16);
    MailboxInfo info =
        new MailboxInfo(
            "q",
            "pekko://s/user/a",
            QosMailbox.class.getName(),
            level,
            List.of(level, level, level),
            0,
            100,
            0,
            List.of(0L, 0L, 0L),
            List.of(920L, 1000L, 0L),
            1);

    String json = MailboxJson.list("s", 1, List.of(info));

    assertThat(json).contains("\"clampedLevels\":0,\"shed\":1920,\"levels\":[");
    assertThat(json).contains("\"allocatedSlots\":16},\"shed\":920}");
    assertThat(json).contains("\"allocatedSlots\":16},\"shed\":1000}");
  }
}
