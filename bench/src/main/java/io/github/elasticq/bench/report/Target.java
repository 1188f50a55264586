package io.github.elasticq.bench.report;

/**
 * A benchmark target: a measured value against a goal.
 *
 * @param name what is compared, as the report shows it
 * @param value the measured value; NaN when the benchmark was not run
 * @param goal the value to reach
 * @param unit appended to the figures in the report ({@code "x"} for ratios)
 * @param lowerIsBetter true for times and bytes: met when {@code value <= goal}
 */
public record Target(String name, double value, double goal, String unit, boolean lowerIsBetter) {
  /** Whether the measurement exists. */
  public boolean measured() {
    return !Double.isNaN(value);
  }

  /** Whether the goal is reached (false when not measured). */
  public boolean met() {
    return measured() && (lowerIsBetter ? value <= goal : value >= goal);
  }

  /** Measured over goal, oriented so that 1.0 or more means met. */
  public double score() {
    return lowerIsBetter ? goal / value : value / goal;
  }
}
