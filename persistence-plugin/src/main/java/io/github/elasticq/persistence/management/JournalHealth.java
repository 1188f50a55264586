package io.github.elasticq.persistence.management;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import io.github.elasticq.persistence.journal.WalJournal;
import io.github.elasticq.persistence.journal.WalRegistry;
import io.github.elasticq.persistence.wal.WriteAheadLog;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.function.ToLongFunction;
import org.apache.pekko.ConfigurationException;
import org.apache.pekko.actor.ActorSystem;
import org.apache.pekko.dispatch.Dispatchers;

/**
 * What the journal checks and the route share: the validated {@code elasticq.management} keys of
 * this module, the journals they watch and each journal's state. Any thread; never blocks (opening
 * a log runs on the journal's own plugin dispatcher, a free-space query on Pekko's blocking-I/O
 * dispatcher).
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

  /**
   * How long a check or the route waits for the file system to answer a free-space query before it
   * reports no answer: well below Pekko Management's default {@code check-timeout} (1 s), so the
   * check fails with this reason instead of Management's timeout.
   */
  static final Duration SPACE_ANSWER_WAIT = Duration.ofMillis(500);

  /** {@link #usableSpace}'s result when the file system has not answered in time. */
  static final long NO_ANSWER = -1L;

  private final ActorSystem system;
  private final WalRegistry registry;
  private final List<String> journals;
  private final long minFreeSpace;

  /** Asks the file system for the usable bytes under a directory; may block (a hung volume). */
  private final ToLongFunction<Path> spaceQuery;

  /** Where {@link #spaceQuery} runs: Pekko's dispatcher for blocking I/O, never the caller. */
  private final Executor blockingIo;

  /** The query of each directory, running or done; see {@link #usableSpace}. */
  private final ConcurrentHashMap<Path, SpaceQuery> spaceQueries = new ConcurrentHashMap<>();

  private record SpaceQuery(CompletableFuture<Long> answer, long startedNanos) {}

  JournalHealth(ActorSystem system) {
    this(system, JournalHealth::usableSpaceWhereCreated);
  }

  /**
   * The usable bytes of the file store {@code dir} is or will be created on: that of its nearest
   * existing ancestor while it does not exist yet (a journal not started), rather than the 0 that
   * {@link java.io.File#getUsableSpace} answers for a missing path.
   */
  static long usableSpaceWhereCreated(Path dir) {
    Path p = dir.toAbsolutePath();
    while (p != null && !Files.exists(p)) {
      p = p.getParent();
    }
    return p == null ? 0L : p.toFile().getUsableSpace();
  }

  /** For tests: {@code spaceQuery} stands for the file system's free-space query. */
  JournalHealth(ActorSystem system, ToLongFunction<Path> spaceQuery) {
    this.system = system;
    this.spaceQuery = spaceQuery;
    this.blockingIo = system.dispatchers().lookup(Dispatchers.DefaultBlockingDispatcherId());
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

  /**
   * What {@link #notAcceptingWrites} found: why not every watched journal accepts writes (null if
   * each does), and whether the file system of one did not answer its free-space query in time (a
   * hung volume, where a write check would hang as well).
   */
  record NotAccepting(String problem, boolean spaceUnanswered) {}

  /**
   * Completes with whether every watched journal accepts writes, and why not. Never blocks: the
   * free-space queries run on Pekko's blocking-I/O dispatcher ({@link #usableSpace}), and one the
   * file system does not answer within {@link #SPACE_ANSWER_WAIT} is a reason (a hung volume).
   */
  CompletableFuture<NotAccepting> notAcceptingWrites() {
    String notStarted = notStarted();
    if (notStarted != null) {
      return CompletableFuture.completedFuture(new NotAccepting(notStarted, false));
    }
    List<CompletableFuture<NotAccepting>> perJournal = new ArrayList<>();
    for (String id : journals) {
      WriteAheadLog wal = log(id).orElseThrow();
      Path dir = wal.directory();
      Exception failure = wal.lastWriteFailure();
      String writeProblem =
          failure == null
              ? null
              : "journal [" + id + "]: the last write to " + dir + " failed: " + failure;
      perJournal.add(
          usableSpace(dir)
              .thenApply(
                  free -> {
                    String spaceProblem = spaceProblem(id, dir, free);
                    return new NotAccepting(
                        writeProblem == null
                            ? spaceProblem
                            : spaceProblem == null
                                ? writeProblem
                                : writeProblem + "; " + spaceProblem,
                        free == NO_ANSWER);
                  }));
    }
    return CompletableFuture.allOf(perJournal.toArray(new CompletableFuture<?>[0]))
        .thenApply(
            done -> {
              List<String> problems = new ArrayList<>();
              boolean spaceUnanswered = false;
              for (CompletableFuture<NotAccepting> p : perJournal) {
                NotAccepting found = p.join();
                if (found.problem() != null) {
                  problems.add(found.problem());
                }
                spaceUnanswered |= found.spaceUnanswered();
              }
              return new NotAccepting(
                  problems.isEmpty() ? null : String.join("; ", problems), spaceUnanswered);
            });
  }

  private String spaceProblem(String id, Path dir, long free) {
    if (free == NO_ANSWER) {
      return "journal ["
          + id
          + "]: the file system of "
          + dir
          + " has not answered a free-space query for "
          + unansweredFor(dir).toMillis()
          + " ms (a hung volume?)";
    }
    if (free < minFreeSpace) {
      return "journal ["
          + id
          + "]: only "
          + free
          + " bytes free under "
          + dir
          + " ("
          + PATH
          + ".journal-min-free-space = "
          + minFreeSpace
          + ")";
    }
    return null;
  }

  /**
   * The usable bytes of the file store under {@code dir}, asked on Pekko's blocking-I/O dispatcher;
   * completes with {@link #NO_ANSWER} if the file system has not answered within {@link
   * #SPACE_ANSWER_WAIT}. One query per directory at a time: a call while one runs waits for that
   * one, so a hung volume holds one thread of that dispatcher, not one per probe. Any thread; never
   * blocks.
   */
  CompletableFuture<Long> usableSpace(Path dir) {
    SpaceQuery query =
        spaceQueries.compute(
            dir,
            (d, running) ->
                running != null && !running.answer().isDone()
                    ? running
                    : new SpaceQuery(
                        CompletableFuture.supplyAsync(() -> spaceQuery.applyAsLong(d), blockingIo),
                        System.nanoTime()));
    return query
        .answer()
        .copy() // completing the copy on timeout leaves the shared query running
        .completeOnTimeout(NO_ANSWER, SPACE_ANSWER_WAIT.toMillis(), TimeUnit.MILLISECONDS);
  }

  /** How long the free-space query of {@code dir} has been running; zero if none runs. */
  Duration unansweredFor(Path dir) {
    SpaceQuery query = spaceQueries.get(dir);
    return query == null || query.answer().isDone()
        ? Duration.ZERO
        : Duration.ofNanos(System.nanoTime() - query.startedNanos());
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
