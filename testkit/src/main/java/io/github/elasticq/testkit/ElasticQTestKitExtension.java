package io.github.elasticq.testkit;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import java.lang.reflect.Constructor;
import java.util.Arrays;
import java.util.Optional;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.typed.ActorSystem;
import org.junit.jupiter.api.TestInstance.Lifecycle;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolutionException;
import org.junit.jupiter.api.extension.ParameterResolver;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.platform.commons.support.AnnotationSupport;

/**
 * The JUnit 5 extension behind {@link ElasticQTest}: one {@link ElasticQTestKit} per test class,
 * created before the first use in the class (constructor, {@code @BeforeAll} or test) and closed
 * after {@code @AfterAll}.
 *
 * <p>Unlike a testkit held in a field of the test instance (Pekko's {@code TestKitJUnit5Extension},
 * which with the default per-method lifecycle shuts down only the last instance's kit), the kit
 * lives in the class's {@link ExtensionContext.Store}, so both {@code @TestInstance} lifecycles get
 * exactly one system per class and it is always shut down. A {@code @Nested} class shares its
 * enclosing class's kit, unless it carries its own {@link ElasticQTest}: then it gets its own kit,
 * with its own configuration and system name, closed after that nested class. A {@code @Nested}
 * class that registers this extension (with {@code @ExtendWith}, or in a {@code @RegisterExtension}
 * field of this type) in an enclosing class that does not use it gets its own kit too, named after
 * it and closed after it.
 *
 * <p>Resolves parameters of type {@link ElasticQTestKit}, {@link ActorTestKit}, {@link ActorSystem}
 * and {@link MailboxProbe}. A test method gets a probe of its own, whose drop baseline is taken
 * just before the test ({@link MailboxProbe#withOwnBaseline()}), so {@code assertNoDrops()} covers
 * exactly that test, also with methods run in parallel. So does a probe injected into the
 * constructor of a per-method test instance (the default lifecycle: one instance per test, created
 * just before it), whose baseline is taken as the instance is created. A probe injected into a
 * {@code @BeforeAll} method, or into the constructor of a {@code PER_CLASS} instance, is the
 * class's shared one, whose baseline is reset before each test ({@link MailboxProbe#mark()}).
 */
public final class ElasticQTestKitExtension
    implements BeforeAllCallback, AfterAllCallback, BeforeEachCallback, ParameterResolver {

  private static final ExtensionContext.Namespace NAMESPACE =
      ExtensionContext.Namespace.create(ElasticQTestKitExtension.class);
  private static final String KEY = "elasticq-testkit";
  private static final String TEST_PROBE_KEY = "elasticq-testkit-test-probe";

  /** Used by JUnit through {@link ElasticQTest} or {@code @ExtendWith}. */
  public ElasticQTestKitExtension() {}

  @Override
  public void beforeAll(ExtensionContext context) {
    kit(context);
  }

  @Override
  public void afterAll(ExtensionContext context) {
    ExtensionContext c = classContext(context);
    // only in the store of the class that owns a kit: a nested class sharing one finds nothing
    ElasticQTestKit kit = c.getStore(NAMESPACE).remove(key(c), ElasticQTestKit.class);
    if (kit != null) {
      kit.close();
    }
  }

  @Override
  public void beforeEach(ExtensionContext context) {
    MailboxProbe shared = kit(context).mailboxProbe();
    shared.mark(); // for a probe taken before the test (constructor, @BeforeAll)
    // Each test's own probe, with its own baseline: with a class's methods run in parallel, one
    // test's mark() of the shared probe reset the baseline of another test still running, whose
    // assertNoDrops() then passed over its own drops.
    context.getStore(NAMESPACE).put(TEST_PROBE_KEY, shared.withOwnBaseline());
  }

  @Override
  public boolean supportsParameter(ParameterContext parameter, ExtensionContext context) {
    Class<?> type = parameter.getParameter().getType();
    return type == ElasticQTestKit.class
        || type == ActorTestKit.class
        || type == ActorSystem.class
        || type == MailboxProbe.class;
  }

  @Override
  public Object resolveParameter(ParameterContext parameter, ExtensionContext context) {
    ElasticQTestKit kit = kit(context);
    Class<?> type = parameter.getParameter().getType();
    if (type == ElasticQTestKit.class) {
      return kit;
    } else if (type == ActorTestKit.class) {
      return kit.testKit();
    } else if (type == ActorSystem.class) {
      return kit.system();
    } else if (type == MailboxProbe.class) {
      MailboxProbe own =
          context.getTestMethod().isPresent()
              ? context.getStore(NAMESPACE).get(TEST_PROBE_KEY, MailboxProbe.class)
              : null;
      if (own != null) {
        return own;
      }
      if (parameter.getDeclaringExecutable() instanceof Constructor
          && context.getTestInstanceLifecycle().orElse(Lifecycle.PER_METHOD)
              == Lifecycle.PER_METHOD) {
        // One instance per test, created just before it: a probe of its own, as a test method
        // gets. The shared probe's baseline is reset before every test, so with methods run in
        // parallel another test's start made this test's assertNoDrops() pass over its drops.
        return kit.mailboxProbe().withOwnBaseline();
      }
      return kit.mailboxProbe();
    }
    throw new ParameterResolutionException("cannot resolve " + parameter.getParameter());
  }

  /**
   * The kit of the class, or of the enclosing class for a {@code @Nested} one without its own
   * {@link ElasticQTest}; created if absent.
   */
  private static ElasticQTestKit kit(ExtensionContext context) {
    ExtensionContext owner = kitOwner(classContext(context));
    // keyed by its owner: a store lookup also searches the enclosing classes' stores, and with one
    // key for all a configured nested class was handed its enclosing class's kit
    return owner
        .getStore(NAMESPACE)
        .getOrComputeIfAbsent(key(owner), k -> create(owner), ElasticQTestKit.class);
  }

  /** The store key of the kit owned by {@code classContext}. */
  private static String key(ExtensionContext classContext) {
    return KEY + ' ' + classContext.getUniqueId();
  }

  /**
   * The class context whose kit {@code classContext} uses: the nearest of itself and its enclosing
   * classes that carries {@link ElasticQTest}; else the outermost of them that registers this
   * extension with {@code @ExtendWith} or a {@code @RegisterExtension} field (so nested classes
   * that each register it, in a class that does not, get a kit each, closed after them: the
   * outermost class, which never runs this extension, held one kit for all of them, closed only
   * with that class's store); else (the extension registered otherwise, e.g. by a field whose
   * declared type is a supertype) the outermost class.
   */
  private static ExtensionContext kitOwner(ExtensionContext classContext) {
    ExtensionContext registering = null;
    ExtensionContext c = classContext;
    while (!isAnnotated(c)) {
      if (registersThisExtension(c)) {
        registering = c;
      }
      Optional<ExtensionContext> parent = c.getParent();
      if (parent.isEmpty() || parent.get().getTestClass().isEmpty()) {
        return registering != null ? registering : c;
      }
      c = parent.get();
    }
    return c;
  }

  private static boolean isAnnotated(ExtensionContext classContext) {
    return classContext
        .getTestClass()
        .map(t -> AnnotationSupport.isAnnotated(t, ElasticQTest.class))
        .orElse(false);
  }

  /**
   * Whether the class carries {@code @ExtendWith(ElasticQTestKitExtension.class)} or declares a
   * {@code @RegisterExtension} field of this extension's type (static or not).
   */
  private static boolean registersThisExtension(ExtensionContext classContext) {
    return classContext
        .getTestClass()
        .map(
            t ->
                AnnotationSupport.findRepeatableAnnotations(t, ExtendWith.class).stream()
                        .anyMatch(
                            e -> Arrays.asList(e.value()).contains(ElasticQTestKitExtension.class))
                    || !AnnotationSupport.findAnnotatedFields(
                            t,
                            RegisterExtension.class,
                            f -> ElasticQTestKitExtension.class.isAssignableFrom(f.getType()))
                        .isEmpty())
        .orElse(false);
  }

  /** The class-level context: a method context's parent. */
  private static ExtensionContext classContext(ExtensionContext context) {
    ExtensionContext c = context;
    while (c.getTestMethod().isPresent() && c.getParent().isPresent()) {
      c = c.getParent().get();
    }
    return c;
  }

  private static ElasticQTestKit create(ExtensionContext classContext) {
    Class<?> testClass = classContext.getRequiredTestClass();
    ElasticQTest settings =
        AnnotationSupport.findAnnotation(testClass, ElasticQTest.class).orElse(null);
    Config overrides = ConfigFactory.empty();
    String name = testClass.getSimpleName();
    if (settings != null) {
      overrides = ConfigFactory.parseString(String.join("\n", settings.config()));
      if (!settings.systemName().isEmpty()) {
        name = settings.systemName();
      }
    }
    return ElasticQTestKit.create(name, overrides);
  }
}
