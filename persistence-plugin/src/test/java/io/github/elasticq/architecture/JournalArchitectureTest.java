package io.github.elasticq.architecture;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static org.assertj.core.api.Assertions.assertThat;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.lang.ArchRule;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The journal (plugin, write-ahead log, snapshot store, read journal) does not depend on the
 * durable mailbox, which is built on top of it, nor on the optional integrations (Kamon, Pekko
 * Management, Pekko HTTP) outside their own packages.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class JournalArchitectureTest {

  private static final String[] JOURNAL = {
    "io.github.elasticq.persistence.journal..",
    "io.github.elasticq.persistence.wal..",
    "io.github.elasticq.persistence.snapshot..",
    "io.github.elasticq.persistence.query..",
    "io.github.elasticq.persistence.internal.."
  };

  private JavaClasses classes;

  @BeforeAll
  void importClasses() {
    classes =
        new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            .importPackages("io.github.elasticq.persistence");
  }

  static ArchRule noDependencyOn(String[] packages, String... forbidden) {
    return noClasses()
        .that()
        .resideInAnyPackage(packages)
        .should()
        .dependOnClassesThat()
        .resideInAnyPackage(forbidden);
  }

  @Test
  void journal_doesNotImportTheDurableMailbox() {
    noDependencyOn(JOURNAL, "io.github.elasticq.persistence.durable..")
        .because("the durable mailbox is built on the journal, not the other way round")
        .check(classes);
  }

  @Test
  void journal_usesNoOptionalIntegration() {
    noDependencyOn(JOURNAL, "kamon..", "org.apache.pekko.management..", "org.apache.pekko.http..")
        .because("Kamon, Management and Pekko HTTP are optional dependencies")
        .check(classes);
  }

  @Test
  void rule_detectsADependency() {
    // The rule can fail: the Kamon integration depends on the write-ahead log.
    assertThat(
            noDependencyOn(
                    new String[] {"io.github.elasticq.persistence.kamon.."},
                    "io.github.elasticq.persistence.wal..")
                .evaluate(classes)
                .hasViolation())
        .isTrue();
  }
}
