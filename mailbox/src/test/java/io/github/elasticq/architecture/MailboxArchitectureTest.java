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
 * The queue and the mailbox core stay free of the optional integrations: Kamon, Pekko Management
 * and Pekko HTTP may be used only in their own packages ({@code ...mailbox.kamon}, {@code
 * ...mailbox.management}), which a user without those jars never loads. The queue also stays free
 * of Pekko and Typesafe Config (DESIGN.md).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class MailboxArchitectureTest {

  private static final String[] OPTIONAL = {
    "kamon..", "org.apache.pekko.management..", "org.apache.pekko.http.."
  };

  private JavaClasses classes;

  @BeforeAll
  void importClasses() {
    classes =
        new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            .importPackages("io.github.elasticq.queue", "io.github.elasticq.mailbox");
  }

  /** No class of {@code packagePattern} (an ArchUnit package pattern) uses an optional jar. */
  static ArchRule noOptionalIntegration(String packagePattern) {
    return noClasses()
        .that()
        .resideInAPackage(packagePattern)
        .should()
        .dependOnClassesThat()
        .resideInAnyPackage(OPTIONAL)
        .because("Kamon, Management and Pekko HTTP are optional dependencies");
  }

  @Test
  void queue_usesNoOptionalIntegration() {
    noOptionalIntegration("io.github.elasticq.queue..").check(classes);
  }

  @Test
  void mailboxCore_usesNoOptionalIntegration() {
    noOptionalIntegration("io.github.elasticq.mailbox").check(classes);
  }

  @Test
  void queue_usesNeitherPekkoNorTypesafeConfig() {
    noClasses()
        .that()
        .resideInAPackage("io.github.elasticq.queue..")
        .should()
        .dependOnClassesThat()
        .resideInAnyPackage("org.apache.pekko..", "com.typesafe.config..", "scala..")
        .check(classes);
  }

  @Test
  void rule_detectsAnImport() {
    // The rule can fail: the Kamon integration itself imports Kamon.
    assertThat(
            noOptionalIntegration("io.github.elasticq.mailbox.kamon")
                .evaluate(classes)
                .hasViolation())
        .isTrue();
  }
}
