package io.github.elasticq.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.platform.engine.discovery.DiscoverySelectors.selectClass;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.platform.testkit.engine.EngineTestKit;

/**
 * Runs example classes through the JUnit engine and checks what they saw: one kit per class in both
 * lifecycles (the trap of holding the kit in a test-instance field), shared by {@code @Nested}
 * classes unless they carry their own {@code @ElasticQTest}, shut down and deleted afterwards.
 */
class LifecycleTest {

  static final List<ElasticQTestKit> SEEN = Collections.synchronizedList(new ArrayList<>());

  @Test
  void perMethodLifecycle_oneKitPerClass_closedAfterTheClass() {
    List<ElasticQTestKit> seen = run(PerMethodExample.class, 3);
    assertThat(seen).hasSize(3);
    assertThat(seen).allSatisfy(k -> assertThat(k).isSameAs(seen.get(0)));
    assertClosed(seen.get(0));
  }

  @Test
  void perClassLifecycle_oneKitPerClass_closedAfterTheClass() {
    List<ElasticQTestKit> seen = run(PerClassExample.class, 2);
    assertThat(seen).hasSize(2);
    assertThat(seen.get(1)).isSameAs(seen.get(0));
    assertClosed(seen.get(0));
  }

  @Test
  void separateClasses_getSeparateKits() {
    ElasticQTestKit first = run(PerClassExample.class, 2).get(0);
    ElasticQTestKit second = run(PerMethodExample.class, 3).get(0);
    assertThat(second).isNotSameAs(first);
    assertThat(second.directory()).isNotEqualTo(first.directory());
  }

  @Test
  void nestedClasses_shareTheEnclosingKit() {
    List<ElasticQTestKit> seen = run(OuterExample.class, 2);
    assertThat(seen).hasSize(2);
    assertThat(seen.get(1)).isSameAs(seen.get(0));
    assertClosed(seen.get(0));
  }

  /**
   * A nested class with its own {@code @ElasticQTest} gets its own kit, built from its own
   * configuration, and closes it after itself (it was handed the enclosing class's kit, because a
   * store lookup also searches the enclosing class's store, so its configuration was ignored).
   */
  @Test
  void nestedClassWithItsOwnAnnotation_getsItsOwnKit() {
    List<ElasticQTestKit> seen = run(ConfiguredNestedExample.class, 3);
    assertThat(seen).hasSize(3);
    ElasticQTestKit outer = seen.get(0); // the outer class's tests run before its nested classes
    assertThat(outer.system().name()).isEqualTo("Outer");
    List<ElasticQTestKit> configured =
        seen.stream().filter(k -> k.system().name().equals("Configured")).toList();
    assertThat(configured).hasSize(1);
    assertThat(configured.get(0).system().settings().config().getString("nested-marker"))
        .isEqualTo("configured");
    assertThat(seen)
        .as("a nested class without its own annotation shares the outer kit")
        .filteredOn(k -> k != configured.get(0))
        .containsExactly(outer, outer);
    assertClosed(outer);
    assertClosed(configured.get(0));
  }

  /**
   * Nested classes that each register the extension with {@code @ExtendWith} (their enclosing class
   * does not) get a kit each, named after them and closed after them. The kit went to the outermost
   * class, which does not use the extension: the two classes shared one system, named after that
   * class, shut down only when JUnit closed that class's store.
   */
  @Test
  void nestedClassesRegisteringTheExtension_getAKitEach_closedAfterThem() {
    List<ElasticQTestKit> seen = run(ExtendedNestedExample.class, 3);
    assertThat(seen).hasSize(2);
    assertThat(seen).extracting(k -> k.system().name()).containsExactlyInAnyOrder("A", "B");
    assertThat(seen.get(1)).isNotSameAs(seen.get(0));
    assertClosed(seen.get(0));
    assertClosed(seen.get(1));
    assertThat(ExtendedNestedExample.KITS_AT_OUTER_AFTER_ALL)
        .as("each nested class's kit is closed after that class, before its enclosing class ends")
        .hasSize(2)
        .allSatisfy(k -> assertThat(k.isClosed()).isTrue());
  }

  /**
   * The same with the extension registered in a {@code @RegisterExtension} field of each nested
   * class: the kit went to the outermost class, shared by both and named after it.
   */
  @Test
  void nestedClassesRegisteringTheExtensionInAField_getAKitEach_closedAfterThem() {
    List<ElasticQTestKit> seen = run(RegisteredNestedExample.class, 3);
    assertThat(seen).hasSize(2);
    assertThat(seen).extracting(k -> k.system().name()).containsExactlyInAnyOrder("C", "D");
    assertClosed(seen.get(0));
    assertClosed(seen.get(1));
    assertThat(RegisteredNestedExample.KITS_AT_OUTER_AFTER_ALL)
        .as("each nested class's kit is closed after that class, before its enclosing class ends")
        .hasSize(2)
        .allSatisfy(k -> assertThat(k.isClosed()).isTrue());
  }

  private static List<ElasticQTestKit> run(Class<?> example, int tests) {
    SEEN.clear();
    EngineTestKit.engine("junit-jupiter")
        .selectors(selectClass(example))
        .execute()
        .testEvents()
        .assertStatistics(s -> s.started(tests).succeeded(tests));
    return List.copyOf(SEEN);
  }

  private static void assertClosed(ElasticQTestKit kit) {
    assertThat(kit.isClosed()).isTrue();
    assertThat(kit.system().getWhenTerminated().toCompletableFuture())
        .succeedsWithin(10, TimeUnit.SECONDS);
    assertThat(kit.directory()).doesNotExist();
  }

  @ElasticQTest
  static class PerMethodExample {
    @Test
    void a(ElasticQTestKit kit) {
      SEEN.add(kit);
    }

    @Test
    void b(ElasticQTestKit kit) {
      SEEN.add(kit);
    }

    @Test
    void c(ElasticQTestKit kit) {
      assertThat(kit.isClosed()).isFalse();
      SEEN.add(kit);
    }
  }

  @ElasticQTest
  @TestInstance(TestInstance.Lifecycle.PER_CLASS)
  static class PerClassExample {
    @Test
    void a(ElasticQTestKit kit) {
      SEEN.add(kit);
    }

    @Test
    void b(ElasticQTestKit kit) {
      SEEN.add(kit);
    }
  }

  @ElasticQTest(systemName = "Outer")
  static class ConfiguredNestedExample {
    @Test
    void outer(ElasticQTestKit kit) {
      SEEN.add(kit);
    }

    @Nested
    @ElasticQTest(systemName = "Configured", config = "nested-marker = configured")
    class Configured {
      @Test
      void inner(ElasticQTestKit kit) {
        SEEN.add(kit);
      }
    }

    @Nested
    class Plain {
      @Test
      void inner(ElasticQTestKit kit) {
        assertThat(kit.isClosed()).isFalse();
        SEEN.add(kit);
      }
    }
  }

  /** The extension registered by its nested classes only. */
  static class ExtendedNestedExample {
    static final List<ElasticQTestKit> KITS_AT_OUTER_AFTER_ALL = new ArrayList<>();

    @AfterAll
    static void copyKits() {
      KITS_AT_OUTER_AFTER_ALL.clear();
      KITS_AT_OUTER_AFTER_ALL.addAll(SEEN);
    }

    @Test
    void outer() {}

    @Nested
    @ExtendWith(ElasticQTestKitExtension.class)
    class A {
      @Test
      void a(ElasticQTestKit kit) {
        SEEN.add(kit);
      }
    }

    @Nested
    @ExtendWith(ElasticQTestKitExtension.class)
    class B {
      @Test
      void b(ElasticQTestKit kit) {
        SEEN.add(kit);
      }
    }
  }

  /** The extension registered in a field of each nested class only. */
  static class RegisteredNestedExample {
    static final List<ElasticQTestKit> KITS_AT_OUTER_AFTER_ALL = new ArrayList<>();

    @AfterAll
    static void copyKits() {
      KITS_AT_OUTER_AFTER_ALL.clear();
      KITS_AT_OUTER_AFTER_ALL.addAll(SEEN);
    }

    @Test
    void outer() {}

    @Nested
    class C {
      @RegisterExtension ElasticQTestKitExtension kits = new ElasticQTestKitExtension();

      @Test
      void c(ElasticQTestKit kit) {
        SEEN.add(kit);
      }
    }

    @Nested
    class D {
      @RegisterExtension ElasticQTestKitExtension kits = new ElasticQTestKitExtension();

      @Test
      void d(ElasticQTestKit kit) {
        SEEN.add(kit);
      }
    }
  }

  @ElasticQTest
  static class OuterExample {
    @Test
    void outer(ElasticQTestKit kit) {
      SEEN.add(kit);
    }

    @Nested
    class Inner {
      @Test
      void inner(ElasticQTestKit kit) {
        assertThat(kit.isClosed()).isFalse();
        SEEN.add(kit);
      }
    }
  }
}
