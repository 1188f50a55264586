package io.github.elasticq.persistence.kamon;

import org.apache.pekko.ConfigurationException;
import org.apache.pekko.actor.AbstractExtensionId;
import org.apache.pekko.actor.ActorSystem;
import org.apache.pekko.actor.ClassicActorSystemProvider;
import org.apache.pekko.actor.ExtendedActorSystem;
import org.apache.pekko.actor.Extension;
import org.apache.pekko.actor.ExtensionId;
import org.apache.pekko.actor.ExtensionIdProvider;

/**
 * The Kamon integration of ElasticQ's journal: a Pekko extension that, while {@code
 * elasticq.kamon.enabled = on}, exports every open {@code elasticq.journal} write-ahead log of the
 * actor system as the {@code elasticq.journal.*} Kamon metrics (tags {@code system} and {@code
 * journal}, the plugin id). Counters and gauges are read from {@link
 * io.github.elasticq.persistence.wal.WalStats} every {@code poll-interval}; latencies, events per
 * fsync and replayed events arrive through the log's {@link
 * io.github.elasticq.persistence.wal.WalListener}, installed as the log opens, before the journal
 * replays or writes through it.
 *
 * <p>Starts with every actor system ({@code pekko.library-extensions} in the module's {@code
 * reference.conf}); validates {@code elasticq.kamon} and fails the start naming the key, or naming
 * the dependency to add when enabled without Kamon on the classpath. Disabled, it touches no Kamon
 * class. Any thread may call any method.
 */
public final class JournalKamon implements Extension {

  /** The extension id; prefer {@link #get(ClassicActorSystemProvider)}. */
  public static final Id ID = new Id();

  static final String KAMON_MISSING =
      "elasticq.kamon.enabled = on, but Kamon is not on the classpath: add the dependency"
          + " io.kamon:kamon-core_2.13 (and io.kamon:kamon-prometheus_2.13 to export to"
          + " Prometheus), version 2.7.7";

  private final JournalKamonSettings settings;
  private final AutoCloseable metrics;
  private final String systemName;

  private JournalKamon(ExtendedActorSystem system) {
    this.settings = JournalKamonSettings.fromConfig(system.settings().config());
    this.systemName = system.name();
    if (!settings.enabled()) {
      this.metrics = null;
      return;
    }
    try {
      Class.forName("kamon.Kamon", false, system.dynamicAccess().classLoader());
    } catch (ClassNotFoundException | LinkageError e) {
      throw new ConfigurationException(KAMON_MISSING, e);
    }
    JournalMetrics m = new JournalMetrics(system, settings);
    this.metrics = m;
    system.registerOnTermination(m::close);
  }

  /** The extension of {@code system}. Any thread. */
  public static JournalKamon get(ClassicActorSystemProvider system) {
    return ID.get(system);
  }

  /** The extension of a classic {@code system}. Any thread. */
  public static JournalKamon get(ActorSystem system) {
    return ID.get(system);
  }

  /**
   * The value of the {@code system} tag of this actor system's journal series: its name, or {@code
   * name#2}, {@code name#3}… while other live actor systems of the same name in this JVM export
   * ElasticQ journal metrics (the first keeps the name; a warning is logged). The name when
   * disabled.
   */
  public String systemTag() {
    return metrics == null ? systemName : ((JournalMetrics) metrics).systemTag();
  }

  /** Whether metrics are being exported. */
  public boolean isRunning() {
    return metrics != null;
  }

  /** Reads the journals now instead of at the next poll; no-op when disabled. Any thread. */
  public void pollNow() {
    if (metrics != null) {
      ((JournalMetrics) metrics).poll(); // only loaded when enabled, so Kamon may be absent
    }
  }

  /** Classic extension id; public with a no-argument constructor for library-extensions. */
  public static final class Id extends AbstractExtensionId<JournalKamon>
      implements ExtensionIdProvider {

    /** For {@code pekko.library-extensions}; use {@link JournalKamon#ID} in code. */
    public Id() {}

    @Override
    public JournalKamon createExtension(ExtendedActorSystem system) {
      return new JournalKamon(system);
    }

    @Override
    public ExtensionId<? extends Extension> lookup() {
      return ID;
    }
  }
}
