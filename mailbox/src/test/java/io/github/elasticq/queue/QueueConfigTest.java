package io.github.elasticq.queue;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.function.UnaryOperator;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Validation and arithmetic of {@link QueueConfig}. */
class QueueConfigTest {

  /** A valid base that each case breaks in exactly one way. */
  private static QueueConfig.Builder base() {
    return QueueConfig.builder()
        .initialCapacity(16)
        .minCapacity(8)
        .maxCapacity(64)
        .growthFactor(2.0)
        .shrinkThreshold(0.25);
  }

  static Stream<Arguments> invalidCombinations() {
    return Stream.of(
        invalid("initialCapacity zero", b -> b.initialCapacity(0), "initialCapacity", "0"),
        invalid("initialCapacity negative", b -> b.initialCapacity(-5), "initialCapacity", "-5"),
        invalid("minCapacity zero", b -> b.minCapacity(0), "minCapacity", "0"),
        invalid("minCapacity negative", b -> b.minCapacity(-1), "minCapacity", "-1"),
        invalid("maxCapacity zero", b -> b.maxCapacity(0), "maxCapacity", "0"),
        invalid("maxCapacity negative", b -> b.maxCapacity(-64), "maxCapacity", "-64"),
        invalid(
            "min above max", b -> b.minCapacity(100).initialCapacity(100), "minCapacity", "100"),
        invalid("initial below min", b -> b.initialCapacity(4), "initialCapacity", "4"),
        invalid("initial above max", b -> b.initialCapacity(65), "initialCapacity", "65"),
        // above 2^30 the power-of-two array size overflows: the first offer threw
        // NegativeArraySizeException
        invalid(
            "initialCapacity above 2^30",
            b -> b.initialCapacity((1 << 30) + 1).maxCapacity(Integer.MAX_VALUE),
            "initialCapacity",
            "was 1073741825"),
        invalid(
            "minCapacity above 2^30",
            b -> b.minCapacity(Integer.MAX_VALUE),
            "minCapacity",
            "was 2147483647"),
        // the message also states the bound "> 1.0": ask for the value as reported
        invalid("growthFactor one", b -> b.growthFactor(1.0), "growthFactor", "was 1.0"),
        invalid("growthFactor below one", b -> b.growthFactor(0.5), "growthFactor", "0.5"),
        invalid("growthFactor NaN", b -> b.growthFactor(Double.NaN), "growthFactor", "NaN"),
        invalid(
            "growthFactor infinite",
            b -> b.growthFactor(Double.POSITIVE_INFINITY),
            "growthFactor",
            "Infinity"),
        invalid("shrinkThreshold zero", b -> b.shrinkThreshold(0.0), "shrinkThreshold", "0.0"),
        invalid("shrinkThreshold one", b -> b.shrinkThreshold(1.0), "shrinkThreshold", "1.0"),
        invalid(
            "shrinkThreshold negative", b -> b.shrinkThreshold(-0.5), "shrinkThreshold", "-0.5"),
        invalid(
            "shrinkThreshold NaN", b -> b.shrinkThreshold(Double.NaN), "shrinkThreshold", "NaN"));
  }

  private static Arguments invalid(
      String name, UnaryOperator<QueueConfig.Builder> breakIt, String field, String value) {
    return Arguments.of(name, breakIt, field, value);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("invalidCombinations")
  void build_invalid_namesFieldAndValue(
      String name, UnaryOperator<QueueConfig.Builder> breakIt, String field, String value) {
    assertThatThrownBy(() -> breakIt.apply(base()).build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining(field)
        .hasMessageContaining(value);
  }

  @Test
  void build_valid_keepsValues() {
    QueueConfig c = base().build();
    assertThat(c.initialCapacity()).isEqualTo(16);
    assertThat(c.minCapacity()).isEqualTo(8);
    assertThat(c.maxCapacity()).isEqualTo(64);
    assertThat(c.growthFactor()).isEqualTo(2.0);
    assertThat(c.shrinkThreshold()).isEqualTo(0.25);
    assertThat(c.toBuilder().build()).isEqualTo(c).hasSameHashCodeAs(c);
    assertThat(c.toString()).contains("minCapacity=8", "maxCapacity=64");
  }

  @Test
  void burstMemory_isOffByDefault_andCarriedByToBuilder() {
    assertThat(QueueConfig.defaults().burstMemory()).isFalse();
    QueueConfig on = base().burstMemory(true).build();
    assertThat(on.burstMemory()).isTrue();
    assertThat(on.toBuilder().build()).isEqualTo(on).hasSameHashCodeAs(on);
    assertThat(on).isNotEqualTo(base().build());
    assertThat(on.toString()).contains("burstMemory=true");
    // Without it the streak is the queue's own; with it, about capacity operations.
    assertThat(base().build().shrinkStreak(1024, 4, 16)).isEqualTo(4);
    assertThat(on.shrinkStreak(1024, 4, 16)).isEqualTo(64);
    assertThat(on.shrinkStreak(32, 4, 16)).isEqualTo(4);
    assertThat(on.shrinkStreak(1 << 30, 4, 1)).isEqualTo(Short.MAX_VALUE);
  }

  @Test
  void build_boundaryValues_areAccepted() {
    QueueConfig c =
        QueueConfig.builder()
            .initialCapacity(1)
            .minCapacity(1)
            .maxCapacity(1)
            .growthFactor(1.000001)
            .shrinkThreshold(0.999)
            .build();
    assertThat(c.maxCapacity()).isEqualTo(1);
    QueueConfig largest =
        QueueConfig.builder()
            .initialCapacity(QueueConfig.CAPACITY_LIMIT)
            .minCapacity(QueueConfig.CAPACITY_LIMIT)
            .maxCapacity(QueueConfig.CAPACITY_LIMIT)
            .build();
    assertThat(largest.maxCapacity()).isEqualTo(1 << 30);
    assertThat(AbstractElasticMpscQueue.tableSizeFor(largest.maxCapacity())).isEqualTo(1 << 30);
    // "no bound": accepted; the lock-free queues stop growing at CAPACITY_LIMIT
    QueueConfig unbounded = QueueConfig.builder().maxCapacity(Integer.MAX_VALUE).build();
    assertThat(unbounded.maxCapacity()).isEqualTo(Integer.MAX_VALUE);
    ElasticMpscQueue<Integer> q = new ElasticMpscQueue<>(unbounded);
    for (int i = 0; i < 1000; i++) {
      assertThat(q.offer(i)).isTrue();
    }
    assertThat(q.size()).isEqualTo(1000);
  }

  @Test
  void defaults_matchElasticq() {
    QueueConfig d = QueueConfig.defaults();
    assertThat(d.initialCapacity()).isEqualTo(1024);
    assertThat(d.minCapacity()).isEqualTo(1024);
    assertThat(d.maxCapacity()).isEqualTo(65536);
    assertThat(d.growthFactor()).isEqualTo(2.0);
    assertThat(d.shrinkThreshold()).isEqualTo(0.25);
  }

  @Test
  void grownCapacity_isCeilOfProductCappedAtMax() {
    QueueConfig c =
        base().minCapacity(2).initialCapacity(2).maxCapacity(20).growthFactor(1.5).build();
    assertThat(c.grownCapacity(2)).isEqualTo(3);
    assertThat(c.grownCapacity(5)).isEqualTo(8);
    assertThat(c.grownCapacity(18)).isEqualTo(20);
    assertThat(c.grownCapacity(20)).isEqualTo(20);
    QueueConfig slow =
        base().minCapacity(1).initialCapacity(1).maxCapacity(10).growthFactor(1.01).build();
    assertThat(slow.grownCapacity(3)).as("always at least one more below max").isEqualTo(4);
  }

  /**
   * A max capacity above CAPACITY_LIMIT ("no bound") is accepted, but no queue may grow past the
   * limit: 2^31 slots is beyond what an array holds. ElasticBuffer and the streams' ring grew to
   * grownCapacity, which went up to the max (1.5 x 2^29 = 805,306,368 -> 1,610,612,736; 2^30 ->
   * Integer.MAX_VALUE, an array the VM refuses). Only the arithmetic is tested: a queue at 2^30
   * elements needs a 4 GiB array.
   */
  @Test
  void grownCapacity_withAMaxAboveTheLimit_stopsAtTheLimit() {
    QueueConfig unbounded = QueueConfig.builder().maxCapacity(Integer.MAX_VALUE).build();
    int limit = QueueConfig.CAPACITY_LIMIT;
    assertThat(unbounded.grownCapacity(1 << 28)).isEqualTo(1 << 29);
    assertThat(unbounded.grownCapacity(1 << 29)).isEqualTo(limit);
    assertThat(unbounded.grownCapacity(3 << 28)).as("2 x 1.5 x 2^28").isEqualTo(limit);
    assertThat(unbounded.grownCapacity(limit - 1)).isEqualTo(limit);
    assertThat(unbounded.grownCapacity(limit)).as("no step past the limit").isEqualTo(limit);
    QueueConfig slow =
        QueueConfig.builder().maxCapacity(Integer.MAX_VALUE).growthFactor(1.000001).build();
    assertThat(slow.grownCapacity(limit - 1)).isEqualTo(limit);
    assertThat(slow.grownCapacity(limit)).isEqualTo(limit);
    QueueConfig justAbove = QueueConfig.builder().maxCapacity(limit + 1).build();
    assertThat(justAbove.grownCapacity(1 << 29)).isEqualTo(limit);
    assertThat(justAbove.grownCapacity(limit)).isEqualTo(limit);
    assertThat(unbounded.heldAtMost()).isEqualTo(limit);
    assertThat(justAbove.heldAtMost()).isEqualTo(limit);
    assertThat(QueueConfig.builder().maxCapacity(limit).build().heldAtMost()).isEqualTo(limit);
    QueueConfig small =
        QueueConfig.builder().initialCapacity(16).minCapacity(16).maxCapacity(100).build();
    assertThat(small.heldAtMost()).isEqualTo(100);
  }

  @Test
  void shrunkCapacity_neverBelowMinOrSize() {
    QueueConfig c =
        base().minCapacity(2).initialCapacity(2).maxCapacity(20).growthFactor(1.5).build();
    assertThat(c.shrunkCapacity(20, 0)).isEqualTo(14);
    assertThat(c.shrunkCapacity(3, 0)).isEqualTo(2);
    assertThat(c.shrunkCapacity(2, 0)).isEqualTo(2);
    assertThat(c.shrunkCapacity(20, 17)).isEqualTo(17);
    QueueConfig slow =
        base().minCapacity(1).initialCapacity(1).maxCapacity(10).growthFactor(1.5).build();
    assertThat(slow.shrunkCapacity(2, 0)).as("ceil(2 / 1.5) = 2: one less").isEqualTo(1);
    assertThat(slow.shrunkCapacity(2, 2)).as("never below the size").isEqualTo(2);
  }

  @Test
  void shrunkCapacity_alwaysProgressesAboveTheFloor() {
    for (double g : new double[] {1.01, 1.1, 1.5, 1.99, 2.0, 3.7}) {
      QueueConfig c =
          base().minCapacity(1).initialCapacity(1).maxCapacity(1000).growthFactor(g).build();
      for (int cap = 2; cap <= 1000; cap++) {
        assertThat(c.shrunkCapacity(cap, 0)).as("g %s, capacity %d", g, cap).isLessThan(cap);
      }
    }
  }
}
