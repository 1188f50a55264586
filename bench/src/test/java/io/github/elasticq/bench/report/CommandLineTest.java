package io.github.elasticq.bench.report;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

class CommandLineTest {
  private static final List<String> KNOWN = List.of("out", "race", "goal", "out-dir");

  @Test
  void parse_splitsKnownOptionsFromFilesInAnyOrder() {
    CommandLine cl =
        CommandLine.parse(
            new String[] {"r1-a.json", "out=x/paired.md", "r2-b.json", "out-dir=d"},
            KNOWN,
            ".json");
    assertThat(cl.files()).containsExactly(Path.of("r1-a.json"), Path.of("r2-b.json"));
    assertThat(cl.get("out")).isEqualTo("x/paired.md");
    assertThat(cl.get("out-dir")).isEqualTo("d");
    assertThat(cl.has("race")).isFalse();
    assertThat(cl.get("race")).isNull();
    assertThat(cl.get("race", "none")).isEqualTo("none");
  }

  @Test
  void parse_knownOptionWhoseValueIsAFile_staysAnOption() {
    CommandLine cl = CommandLine.parse(new String[] {"race=results/race.json"}, KNOWN, ".json");
    assertThat(cl.get("race")).isEqualTo("results/race.json");
    assertThat(cl.files()).isEmpty();
  }

  @Test
  void parse_fileNamesHoldingASetting_areFiles() {
    String[] args = {
      "r1-ElasticBuffer_-Dx.spins=128.json", // digits, '_' and '.' before '='
      "dir/paired-a=b.tsv", // a '/' before '='
      "-Dx=1", // a dash first
      "paired-a=b.tsv" // a word before '=', but a file suffix
    };
    CommandLine cl = CommandLine.parse(args, KNOWN, ".json", ".tsv");
    assertThat(cl.files()).containsExactly(Stream.of(args).map(Path::of).toArray(Path[]::new));
    for (String key : KNOWN) {
      assertThat(cl.has(key)).isFalse();
    }
  }

  @Test
  void parse_optionShapedArgumentWithoutAFileSuffix_isAnError() {
    // the same argument is a file when .tsv is one of the report's suffixes (test above)
    assertThatThrownBy(() -> CommandLine.parse(new String[] {"paired-a=b.tsv"}, KNOWN, ".json"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("unknown option paired-a;");
  }

  @Test
  void parse_unknownOption_isNamedWithTheKnownOnes() {
    assertThatThrownBy(() -> CommandLine.parse(new String[] {"colour=red"}, KNOWN, ".json"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("unknown option colour; known: out, race, goal, out-dir");
  }

  @Test
  void require_givesTheValueOrNamesTheMissingOptionAndTheUsage() {
    assertThat(CommandLine.parse(new String[] {"out=o.md"}, KNOWN).require("out", "usage"))
        .isEqualTo("o.md");
    CommandLine cl = CommandLine.parse(new String[] {"r1-a.json"}, KNOWN, ".json");
    assertThatThrownBy(() -> cl.require("out", "usage: out= files"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("missing option out=...; usage: out= files");
  }

  @Test
  void number_parsesFallsBackAndNamesABadValue() {
    assertThat(CommandLine.parse(new String[] {"goal=1.3"}, KNOWN).number("goal", 1.0))
        .isEqualTo(1.3);
    assertThat(CommandLine.parse(new String[0], KNOWN).number("goal", 1.0)).isEqualTo(1.0);
    CommandLine bad = CommandLine.parse(new String[] {"goal=high"}, KNOWN);
    assertThatThrownBy(() -> bad.number("goal", 1.0))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("goal=high is not a number")
        .hasCauseInstanceOf(NumberFormatException.class);
  }

  @Test
  void count_parsesFallsBackAndNamesABadValue() {
    List<String> known = List.of("rounds");
    assertThat(CommandLine.parse(new String[] {"rounds=7"}, known).count("rounds", 5)).isEqualTo(7);
    assertThat(CommandLine.parse(new String[0], known).count("rounds", 5)).isEqualTo(5);
    assertThatThrownBy(
            () -> CommandLine.parse(new String[] {"rounds=2.5"}, known).count("rounds", 5))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("rounds=2.5 is not a whole number");
    assertThatThrownBy(() -> CommandLine.parse(new String[] {"rounds=0"}, known).count("rounds", 5))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("rounds=0 must be at least 1");
  }

  @Test
  void intCounts_parseEveryItemAndNameTheBadOne() {
    List<String> known = List.of("windows", "in-flight");
    CommandLine cl = CommandLine.parse(new String[] {"windows=1, 50"}, known);
    assertThat(cl.intCounts("windows", "7")).containsExactly(1, 50);
    assertThat(cl.intCounts("inboxes", "1,100")).containsExactly(1, 100);
    assertThat(cl.intCount("in-flight", 50)).isEqualTo(50);
    assertThatThrownBy(
            () -> CommandLine.parse(new String[] {"windows=1,,2"}, known).intCounts("windows", "1"))
        .hasMessage("windows=1,,2: '' is not a whole number");
    assertThatThrownBy(
            () -> CommandLine.parse(new String[] {"windows=1,-2"}, known).intCounts("windows", "1"))
        .hasMessage("windows=1,-2: '-2' must be at least 1");
    assertThatThrownBy(
            () ->
                CommandLine.parse(new String[] {"in-flight=3000000000"}, known)
                    .intCount("in-flight", 50))
        .hasMessage("in-flight=3000000000 must be at most 2147483647");
  }

  @Test
  void nonNegative_acceptsZeroAndNamesANegativeOrInfiniteValue() {
    List<String> known = List.of("seconds");
    assertThat(CommandLine.parse(new String[] {"seconds=0"}, known).nonNegative("seconds", 5))
        .isZero();
    assertThat(CommandLine.parse(new String[0], known).nonNegative("seconds", 5)).isEqualTo(5);
    for (String bad : new String[] {"-0.5", "NaN", "Infinity"}) {
      assertThatThrownBy(
              () ->
                  CommandLine.parse(new String[] {"seconds=" + bad}, known)
                      .nonNegative("seconds", 5))
          .hasMessage("seconds=" + bad + " must be a number >= 0");
    }
  }

  @Test
  void parseOptions_namesTheFirstArgumentThatIsNoOption() {
    List<String> known = List.of("rounds", "out");
    assertThat(CommandLine.parseOptions(new String[] {"rounds=2"}, known).get("rounds"))
        .isEqualTo("2");
    assertThatThrownBy(
            () -> CommandLine.parseOptions(new String[] {"rounds=2", "x.json", "y"}, known))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("expected key=value with a key of rounds, out; got 'x.json'");
    assertThatThrownBy(() -> CommandLine.parseOptions(new String[] {"out_dir=x"}, known))
        .hasMessage("unknown option out_dir; known: rounds, out");
  }

  @Test
  void positive_namesZeroNegativeAndInfinite() {
    List<String> known = List.of("seconds");
    assertThat(CommandLine.parse(new String[] {"seconds=0.5"}, known).positive("seconds", 5))
        .isEqualTo(0.5);
    for (String bad : new String[] {"0", "-1", "Infinity", "NaN"}) {
      assertThatThrownBy(
              () ->
                  CommandLine.parse(new String[] {"seconds=" + bad}, known).positive("seconds", 5))
          .hasMessage("seconds=" + bad + " must be a number > 0");
    }
  }
}
