package io.github.elasticq.mailbox.management;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** pekko-management is optional: only this package may refer to it. */
class CoreIndependenceTest {

  @Test
  void coreSources_doNotImportPekkoManagement() throws IOException {
    Path main = Path.of("src/main/java/io/github/elasticq");
    assertThat(main).isDirectory();
    List<Path> offenders;
    try (Stream<Path> files = Files.walk(main)) {
      offenders =
          files
              .filter(p -> p.toString().endsWith(".java"))
              .filter(p -> !p.toString().contains("/mailbox/management/"))
              .filter(CoreIndependenceTest::mentionsManagement)
              .toList();
    }
    assertThat(offenders).isEmpty();
  }

  private static boolean mentionsManagement(Path p) {
    try {
      return Files.readString(p).contains("org.apache.pekko.management");
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }
}
