package io.github.elasticq.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

/** The resize report: its arguments, and a real run that counts what the queue did. */
class BufferResizeReportTest {

  @Test
  void badArguments_areNamed() {
    assertThatThrownBy(() -> BufferResizeReport.main(new String[] {"five"}))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("seconds must be a whole number, was 'five'");
    assertThatThrownBy(() -> BufferResizeReport.main(new String[] {"0"}))
        .hasMessage("seconds must be >= 1, was 0");
    assertThatThrownBy(() -> BufferResizeReport.measure("ArrayBlockingQueue", 1))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("ArrayBlockingQueue is not an ElasticBuffer configuration");
  }

  @Test
  void aBufferHeldAtMax_movesElementsAndNeverResizes() throws InterruptedException {
    BufferResizeReport.Result r = BufferResizeReport.measure(Queues.ELASTIC_BUFFER_FIXED, 1);

    assertThat(r.elements()).isPositive();
    assertThat(r.grows()).isZero();
    assertThat(r.shrinks()).isZero();
    assertThat(r.capacityAtEnd()).isEqualTo(Queues.MAX);
    assertThat(r.sizes()).hasSize(4);
    assertThat(r.row())
        .startsWith("| ElasticBuffer+fixed | ")
        .endsWith(
            " | 0 | 0 | 0.000 | "
                + r.sizes()[0]
                + " / "
                + r.sizes()[1]
                + " / "
                + r.sizes()[2]
                + " / "
                + r.sizes()[3]
                + " | 65,536 |");
  }
}
