package io.github.elasticq.testkit;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.typed.ActorSystem;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolutionException;
import org.junit.jupiter.api.extension.ParameterResolver;
import org.junit.platform.commons.support.AnnotationSupport;

/**
 * The JUnit 5 extension behind {@link ElasticQTest}: one {@link ElasticQTestKit} per test class,
 * created before the first use in the class (constructor, {@code @BeforeAll} or test) and closed
 * after {@code @AfterAll}.
 *
 * <p>Unlike a testkit held in a field of the test instance (Pekko's {@code TestKitJUnit5Extension},
 * which with the default per-method lifecycle shuts down only the last instance's kit), the kit
 * lives in the class's {@link ExtensionContext.Store}, so both {@code @TestInstance} lifecycles get
 * exactly one system per class and it is always shut down. {@code @Nested} classes share their
 * enclosing class's kit.
 *
 * <p>Resolves parameters of type {@link ElasticQTestKit}, {@link ActorTestKit}, {@link ActorSystem}
 * and {@link MailboxProbe}. Before each test it resets the probe's drop baseline ({@link
 * MailboxProbe#mark()}).
 */
public final class ElasticQTestKitExtension
    implements BeforeAllCallback, AfterAllCallback, BeforeEachCallback, ParameterResolver {

  private static final ExtensionContext.Namespace NAMESPACE =
      ExtensionContext.Namespace.create(ElasticQTestKitExtension.class);
  private static final String KEY = "elasticq-testkit";

  /** Used by JUnit through {@link ElasticQTest} or {@code @ExtendWith}. */
  public ElasticQTestKitExtension() {}

  @Override
  public void beforeAll(ExtensionContext context) {
    kit(context);
  }

  @Override
  public void afterAll(ExtensionContext context) {
    ElasticQTestKit kit =
        classContext(context).getStore(NAMESPACE).remove(KEY, ElasticQTestKit.class);
    if (kit != null) {
      kit.close();
    }
  }

  @Override
  public void beforeEach(ExtensionContext context) {
    kit(context).mailboxProbe().mark();
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
      return kit.mailboxProbe();
    }
    throw new ParameterResolutionException("cannot resolve " + parameter.getParameter());
  }

  /** The kit of the class (or of an enclosing class, for {@code @Nested}), created if absent. */
  private static ElasticQTestKit kit(ExtensionContext context) {
    ExtensionContext owner = classContext(context);
    return owner
        .getStore(NAMESPACE)
        .getOrComputeIfAbsent(KEY, k -> create(owner), ElasticQTestKit.class);
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
