package io.github.elasticq.persistence.snapshot;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

class PersistenceIdEncodingTest {

  private static final List<String> TRICKY =
      List.of(
          "",
          ".",
          "..",
          "../../etc/passwd",
          "/absolute",
          "a/b",
          "a\\b",
          "c:",
          "x:y",
          "CON",
          "nul",
          "trailing.",
          "trailing ",
          "日本語",
          "\uD83D\uDE00",
          "A",
          "a",
          "%41",
          "%",
          "~",
          "pid-a",
          "x".repeat(300),
          "x".repeat(300) + "y",
          "x".repeat(120),
          "x".repeat(121));

  @Test
  void directoryName_forAnyId_isOneSafeShortPathElement() {
    for (String id : TRICKY) {
      String name = PersistenceIdEncoding.directoryName(id);
      assertThat(name).as("name of [%s]", id).matches("pid-[a-z0-9_%~-]*");
      assertThat(name.length()).isLessThanOrEqualTo(PersistenceIdEncoding.MAX_NAME_LENGTH);
      Path root = Paths.get("root");
      Path resolved = root.resolve(name).normalize();
      assertThat(resolved.getParent()).as("parent of [%s]", id).isEqualTo(root);
    }
  }

  @Test
  void directoryName_isInjectiveEvenIgnoringCase() {
    Set<String> seen = new HashSet<>();
    for (String id : TRICKY) {
      String folded = PersistenceIdEncoding.directoryName(id).toLowerCase(Locale.ROOT);
      assertThat(seen.add(folded)).as("distinct name for [%s]", id).isTrue();
    }
  }

  @Test
  void directoryName_ofRandomIds_neverCollides() {
    Random random = new Random(4242);
    Set<String> ids = new HashSet<>();
    Set<String> names = new HashSet<>();
    for (int i = 0; i < 20_000; i++) {
      StringBuilder id = new StringBuilder();
      int length = random.nextInt(3) == 0 ? 100 + random.nextInt(200) : random.nextInt(8);
      for (int c = 0; c < length; c++) {
        // a small alphabet of troublemakers to provoke collisions
        id.append("aA/.%:~\\-_é日".charAt(random.nextInt(12)));
      }
      if (ids.add(id.toString())) {
        assertThat(
                names.add(
                    PersistenceIdEncoding.directoryName(id.toString()).toLowerCase(Locale.ROOT)))
            .as("distinct name for [%s]", id)
            .isTrue();
      }
    }
  }

  @Test
  void directoryName_isStableAcrossCalls() {
    assertThat(PersistenceIdEncoding.directoryName("Order-1/é"))
        .isEqualTo("pid-%4frder-1%2f%c3%a9")
        .isEqualTo(PersistenceIdEncoding.directoryName("Order-1/é"));
  }
}
