package io.github.elasticq.testkit;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigValueFactory;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Stream;
import org.apache.pekko.actor.testkit.typed.TestKitSettings;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.typed.ActorSystem;

/**
 * A Pekko {@link ActorTestKit} whose {@code elasticq.journal} and {@code elasticq.snapshot-store}
 * live in a temporary directory, plus a {@link MailboxProbe} of its system. {@link
 * ElasticQTestKitExtension} makes one per test class; use {@link #create} directly anywhere else.
 *
 * <p>Configuration, highest precedence first: the overrides given to {@link #create}; the testkit's
 * own keys (journal and snapshot store selected and pointed at the directory, {@code
 * elasticq.journal.sync-mode = no-sync}: a test process never outlives an OS crash, and fsyncs
 * would only slow the tests down); {@code application-test.conf}; the {@code reference.conf}s.
 *
 * <p>Thread-safe; {@link #close()} is idempotent.
 */
public final class ElasticQTestKit implements AutoCloseable {

  private final Path directory;
  private final ActorTestKit testKit;
  private final MailboxProbe probe;
  private final AtomicBoolean closed = new AtomicBoolean();

  private ElasticQTestKit(Path directory, ActorTestKit testKit) {
    this.directory = directory;
    this.testKit = testKit;
    this.probe = MailboxProbe.create(testKit.system());
  }

  /**
   * Starts an actor system named {@code name} with a fresh temporary directory for the journal and
   * the snapshot store.
   *
   * @param name the actor system name
   * @param overrides configuration that takes precedence over everything else
   * @return the started kit; close it to shut the system down and delete the directory
   */
  public static ElasticQTestKit create(String name, Config overrides) {
    Path dir;
    try {
      dir = Files.createTempDirectory("elasticq-testkit-");
    } catch (IOException e) {
      throw new UncheckedIOException("cannot create the testkit's temporary directory", e);
    }
    try {
      Config config = config(dir, overrides);
      // Pekko's ActorTestKit.create reads these after it started the system and leaves the system
      // running when they are invalid: read them first, so a bad value starts nothing
      TestKitSettings.create(config.getConfig("pekko.actor.testkit.typed"));
      return new ElasticQTestKit(dir, ActorTestKit.create(name, config));
    } catch (RuntimeException e) {
      deleteRecursively(dir);
      throw e;
    }
  }

  /**
   * The configuration {@link #create} uses for {@code directory}.
   *
   * @param directory where {@code journal/} and {@code snapshots/} go
   * @param overrides configuration that takes precedence over everything else
   * @return the resolved configuration
   */
  public static Config config(Path directory, Config overrides) {
    Config own =
        ConfigFactory.empty()
            .withValue(
                "pekko.persistence.journal.plugin",
                ConfigValueFactory.fromAnyRef("elasticq.journal"))
            .withValue(
                "pekko.persistence.snapshot-store.plugin",
                ConfigValueFactory.fromAnyRef("elasticq.snapshot-store"))
            .withValue(
                "elasticq.journal.dir",
                ConfigValueFactory.fromAnyRef(directory.resolve("journal").toString()))
            .withValue(
                "elasticq.snapshot-store.dir",
                ConfigValueFactory.fromAnyRef(directory.resolve("snapshots").toString()))
            .withValue("elasticq.journal.sync-mode", ConfigValueFactory.fromAnyRef("no-sync"));
    return overrides
        .withFallback(own)
        .withFallback(ConfigFactory.load("application-test"))
        .resolve();
  }

  /** The Pekko testkit: spawn actors, create probes. */
  public ActorTestKit testKit() {
    return testKit;
  }

  /** The typed actor system of {@link #testKit()}. */
  public ActorSystem<Void> system() {
    return testKit.system();
  }

  /** The probe over this system's ElasticQ mailboxes. */
  public MailboxProbe mailboxProbe() {
    return probe;
  }

  /** The temporary directory holding {@code journal/} and {@code snapshots/}. */
  public Path directory() {
    return directory;
  }

  /** The journal's directory ({@code elasticq.journal.dir}). */
  public Path journalDirectory() {
    return directory.resolve("journal");
  }

  /** The snapshot store's directory ({@code elasticq.snapshot-store.dir}). */
  public Path snapshotDirectory() {
    return directory.resolve("snapshots");
  }

  /** Whether {@link #close()} has run. */
  public boolean isClosed() {
    return closed.get();
  }

  /**
   * Shuts the actor system down (waiting for it, which also closes the journal and releases its
   * directory lock), then deletes the temporary directory. Any thread; idempotent.
   */
  @Override
  public void close() {
    if (closed.compareAndSet(false, true)) {
      try {
        testKit.shutdownTestKit();
      } finally {
        deleteRecursively(directory);
      }
    }
  }

  private static void deleteRecursively(Path dir) {
    if (!Files.exists(dir)) {
      return;
    }
    try (Stream<Path> paths = Files.walk(dir)) {
      paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException e) {
      throw new UncheckedIOException("cannot delete the testkit's directory " + dir, e);
    }
  }

  @Override
  public String toString() {
    return "ElasticQTestKit{system=" + testKit.system().name() + ", directory=" + directory + '}';
  }
}
