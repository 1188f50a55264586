package io.github.elasticq.persistence.management;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import io.github.elasticq.persistence.journal.WalJournal;
import io.github.elasticq.persistence.journal.WalRegistry;
import io.github.elasticq.persistence.wal.WriteAheadLog;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import org.apache.pekko.ConfigurationException;
import org.apache.pekko.actor.ActorSystem;

/**
 * What the journal checks and the route share: the validated {@code elasticq.management} keys of
 * this module, the journals they watch and each journal's state. Any thread; never blocks (opening
 * a log runs on the journal's own plugin dispatcher).
 */
final class JournalHealth {

  static final String PATH = "elasticq.management";

  /**
   * Every key of the section: it is shared with elasticq-mailbox's readiness check ({@code
   * saturation-threshold}, {@code saturation-duration}, {@code mailboxes}), which validates it the
   * same way.
   */
  static final Set<String> KEYS =
      Set.of(
          "saturation-threshold",
          "saturation-duration",
          "mailboxes",
          "journals",
          "journal-min-free-space");

  /** A journal's state as the checks and the route report it. */
  enum State {
    /** Nobody has asked for the log yet. */
    NOT_STARTED("not-started"),
    /** The log is being opened: the recovery scan runs. */
    RECOVERING("recovering"),
    /** Open; writes may still fail (see the readiness check). */
    OPEN("open"),
    /** Opened once, closed since. */
    CLOSED("closed"),
    /** The last attempt to open it failed. */
    FAILED("failed");

    final String json;

    State(String json) {
      this.json = json;
    }
  }

  private final ActorSystem system;
  private final WalRegistry registry;
  private final List<String> journals;
  private final long minFreeSpace;

  JournalHealth(ActorSystem system) {
    this.system = system;
    Config config = system.settings().config();
    if (!config.hasPath(PATH)) {
      throw invalid("", "section is missing (the elasticq-persistence reference.conf defines it)");
    }
    Config c;
    try {
      c = config.getConfig(PATH);
    } catch (ConfigException e) {
      throw invalid("", "must be an object: " + e.getMessage());
    }
    for (var entry : c.entrySet()) {
      if (!KEYS.contains(entry.getKey())) {
        throw invalid(entry.getKey(), "is not a known key; known keys: " + new TreeSet<>(KEYS));
      }
    }
    List<String> listed;
    try {
      listed = c.getStringList("journals");
    } catch (ConfigException e) {
      throw invalid("journals", "must be a list of journal plugin ids: " + e.getMessage());
    }
    Set<String> ids = new LinkedHashSet<>();
    if (listed.isEmpty()) {
      if (config.hasPath("pekko.persistence.journal.plugin")) {
        ids.add(config.getString("pekko.persistence.journal.plugin"));
      }
      if (config.hasPath("pekko.persistence.journal.auto-start-journals")) {
        ids.addAll(config.getStringList("pekko.persistence.journal.auto-start-journals"));
      }
      ids.removeIf(id -> !isWalJournal(config, id));
    } else {
      for (String id : listed) {
        if (!isWalJournal(config, id)) {
          throw invalid(
              "journals",
              "["
                  + id
                  + "] is not a journal plugin section whose class is "
                  + WalJournal.class.getName());
        }
        ids.add(id);
      }
    }
    this.journals = List.copyOf(ids);
    try {
      this.minFreeSpace = c.getBytes("journal-min-free-space");
    } catch (ConfigException e) {
      throw invalid("journal-min-free-space", e.getMessage());
    }
    if (minFreeSpace < 0) {
      throw invalid("journal-min-free-space", "must be >= 0, was " + minFreeSpace);
    }
    this.registry = WalRegistry.get(system);
  }

  private static boolean isWalJournal(Config config, String id) {
    try {
      return !id.isEmpty()
          && config.hasPath(id + ".class")
          && WalJournal.class.getName().equals(config.getString(id + ".class"));
    } catch (ConfigException e) {
      return false;
    }
  }

  /** Plugin ids of the watched journals, in configuration order. */
  List<String> journals() {
    return journals;
  }

  long minFreeSpace() {
    return minFreeSpace;
  }

  State state(String id) {
    Optional<WriteAheadLog> wal = registry.openedLog(id);
    if (wal.isPresent() && !wal.get().isClosed()) {
      return State.OPEN;
    }
    // a closed log being opened again (a journal restarted) is recovering, one that failed to
    // open again has failed: the closed instance is only the last one that ran
    if (registry.isOpening(id)) {
      return State.RECOVERING;
    }
    if (registry.openFailure(id).isPresent()) {
      return State.FAILED;
    }
    return wal.isPresent() ? State.CLOSED : State.NOT_STARTED;
  }

  Optional<WriteAheadLog> log(String id) {
    return registry.openedLog(id);
  }

  Optional<RuntimeException> openFailure(String id) {
    return registry.openFailure(id);
  }

  /**
   * The configured directory, absolute, for journals without an open log; empty if the setting is
   * not a path (the journal then fails to open, and says why in {@link #openFailure}).
   */
  Optional<Path> configuredDir(String id) {
    try {
      return Optional.of(
          Path.of(system.settings().config().getString(id + ".dir")).toAbsolutePath().normalize());
    } catch (ConfigException | InvalidPathException e) {
      return Optional.empty();
    }
  }

  /**
   * Starts opening the log of {@code id} on its plugin dispatcher, as the journal actor would, so
   * that recovery runs before the first persistent actor needs it. Idempotent: the registry opens
   * each log once, one opening at a time, and after a failure (kept for {@link #openFailure}) only
   * when its backoff allows.
   */
  void startOpening(String id) {
    Executor io =
        system
            .dispatchers()
            .lookup(system.settings().config().getString(id + ".plugin-dispatcher"));
    registry.openInBackground(id, io);
  }

  /**
   * Null if recovery of every watched journal has finished, else why not. Starts the journals that
   * nobody has started yet.
   */
  String notStarted() {
    List<String> problems = new ArrayList<>();
    for (String id : journals) {
      State s = state(id);
      switch (s) {
        case OPEN -> {}
        case NOT_STARTED -> {
          startOpening(id);
          problems.add("journal [" + id + "] has not finished recovery (started it now)");
        }
        case RECOVERING -> problems.add("journal [" + id + "] has not finished recovery");
        case CLOSED -> problems.add("journal [" + id + "]: write-ahead log is closed");
        case FAILED -> {
          // A failure can pass (the previous process on the volume still holds the lock, a full
          // disk): try again when the registry's backoff allows, or the node would stay not
          // ready (no traffic, so no persistent actor would ever open the log).
          boolean retry = registry.openRetryDue(id);
          if (retry) {
            startOpening(id);
          }
          problems.add(
              "journal ["
                  + id
                  + "] failed to start: "
                  + openFailure(id).map(Throwable::getMessage).orElse("(no longer known)")
                  + (retry ? " (trying again now)" : " (trying again later)"));
        }
      }
    }
    return problems.isEmpty() ? null : String.join("; ", problems);
  }

  /** Null if every watched journal accepts writes, else why not. */
  String notAcceptingWrites() {
    String notStarted = notStarted();
    if (notStarted != null) {
      return notStarted;
    }
    List<String> problems = new ArrayList<>();
    for (String id : journals) {
      WriteAheadLog wal = log(id).orElseThrow();
      Exception failure = wal.lastWriteFailure();
      if (failure != null) {
        problems.add(
            "journal [" + id + "]: the last write to " + wal.directory() + " failed: " + failure);
      }
      long free = wal.directory().toFile().getUsableSpace();
      if (free < minFreeSpace) {
        problems.add(
            "journal ["
                + id
                + "]: only "
                + free
                + " bytes free under "
                + wal.directory()
                + " ("
                + PATH
                + ".journal-min-free-space = "
                + minFreeSpace
                + ")");
      }
    }
    return problems.isEmpty() ? null : String.join("; ", problems);
  }

  /**
   * Starts (or joins) a {@link WriteAheadLog#checkWrites} of every watched open log that reports a
   * write failure, and returns their futures; empty if none does. Any thread; never blocks.
   */
  List<CompletableFuture<Void>> checkFailedWrites() {
    List<CompletableFuture<Void>> checks = new ArrayList<>();
    for (String id : journals) {
      log(id)
          .filter(wal -> !wal.isClosed() && wal.lastWriteFailure() != null)
          .ifPresent(wal -> checks.add(wal.checkWrites()));
    }
    return checks;
  }

  private static ConfigurationException invalid(String key, String problem) {
    return new ConfigurationException(
        "Invalid ElasticQ management configuration ["
            + PATH
            + (key.isEmpty() ? "" : "." + key)
            + "]: "
            + problem);
  }
}
