package io.github.elasticq.mailbox.kamon;

import io.github.elasticq.mailbox.MailboxRegistry;
import org.apache.pekko.ConfigurationException;
import org.apache.pekko.actor.AbstractExtensionId;
import org.apache.pekko.actor.ActorSystem;
import org.apache.pekko.actor.ClassicActorSystemProvider;
import org.apache.pekko.actor.ExtendedActorSystem;
import org.apache.pekko.actor.Extension;
import org.apache.pekko.actor.ExtensionId;
import org.apache.pekko.actor.ExtensionIdProvider;

/**
 * The Kamon integration of ElasticQ's mailboxes: a Pekko extension that, while {@code
 * elasticq.kamon.enabled = on}, reads every mailbox's own counters from the {@link MailboxRegistry}
 * each {@code poll-interval} and exports them as the {@code elasticq.mailbox.*} Kamon metrics.
 *
 * <p>It starts with every actor system (the module's {@code reference.conf} lists it in {@code
 * pekko.library-extensions}) and then validates {@code elasticq.kamon}: an unknown key, an invalid
 * value, or {@code enabled = on} without Kamon on the classpath fails the start of the actor system
 * with a {@link ConfigurationException} that names the key or the dependency to add. With {@code
 * enabled = off} it holds no thread and touches no Kamon class, so Kamon may be absent.
 *
 * <p>Stops polling, and removes its series, when the actor system terminates. Kamon itself (its
 * reporters, e.g. kamon-prometheus) is initialized by the application ({@code Kamon.init()}).
 *
 * <p>Any thread may call any method.
 */
public final class ElasticqKamon implements Extension {

  /** The extension id; prefer {@link #get(ClassicActorSystemProvider)}. */
  public static final Id ID = new Id();

  static final String KAMON_MISSING =
      "elasticq.kamon.enabled = on, but Kamon is not on the classpath: add the dependency"
          + " io.kamon:kamon-core_2.13 (and io.kamon:kamon-prometheus_2.13 to export to"
          + " Prometheus), version 2.7.7";

  private final KamonSettings settings;
  private final AutoCloseable metrics;
  private final String systemName;

  private ElasticqKamon(ExtendedActorSystem system) {
    this.settings = KamonSettings.fromConfig(system.settings().config());
    this.systemName = system.name();
    if (!settings.enabled()) {
      this.metrics = null;
      return;
    }
    requireKamon(system.dynamicAccess().classLoader());
    MailboxMetrics m = new MailboxMetrics(system.name(), settings, MailboxRegistry.get(system));
    this.metrics = m;
    system.registerOnTermination(m::close);
  }

  static void requireKamon(ClassLoader loader) {
    try {
      Class.forName("kamon.Kamon", false, loader);
    } catch (ClassNotFoundException | LinkageError e) {
      throw new ConfigurationException(KAMON_MISSING, e);
    }
  }

  /** The extension of {@code system}, started if it was not yet. Any thread. */
  public static ElasticqKamon get(ClassicActorSystemProvider system) {
    return ID.get(system);
  }

  /** The extension of a classic {@code system}. Any thread. */
  public static ElasticqKamon get(ActorSystem system) {
    return ID.get(system);
  }

  /** The validated settings. */
  public KamonSettings settings() {
    return settings;
  }

  /**
   * The value of the {@code system} tag of this actor system's series: its name, or {@code name#2},
   * {@code name#3}… while other live actor systems of the same name in this JVM export ElasticQ
   * mailbox metrics (the first of them keeps the name; a warning is logged). The name when
   * disabled.
   */
  public String systemTag() {
    return metrics == null ? systemName : ((MailboxMetrics) metrics).systemTag();
  }

  /** Whether metrics are being exported (the section's {@code enabled}). */
  public boolean isRunning() {
    return metrics != null;
  }

  /**
   * Reads the registry and exports now instead of waiting for the next poll; no-op when disabled.
   * Any thread (serialized with the scheduled polls). Meant for tests and for a final export.
   */
  public void pollNow() {
    if (metrics != null) {
      ((MailboxMetrics) metrics).poll(); // only loaded when enabled, so Kamon may be absent
    }
  }

  /**
   * Classic extension id of {@link ElasticqKamon}. Public with a no-argument constructor so that
   * {@code pekko.library-extensions} can load it; every instance looks up the same extension.
   */
  public static final class Id extends AbstractExtensionId<ElasticqKamon>
      implements ExtensionIdProvider {

    /** For {@code pekko.library-extensions}; use {@link ElasticqKamon#ID} in code. */
    public Id() {}

    @Override
    public ElasticqKamon createExtension(ExtendedActorSystem system) {
      return new ElasticqKamon(system);
    }

    @Override
    public ExtensionId<? extends Extension> lookup() {
      return ID;
    }
  }
}
