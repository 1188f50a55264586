package io.github.elasticq.tla;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Model-checks the TLA+ specifications in {@code src/main/tla} with TLC, in child JVMs (see {@link
 * TlcRunner}), during {@code verify}.
 *
 * <ul>
 *   <li>The algorithm as implemented must pass every invariant and temporal property.
 *   <li>Each negative control (a deliberately broken variant, selected by the {@code Bug} constant)
 *       must make TLC report exactly the invariant or temporal property its configuration names:
 *       the properties are not vacuous and the checker still finds bugs.
 *   <li>Each reachability witness must be violated: the configurations reach the races the
 *       invariants are about (a producer claiming into a buffer retired under it, a stale capacity
 *       after a shrink, an in-place resize, a rejection, the consumer's buffer hop).
 * </ul>
 *
 * <p>Configurations whose name contains {@code -large} are run only with {@code -Dtla.large=true}.
 */
class ModelCheckTest {

  private static final String MPSC = "ElasticMpscQueue";
  private static final String QOS = "QosScheduler";
  private static final Duration DEFAULT_TIMEOUT = Duration.ofMinutes(5);
  private static final Duration LARGE_TIMEOUT = Duration.ofHours(2);

  /** What TLC must report for one configuration. */
  enum Expect {
    /** Exit 0, the search completed without error. */
    PASS,
    /** Exit 12, TLC names the configuration's only invariant as violated. */
    INVARIANT_VIOLATED,
    /** Exit 13, the configuration's only temporal property is violated. */
    TEMPORAL_VIOLATED
  }

  /** One TLC run and its expected outcome. */
  record Check(String module, String config, Expect expect) {
    @Override
    public String toString() {
      return config + " -> " + expect;
    }
  }

  static Stream<Check> defaultChecks() {
    return Stream.of(
        // the algorithm as implemented
        pass(MPSC, "ElasticMpscQueue.cfg"),
        pass(MPSC, "ElasticMpscQueue-inplace.cfg"),
        pass(MPSC, "ElasticMpscQueue-liveness.cfg"),
        pass(MPSC, "ElasticMpscQueue-liveness-reject.cfg"),
        pass(MPSC, "ElasticMpscQueue-relaxed.cfg"),
        pass(MPSC, "ElasticMpscQueue-mailbox.cfg"),
        pass(MPSC, "ElasticMpscQueue-mailbox-liveness.cfg"),
        pass(MPSC, "ElasticMpscQueue-mailbox-batch.cfg"),
        pass(MPSC, "ElasticMpscQueue-mailbox-batch-liveness.cfg"),
        pass(MPSC, "ElasticMpscQueue-mixed-batch.cfg"),
        pass(MPSC, "ElasticMpscQueue-mixed-batch-liveness.cfg"),
        // a documented limit: shrinkThreshold x growthFactor >= 1 lets size reach capacity + 1
        invariant(MPSC, "ElasticMpscQueue-threshold-overshoot-SizeWithinCapacity.cfg"),
        // negative controls
        invariant(MPSC, "ElasticMpscQueue-bug-AdvanceBeforeRead-NoLoss.cfg"),
        invariant(MPSC, "ElasticMpscQueue-bug-AdvanceBeforeRead-PerProducerFifo.cfg"),
        invariant(MPSC, "ElasticMpscQueue-bug-AdvanceBeforeRead-PollsInClaimOrder.cfg"),
        invariant(MPSC, "ElasticMpscQueue-bug-SkipBufferLookup-NoPublishIntoRetiredBuffer.cfg"),
        invariant(MPSC, "ElasticMpscQueue-bug-SkipBufferLookup-NoLoss.cfg"),
        invariant(MPSC, "ElasticMpscQueue-bug-ShrinkBelowSize-NoShrinkBelowSize.cfg"),
        invariant(MPSC, "ElasticMpscQueue-bug-ShrinkBelowSize-SizeWithinCapacity.cfg"),
        invariant(MPSC, "ElasticMpscQueue-bug-SkipClear-NoDuplicate.cfg"),
        invariant(MPSC, "ElasticMpscQueue-bug-ReadClaimedSlot-NoReadOfUnpublished.cfg"),
        invariant(MPSC, "ElasticMpscQueue-bug-ReadClaimedSlot-TypeOK.cfg"),
        invariant(MPSC, "ElasticMpscQueue-bug-GrowPastMax-CapacityWithinBounds.cfg"),
        temporal(MPSC, "ElasticMpscQueue-bug-NoBufferHop-ConsumerProgress.cfg"),
        temporal(MPSC, "ElasticMpscQueue-bug-LeakResizeBit-ResizeCompletes.cfg"),
        invariant(MPSC, "ElasticMpscQueue-bug-RelaxedSkipsUnpublished-NoLoss.cfg"),
        invariant(MPSC, "ElasticMpscQueue-bug-NoRecheck-NoStrandedMessage.cfg"),
        temporal(MPSC, "ElasticMpscQueue-bug-NoRecheck-ConsumerProgress.cfg"),
        temporal(MPSC, "ElasticMpscQueue-bug-RelaxedNoHop-ConsumerProgress.cfg"),
        invariant(MPSC, "ElasticMpscQueue-bug-BatchReleaseAtTake-NoStrandedMessage.cfg"),
        // reachability witnesses
        invariant(MPSC, "ElasticMpscQueue-witness-NeverLookupHop.cfg"),
        invariant(MPSC, "ElasticMpscQueue-witness-NeverStaleCapacityClaim.cfg"),
        invariant(MPSC, "ElasticMpscQueue-witness-NeverShrinks.cfg"),
        invariant(MPSC, "ElasticMpscQueue-witness-NeverResizesInPlace.cfg"),
        invariant(MPSC, "ElasticMpscQueue-witness-NeverRejects.cfg"),
        invariant(MPSC, "ElasticMpscQueue-witness-NeverConsumerHop.cfg"),
        invariant(MPSC, "ElasticMpscQueue-witness-NeverBatchOfTwo.cfg"),
        invariant(MPSC, "ElasticMpscQueue-witness-NeverRunEndsInBatch.cfg"),
        invariant(MPSC, "ElasticMpscQueue-witness-NeverBatchAtBufferEnd.cfg"),
        // QoS scheduler
        pass(QOS, "QosScheduler-strict.cfg"),
        pass(QOS, "QosScheduler-weighted.cfg"),
        pass(QOS, "QosScheduler-weighted-2levels.cfg"),
        pass(QOS, "QosScheduler-weighted-shedding.cfg"),
        pass(QOS, "QosScheduler-strict-shedding2.cfg"),
        invariant(QOS, "QosScheduler-bug-ShedIgnored-ShedLevelsBounded.cfg"),
        invariant(QOS, "QosScheduler-bug-StrictLowestFirst-StrictServesHighest.cfg"),
        invariant(QOS, "QosScheduler-bug-WeightedRestartAtTop-WeightedNoStarvation.cfg"));
  }

  static Stream<Check> largeChecks() {
    return Stream.of(
        pass(MPSC, "ElasticMpscQueue-large.cfg"),
        pass(MPSC, "ElasticMpscQueue-large-3p.cfg"),
        pass(MPSC, "ElasticMpscQueue-large-inplace.cfg"),
        pass(MPSC, "ElasticMpscQueue-large-threshold.cfg"),
        pass(MPSC, "ElasticMpscQueue-large-liveness.cfg"),
        pass(MPSC, "ElasticMpscQueue-large-batch-liveness.cfg"),
        pass(MPSC, "ElasticMpscQueue-large-mixed-batch-liveness.cfg"),
        pass(QOS, "QosScheduler-large.cfg"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("defaultChecks")
  void modelCheck(Check check) throws Exception {
    verify(check, DEFAULT_TIMEOUT);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("largeChecks")
  @EnabledIfSystemProperty(named = "tla.large", matches = "true")
  void modelCheckLarge(Check check) throws Exception {
    verify(check, LARGE_TIMEOUT);
  }

  @Test
  void everyConfigurationIsCheckedByTheBuildOrIsLarge() throws IOException {
    Set<String> listed =
        Stream.concat(defaultChecks(), largeChecks())
            .map(Check::config)
            .collect(Collectors.toSet());
    List<String> onDisk;
    try (Stream<Path> files = Files.list(TlcRunner.SPEC_DIR)) {
      onDisk =
          files
              .map(p -> p.getFileName().toString())
              .filter(n -> n.endsWith(".cfg"))
              .sorted()
              .collect(Collectors.toList());
    }
    assertThat(onDisk).hasSizeGreaterThan(10).containsExactlyInAnyOrderElementsOf(listed);
    assertThat(largeChecks()).allMatch(c -> c.config().contains("-large"));
    assertThat(defaultChecks()).noneMatch(c -> c.config().contains("-large"));
  }

  /** A spec that does not parse must not pass for a clean run or for an expected violation. */
  @Test
  void parseErrorIsNeitherAPassNorAViolation() throws Exception {
    Path dir = Files.createDirectories(TlcRunner.WORK_ROOT.resolve("broken-spec-source"));
    Files.writeString(
        dir.resolve("Broken.tla"),
        "---- MODULE Broken ----\nVARIABLE x\nInit == x = \nNext == x' = x\n====\n");
    Files.writeString(dir.resolve("Broken.cfg"), "INIT Init\nNEXT Next\nINVARIANT Inv\n");
    TlcRunner.Result result = TlcRunner.run(dir, "Broken", "Broken.cfg", Duration.ofMinutes(2));
    assertThat(result.exitCode()).as(result.tail()).isNotIn(0, 12, 13);
    assertThat(result.completedWithoutError()).isFalse();
    assertThat(result.violatedInvariant()).isEmpty();
  }

  private static void verify(Check check, Duration timeout) throws Exception {
    Path cfg = TlcRunner.SPEC_DIR.resolve(check.config());
    List<String> names = TlcRunner.checkedNames(cfg);
    if (check.expect() != Expect.PASS) {
      assertThat(names)
          .as("a control's configuration checks exactly the property it must violate")
          .hasSize(1);
      assertThat(check.config()).endsWith("-" + names.get(0) + ".cfg");
    } else {
      assertThat(names).as("a passing configuration checks something").isNotEmpty();
    }
    TlcRunner.Result result =
        TlcRunner.run(TlcRunner.SPEC_DIR, check.module(), check.config(), timeout);
    String context = check + ", output " + result.outputFile() + ":\n" + result.tail();
    switch (check.expect()) {
      case PASS -> {
        assertThat(result.exitCode()).as(context).isZero();
        assertThat(result.completedWithoutError()).as(context).isTrue();
        assertThat(result.distinctStates()).as(context).isPresent();
        assertThat(result.distinctStates().getAsLong()).as(context).isGreaterThan(100);
      }
      case INVARIANT_VIOLATED -> {
        assertThat(result.exitCode()).as(context).isEqualTo(12);
        assertThat(result.violatedInvariant()).as(context).contains(names.get(0));
      }
      case TEMPORAL_VIOLATED -> {
        assertThat(result.exitCode()).as(context).isEqualTo(13);
        assertThat(result.temporalPropertyViolated()).as(context).isTrue();
      }
    }
    System.out.printf(
        "TLC %-70s exit %3d  %s  %5.1f s%n",
        check.config(),
        result.exitCode(),
        result.distinctStates().isPresent()
            ? result.distinctStates().getAsLong() + " distinct states"
            : "stopped at the violation",
        result.elapsed().toMillis() / 1000.0);
  }

  private static Check pass(String module, String config) {
    return new Check(module, config, Expect.PASS);
  }

  private static Check invariant(String module, String config) {
    return new Check(module, config, Expect.INVARIANT_VIOLATED);
  }

  private static Check temporal(String module, String config) {
    return new Check(module, config, Expect.TEMPORAL_VIOLATED);
  }
}
