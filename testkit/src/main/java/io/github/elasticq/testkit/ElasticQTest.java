package io.github.elasticq.testkit;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Inherited;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Runs a test class with an {@link ElasticQTestKit}: one Pekko {@code ActorTestKit} per test class,
 * whose {@code elasticq.journal} and {@code elasticq.snapshot-store} live in a fresh temporary
 * directory; shut down and deleted after the class. Works with both {@code @TestInstance}
 * lifecycles, because the kit belongs to the class, not to a test instance. A {@code @Nested} class
 * uses its enclosing class's kit, unless it carries its own {@code @ElasticQTest}, which gives it a
 * kit of its own built from that annotation.
 *
 * <p>Test constructors, lifecycle methods and test methods receive {@link ElasticQTestKit}, {@code
 * ActorTestKit}, the typed {@code ActorSystem} or {@link MailboxProbe} as parameters. The probe's
 * drop baseline is reset before each test, so {@link MailboxProbe#assertNoDrops()} covers exactly
 * the current test.
 *
 * <pre>
 * &#64;ElasticQTest(config = "orders-mailbox { mailbox-type = \"io.github.elasticq.mailbox.ElasticMailbox\", max-capacity = 100 }")
 * class OrdersTest {
 *   &#64;Test
 *   void burst(ActorTestKit kit, MailboxProbe mailboxes) {
 *     ActorRef&lt;Order&gt; orders = kit.spawn(Orders.create(), "orders", MailboxSelector.fromConfig("orders-mailbox"));
 *     ...
 *     mailboxes.awaitSize(orders, 0);
 *     mailboxes.assertNoDrops();
 *   }
 * }
 * </pre>
 */
@Target(ElementType.TYPE)
@Retention(RetentionPolicy.RUNTIME)
@Documented
@Inherited
@ExtendWith(ElasticQTestKitExtension.class)
public @interface ElasticQTest {

  /**
   * HOCON put over the testkit's configuration, one string per fragment (mailbox sections, {@code
   * elasticq.journal.sync-mode}, log levels...). Empty by default.
   *
   * @return configuration fragments
   */
  String[] config() default {};

  /**
   * Name of the actor system; default: the test class's simple name.
   *
   * @return the actor system name, or empty for the default
   */
  String systemName() default "";
}
