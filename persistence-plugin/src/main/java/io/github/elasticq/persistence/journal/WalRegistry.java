package io.github.elasticq.persistence.journal;

import com.typesafe.config.Config;
import io.github.elasticq.persistence.wal.WalSettings;
import io.github.elasticq.persistence.wal.WriteAheadLog;
import java.io.IOException;
import java.lang.System.Logger.Level;
import java.time.Duration;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executor;
import java.util.function.BiConsumer;
import org.apache.pekko.actor.AbstractExtensionId;
import org.apache.pekko.actor.ActorSystem;
import org.apache.pekko.actor.ExtendedActorSystem;
import org.apache.pekko.actor.Extension;
import org.apache.pekko.actor.ExtensionIdProvider;
import org.apache.pekko.event.Logging;
import org.apache.pekko.event.LoggingAdapter;

/**
 * A Pekko extension that owns the {@link WriteAheadLog} of each journal plugin id of an actor
 * system, so that the journal actor (also after a restart) and the read journal share one open log
 * and one directory lock. The logs close when the actor system terminates.
 *
 * <p>Also the way for tests, benchmarks and tools to reach a running journal's log, e.g. {@code
 * WalRegistry.get(system).logFor("elasticq.journal").stats()}.
 *
 * <p>Thread-safe: any thread may call any method; the first caller for a plugin id opens the log
 * (blocking for the recovery scan), the others wait for it and get the same instance.
 */
public final class WalRegistry implements Extension {
  private static final Id ID = new Id();

  private final ExtendedActorSystem system;
  private final LoggingAdapter log;
  private final ConcurrentHashMap<String, WriteAheadLog> logs = new ConcurrentHashMap<>();
  private final Set<String> opening = ConcurrentHashMap.newKeySet();
  private volatile boolean terminated;

  /** Ids whose log was ever asked for; closeAll closes each through compute. */
  private final Set<String> requested = ConcurrentHashMap.newKeySet();

  private final ConcurrentHashMap<String, OpenFailure> openFailures = new ConcurrentHashMap<>();

  /** Told of each log opened, before anyone can use it; see {@link #addOpenListener}. */
  private final List<BiConsumer<String, WriteAheadLog>> openListeners =
      new CopyOnWriteArrayList<>();

  private final Set<String> openRequested = ConcurrentHashMap.newKeySet();

  /** The last failed attempt to open a log, the how-manieth in a row, and when the next may run. */
  private record OpenFailure(RuntimeException error, int inARow, long retryAtNanos) {
    boolean retryDue() {
      return System.nanoTime() - retryAtNanos >= 0;
    }
  }

  /** Wait before the first new attempt after a failed opening; doubles per failure in a row. */
  static final Duration FIRST_RETRY = Duration.ofSeconds(5);

  /** Longest wait between two attempts to open a log that keeps failing. */
  static final Duration MAX_RETRY = Duration.ofSeconds(60);

  private WalRegistry(ExtendedActorSystem system) {
    this.system = system;
    this.log = Logging.getLogger(system, WalJournal.class);
    system.registerOnTermination(this::closeAll);
  }

  /** The registry of {@code system}. Any thread. */
  public static WalRegistry get(ActorSystem system) {
    return ID.get(system);
  }

  /**
   * The log of journal plugin {@code pluginId}: the one open, whatever configuration opened it (a
   * read journal reads the log its journal writes), else opened with the plugin's section of the
   * system's configuration.
   *
   * @throws IllegalArgumentException if the configuration is invalid (names the key)
   * @throws IllegalStateException as {@link #logFor(String, Config)}
   */
  public WriteAheadLog logFor(String pluginId) {
    return logFor(pluginId, system.settings().config().getConfig(pluginId), false);
  }

  /**
   * The log of journal plugin {@code pluginId}, opened with {@code pluginConfig} if not open yet;
   * the journal actor's call. If the log is open already, {@code pluginConfig} must give it the
   * same settings ({@link WalSettings#sameLogAs}): a read journal used before the journal actor
   * started opens the log with the system's configuration, and a journal actor started with another
   * configuration for the same plugin id (Pekko's runtime plugin configuration) would otherwise
   * write into that log, another directory or sync mode than its own configuration says.
   *
   * @throws IllegalArgumentException if the configuration is invalid (names the key), or if the log
   *     is open with other settings (names both)
   * @throws IllegalStateException if the log cannot be opened (locked directory, corruption, I/O
   *     error; the message names the plugin and the cause names the directory or file) or the actor
   *     system has terminated (its logs were closed and none opens again)
   */
  public WriteAheadLog logFor(String pluginId, Config pluginConfig) {
    return logFor(pluginId, pluginConfig, true);
  }

  private WriteAheadLog logFor(String pluginId, Config pluginConfig, boolean sameSettings) {
    WriteAheadLog existing = logs.get(pluginId);
    if (existing != null && !existing.isClosed()) {
      if (sameSettings) {
        checkSameSettings(pluginId, existing, pluginConfig);
      }
      return existing;
    }
    requested.add(pluginId); // before compute: closeAll then waits for this opening
    return logs.compute(
        pluginId,
        (id, current) -> {
          if (current != null && !current.isClosed()) {
            if (sameSettings) {
              checkSameSettings(id, current, pluginConfig);
            }
            return current;
          }
          checkNotTerminated(id);
          OpenFailure last = openFailures.get(id);
          if (last != null && !last.retryDue()) {
            throw last.error(); // no recovery scan per request while the cause lasts
          }
          opening.add(id);
          try {
            WalSettings settings =
                WalSettings.fromConfig(pluginConfig, id).withLogger(this::logToPekko);
            WriteAheadLog wal = WriteAheadLog.open(settings);
            if (terminated) {
              closeQuietly(id, wal); // the system terminated while this opened it
              checkNotTerminated(id);
            }
            openFailures.remove(id);
            log.info("Journal [{}] opened {}", id, settings);
            notifyOpened(id, wal);
            return wal;
          } catch (IOException e) {
            IllegalStateException failure =
                new IllegalStateException(
                    "Journal plugin ["
                        + id
                        + "] cannot open its write-ahead log: "
                        + e.getMessage(),
                    e);
            openFailed(id, failure, last);
            throw failure;
          } catch (RuntimeException e) {
            openFailed(id, e, last);
            throw e;
          } finally {
            opening.remove(id);
          }
        });
  }

  private static void checkSameSettings(String id, WriteAheadLog open, Config pluginConfig) {
    WalSettings wanted = WalSettings.fromConfig(pluginConfig, id);
    if (!wanted.sameLogAs(open.settings())) {
      throw new IllegalArgumentException(
          "Journal plugin ["
              + id
              + "]: its write-ahead log is open already with "
              + open.settings()
              + " (a read journal opens it with the actor system's configuration), but this"
              + " configuration of the plugin gives "
              + wanted
              + "; give one plugin id one configuration (a runtime plugin configuration needs a"
              + " plugin id of its own)");
    }
  }

  /**
   * The log of {@code pluginId} if one has been opened (it may have been closed since), without
   * opening it and without blocking, even while another thread is opening it. Any thread.
   */
  public Optional<WriteAheadLog> openedLog(String pluginId) {
    return Optional.ofNullable(logs.get(pluginId));
  }

  /** Whether a thread is opening (recovering) the log of {@code pluginId} right now. Any thread. */
  public boolean isOpening(String pluginId) {
    return opening.contains(pluginId);
  }

  /**
   * Why the last attempt to open the log of {@code pluginId} failed, if it did and no later attempt
   * succeeded. Any thread; never blocks.
   */
  public Optional<RuntimeException> openFailure(String pluginId) {
    OpenFailure f = openFailures.get(pluginId);
    return f == null ? Optional.empty() : Optional.of(f.error());
  }

  /**
   * After a failed opening, whether a new attempt may run now: the first after {@link
   * #FIRST_RETRY}, each further one after twice the wait before it, at most {@link #MAX_RETRY} (a
   * lock the previous process still holds passes in seconds; corruption does not, and each attempt
   * is a recovery scan). Until then {@link #logFor} fails at once with the last failure. Any
   * thread; never blocks.
   */
  public boolean openRetryDue(String pluginId) {
    OpenFailure f = openFailures.get(pluginId);
    return f == null || f.retryDue();
  }

  /**
   * Opens the log of {@code pluginId} on {@code executor} unless an opening is already requested or
   * running, or a failed one may not be retried yet ({@link #openRetryDue}). Any thread.
   */
  public void openInBackground(String pluginId, Executor executor) {
    if (!openRetryDue(pluginId) || !openRequested.add(pluginId)) {
      return;
    }
    try {
      CompletableFuture.runAsync(
          () -> {
            try {
              logFor(pluginId);
            } catch (RuntimeException kept) {
              // kept by openFailure(pluginId) for the checks
            } finally {
              openRequested.remove(pluginId);
            }
          },
          executor);
    } catch (RuntimeException rejected) {
      openRequested.remove(pluginId);
      throw rejected;
    }
  }

  /**
   * Calls {@code listener} with the plugin id and the log each time this registry opens a log,
   * before the log is handed to anyone (the journal actor, a read journal, {@link #openedLog}), so
   * that a metrics integration sees the recovery replays and the first writes too. It runs on the
   * opening thread while the opening holds the registry's lock of that plugin id: it must be quick
   * and must not call back into this registry for that id. A listener that throws is logged and
   * does not stop the log from opening. Logs already open are not reported ({@link #openLogs} lists
   * them). Any thread.
   */
  public void addOpenListener(BiConsumer<String, WriteAheadLog> listener) {
    openListeners.add(Objects.requireNonNull(listener, "listener"));
  }

  /** Stops calling {@code listener} (the same instance given to {@link #addOpenListener}). */
  public void removeOpenListener(BiConsumer<String, WriteAheadLog> listener) {
    openListeners.remove(listener);
  }

  private void notifyOpened(String id, WriteAheadLog wal) {
    for (BiConsumer<String, WriteAheadLog> l : openListeners) {
      try {
        l.accept(id, wal);
      } catch (RuntimeException e) {
        log.error(e, "Journal [{}]: a listener of opened logs failed", id);
      }
    }
  }

  private void openFailed(String id, RuntimeException error, OpenFailure last) {
    int inARow = last == null ? 1 : last.inARow() + 1;
    long wait = Math.min(FIRST_RETRY.toNanos() << Math.min(inARow - 1, 20), MAX_RETRY.toNanos());
    openFailures.put(id, new OpenFailure(error, inARow, System.nanoTime() + wait));
  }

  /**
   * The logs open right now, by journal plugin id (a copy). Any thread; metrics integrations poll
   * it.
   */
  public Map<String, WriteAheadLog> openLogs() {
    Map<String, WriteAheadLog> open = new TreeMap<>();
    logs.forEach(
        (id, wal) -> {
          if (!wal.isClosed()) {
            open.put(id, wal);
          }
        });
    return Collections.unmodifiableMap(open);
  }

  private void logToPekko(Level level, String message) {
    switch (level) {
      case ERROR -> log.error(message);
      case WARNING -> log.warning(message);
      case INFO -> log.info(message);
      default -> log.debug(message);
    }
  }

  private void closeAll() {
    terminated = true;
    // Every id ever asked for, through compute: it waits for an opening of that id under way
    // (which saw terminated false) to finish, then closes what it opened.
    for (String id : List.copyOf(requested)) {
      logs.compute(
          id,
          (key, wal) -> {
            if (wal != null) {
              closeQuietly(key, wal);
            }
            return null;
          });
    }
  }

  private void closeQuietly(String id, WriteAheadLog wal) {
    try {
      wal.close();
    } catch (IOException | RuntimeException e) {
      log.error(e, "Journal [{}] failed to close its write-ahead log", id);
    }
  }

  /**
   * After the system terminated no log opens again (a read-journal stream or a health probe that
   * runs late would otherwise hold the directory lock and a writer thread until the JVM exits, and
   * a new system in this JVM could not open the directory).
   */
  private void checkNotTerminated(String id) {
    if (terminated) {
      throw new IllegalStateException(
          "Journal plugin [" + id + "]: actor system [" + system.name() + "] has terminated");
    }
  }

  private static final class Id extends AbstractExtensionId<WalRegistry>
      implements ExtensionIdProvider {
    @Override
    public WalRegistry createExtension(ExtendedActorSystem system) {
      return new WalRegistry(system);
    }

    @Override
    public Id lookup() {
      return ID;
    }
  }
}
