package io.github.elasticq.bench;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

/** The race's command line: bad arguments fail before any round runs, naming what was wrong. */
class BusyConsumerRaceTest {

  @Test
  void misspeltOption_isNamedWithTheKnownOnes() {
    assertThatThrownBy(() -> BusyConsumerRace.main(new String[] {"element=1000"}))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("unknown option element; known: elements, rounds, out");
  }

  @Test
  void badNumbersAndStrayArguments_areNamed() {
    assertThatThrownBy(() -> BusyConsumerRace.main(new String[] {"elements=lots"}))
        .hasMessage("elements=lots is not a whole number");
    assertThatThrownBy(() -> BusyConsumerRace.main(new String[] {"rounds=0"}))
        .hasMessage("rounds=0 must be at least 1");
    assertThatThrownBy(() -> BusyConsumerRace.main(new String[] {"1000"}))
        .hasMessage("expected key=value with a key of elements, rounds, out; got '1000'");
  }
}
