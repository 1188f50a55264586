package io.github.elasticq.persistence.snapshot;

import com.typesafe.config.Config;
import java.io.IOException;
import java.io.NotSerializableException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.apache.pekko.dispatch.Futures;
import org.apache.pekko.event.Logging;
import org.apache.pekko.event.LoggingAdapter;
import org.apache.pekko.persistence.SelectedSnapshot;
import org.apache.pekko.persistence.SnapshotMetadata;
import org.apache.pekko.persistence.SnapshotSelectionCriteria;
import org.apache.pekko.persistence.snapshot.japi.SnapshotStore;
import org.apache.pekko.serialization.Serialization;
import org.apache.pekko.serialization.SerializationExtension;
import org.apache.pekko.serialization.Serializer;
import org.apache.pekko.serialization.Serializers;
import scala.Option;
import scala.concurrent.ExecutionContext;
import scala.concurrent.Future;
import scala.util.Try;

/**
 * A Pekko Persistence snapshot store that keeps each snapshot in its own CRC-protected file.
 *
 * <p>Enable it with {@code pekko.persistence.snapshot-store.plugin = "elasticq.snapshot-store"};
 * its settings ({@code dir}, {@code max-load-attempts}, {@code plugin-dispatcher}) are documented
 * in this module's {@code reference.conf}.
 *
 * <ul>
 *   <li><b>Save</b> serializes with Pekko Serialization (serializer id and manifest are stored, so
 *       any configured serializer works), writes a temporary file, forces it, renames it atomically
 *       onto {@code snapshot-<seqNr>-<timestamp>.snap} and forces the directory. The save is
 *       acknowledged only after that, so an acknowledged snapshot survives a process crash and
 *       power loss (as far as the disk honours {@code fsync}). The optional {@code
 *       SnapshotMetadata.metadata} is stored too.
 *   <li><b>Load</b> returns the newest snapshot (highest sequence number, then latest timestamp)
 *       that matches the criteria. A file that fails verification (see {@code
 *       SnapshotFileDescriptor}: truncation, CRC32C mismatch, ...) or deserialization is logged and
 *       the next older matching one is tried, up to {@code max-load-attempts} files; if all tried
 *       files are unusable the load fails (rather than pretending there is no snapshot, which would
 *       replay from scratch and be wrong if events were deleted).
 *   <li><b>Delete</b> one snapshot by sequence number and timestamp (timestamp 0 matches any), or
 *       all snapshots matching criteria; the directory is forced afterwards.
 *   <li><b>Persistence ids</b> of any content are mapped to safe directory names (see {@code
 *       PersistenceIdEncoding}); the real id is stored in each file and compared on load.
 *   <li><b>Start</b> locks {@code dir/snapshot-store.lock} for the store's lifetime (a second store
 *       on the same directory, in this process or another, stops at its start with an error naming
 *       the directory), then removes temporary files left behind by saves that a crash interrupted.
 * </ul>
 *
 * <p>Threads: Pekko instantiates this actor and calls the {@code do...Async} methods from the
 * plugin actor, one message at a time. The blocking file work of each call runs in a future on the
 * plugin's dispatcher ({@code plugin-dispatcher}, a dedicated thread pool), never on the default
 * dispatcher; several calls may be in flight at once. A future's completion happens-after all of
 * its file operations, so a load started after a save's success was delivered sees that snapshot.
 */
public final class FileSnapshotStore extends SnapshotStore {

  /** The configuration path of the plugin in this module's {@code reference.conf}. */
  public static final String DEFAULT_CONFIG_PATH = "elasticq.snapshot-store";

  private final String configPath;
  private final SnapshotDirectory directory;
  private final int maxLoadAttempts;
  private final Serialization serialization;
  private final ExecutionContext ioContext;
  private final LoggingAdapter logger;

  /**
   * Called by Pekko Persistence when the plugin at {@link #DEFAULT_CONFIG_PATH} is first used.
   *
   * @param config the plugin's configuration section
   */
  public FileSnapshotStore(Config config) {
    this(config, DEFAULT_CONFIG_PATH);
  }

  /**
   * Called by Pekko Persistence, on the plugin actor's construction, with the plugin's
   * configuration section and its path (which error messages name).
   *
   * @param config the plugin's configuration section
   * @param configPath where {@code config} lives in the system's configuration
   * @throws IllegalArgumentException if a setting is invalid; the message names the key
   */
  public FileSnapshotStore(Config config, String configPath) {
    this.configPath = configPath;
    String dir = config.getString("dir");
    if (dir.isBlank()) {
      throw new IllegalArgumentException(configPath + ".dir must name a directory, got \"\"");
    }
    this.directory = new SnapshotDirectory(Paths.get(dir));
    this.maxLoadAttempts = config.getInt("max-load-attempts");
    if (maxLoadAttempts < 1) {
      throw new IllegalArgumentException(
          configPath + ".max-load-attempts must be at least 1, got " + maxLoadAttempts);
    }
    this.serialization = SerializationExtension.get(context().system());
    this.ioContext = context().dispatcher();
    this.logger = Logging.getLogger(context().system(), this);
  }

  /**
   * Creates the directory if needed, locks it and removes temporary files left by interrupted
   * saves. Runs on the plugin actor before it handles any request, so no save of this store is in
   * flight, and no other store's either (the lock).
   *
   * @throws IOException naming the directory if it cannot be created or used, or another store
   *     holds its lock
   */
  @Override
  public void preStart() throws Exception {
    super.preStart();
    try {
      directory.open();
      directory.lock();
      int removed = directory.removeTempFiles();
      if (removed > 0) {
        logger.info(
            "Removed {} temporary file(s) of interrupted snapshot saves from [{}]",
            removed,
            directory.root());
      }
    } catch (IOException e) {
      directory.unlock();
      throw new IOException(
          "Cannot use snapshot directory [" + directory.root() + "] (" + configPath + ".dir)", e);
    } catch (RuntimeException | Error e) {
      // Pekko does not call postStop after a failed start: release the lock here
      directory.unlock();
      throw e;
    }
  }

  /** Releases the directory's lock. */
  @Override
  public void postStop() throws Exception {
    try {
      directory.unlock();
    } finally {
      super.postStop();
    }
  }

  /**
   * Loads the newest snapshot of {@code persistenceId} matching {@code criteria}, falling back to
   * older ones when newer files are unusable (see the class comment). Called by Pekko on the plugin
   * actor; the work runs on the plugin dispatcher.
   *
   * @return a future of the snapshot, empty if none matches; failed if every tried file is unusable
   */
  @Override
  public Future<Optional<SelectedSnapshot>> doLoadAsync(
      String persistenceId, SnapshotSelectionCriteria criteria) {
    return Futures.future(() -> load(persistenceId, criteria), ioContext);
  }

  /**
   * Serializes and durably stores {@code snapshot}. Called by Pekko on the plugin actor; the work
   * runs on the plugin dispatcher.
   *
   * @return a future completed after the file and its directory entry were forced to disk; failed
   *     with a {@link NotSerializableException} naming the class if the snapshot (or its metadata)
   *     cannot be serialized, or with the {@link IOException} of the file system
   */
  @Override
  public Future<Void> doSaveAsync(SnapshotMetadata metadata, Object snapshot) {
    return Futures.future(
        () -> {
          save(metadata, snapshot);
          return null;
        },
        ioContext);
  }

  /**
   * Deletes the snapshot with {@code metadata}'s sequence number and timestamp (timestamp 0: any
   * timestamp). Called by Pekko on the plugin actor; the work runs on the plugin dispatcher.
   *
   * @return a future completed after the deletion was forced to disk; deleting nothing succeeds
   */
  @Override
  public Future<Void> doDeleteAsync(SnapshotMetadata metadata) {
    long sequenceNr = metadata.sequenceNr();
    long timestamp = metadata.timestamp();
    return Futures.future(
        () -> {
          int n =
              directory.delete(
                  metadata.persistenceId(),
                  f ->
                      f.sequenceNr() == sequenceNr
                          && (timestamp == 0L || f.timestamp() == timestamp));
          logger.debug(
              "Deleted {} snapshot file(s) of [{}] matching {}",
              n,
              metadata.persistenceId(),
              metadata);
          return null;
        },
        ioContext);
  }

  /**
   * Deletes every snapshot of {@code persistenceId} matching {@code criteria}. Called by Pekko on
   * the plugin actor; the work runs on the plugin dispatcher.
   *
   * @return a future completed after the deletions were forced to disk; deleting nothing succeeds
   */
  @Override
  public Future<Void> doDeleteAsync(String persistenceId, SnapshotSelectionCriteria criteria) {
    return Futures.future(
        () -> {
          int n = directory.delete(persistenceId, f -> matches(criteria, f));
          logger.debug(
              "Deleted {} snapshot file(s) of [{}] matching {}", n, persistenceId, criteria);
          return null;
        },
        ioContext);
  }

  private static boolean matches(SnapshotSelectionCriteria criteria, SnapshotFile f) {
    return f.sequenceNr() <= criteria.maxSequenceNr()
        && f.timestamp() <= criteria.maxTimestamp()
        && f.sequenceNr() >= criteria.minSequenceNr()
        && f.timestamp() >= criteria.minTimestamp();
  }

  private void save(SnapshotMetadata metadata, Object snapshot) throws IOException {
    String pid = metadata.persistenceId();
    SerializedObject serialized = serialize(snapshot, "Snapshot", metadata);
    Option<Object> extra = metadata.metadata();
    SerializedObject serializedExtra =
        extra.isDefined() ? serialize(extra.get(), "Snapshot metadata", metadata) : null;
    byte[] file =
        SnapshotFileDescriptor.encode(
            new SnapshotRecord(
                pid, metadata.sequenceNr(), metadata.timestamp(), serialized, serializedExtra));
    directory.write(pid, metadata.sequenceNr(), metadata.timestamp(), file);
  }

  private SerializedObject serialize(Object value, String what, SnapshotMetadata metadata)
      throws NotSerializableException {
    try {
      Serializer serializer = serialization.findSerializerFor(value);
      String manifest = Serializers.manifestFor(serializer, value);
      Try<byte[]> bytes = serialization.serialize(value);
      if (bytes.isFailure()) {
        throw bytes.failed().get();
      }
      return new SerializedObject(serializer.identifier(), manifest, bytes.get());
    } catch (Throwable e) {
      if (e instanceof Error && !(e instanceof StackOverflowError)) {
        throw (Error) e;
      }
      NotSerializableException failure =
          new NotSerializableException(
              what
                  + " of class ["
                  + value.getClass().getName()
                  + "] for persistence id ["
                  + metadata.persistenceId()
                  + "] at sequence nr "
                  + metadata.sequenceNr()
                  + " cannot be serialized: "
                  + e);
      failure.initCause(e);
      throw failure;
    }
  }

  private Optional<SelectedSnapshot> load(String persistenceId, SnapshotSelectionCriteria criteria)
      throws IOException {
    List<Exception> failures = new ArrayList<>();
    for (SnapshotFile file : directory.list(persistenceId)) {
      if (!matches(criteria, file)) {
        continue;
      }
      if (failures.size() == maxLoadAttempts) {
        break;
      }
      try {
        Optional<SelectedSnapshot> loaded = tryLoad(persistenceId, file);
        if (loaded.isPresent()) {
          return loaded;
        }
        // empty: deleted concurrently or belongs to another id; not an attempt
      } catch (Exception e) {
        failures.add(e);
        // e's message names the file
        logger.warning(
            "Skipping unusable snapshot of persistence id [{}] (attempt {} of at most {}): {}",
            persistenceId,
            failures.size(),
            maxLoadAttempts,
            e.getMessage());
      }
    }
    if (failures.isEmpty()) {
      return Optional.empty();
    }
    IOException e =
        new IOException(
            "No usable snapshot of persistence id ["
                + persistenceId
                + "] in ["
                + directory.directoryOf(persistenceId)
                + "]: the "
                + failures.size()
                + " newest matching snapshot(s) are unusable ("
                + configPath
                + ".max-load-attempts = "
                + maxLoadAttempts
                + "); first problem: "
                + failures.get(0).getMessage());
    failures.forEach(e::addSuppressed);
    throw e;
  }

  /**
   * Reads, verifies and deserializes one file.
   *
   * @return empty if the file vanished or belongs to another persistence id
   * @throws Exception if the file is unusable
   */
  private Optional<SelectedSnapshot> tryLoad(String persistenceId, SnapshotFile file)
      throws Exception {
    byte[] bytes;
    try {
      bytes = directory.read(file);
    } catch (NoSuchFileException gone) {
      return Optional.empty();
    } catch (CorruptSnapshotException e) {
      throw e;
    } catch (IOException e) {
      throw new IOException("Cannot read snapshot file [" + file.path() + "]: " + e, e);
    }
    Path path = file.path();
    SnapshotRecord record = SnapshotFileDescriptor.decode(bytes, path);
    if (!record.persistenceId().equals(persistenceId)) {
      // Only possible for hashed directory names (a SHA-256 collision) or a file moved by hand.
      logger.warning(
          "Snapshot [{}] belongs to persistence id [{}], not [{}]; ignoring it",
          path,
          record.persistenceId(),
          persistenceId);
      return Optional.empty();
    }
    if (record.sequenceNr() != file.sequenceNr() || record.timestamp() != file.timestamp()) {
      throw new CorruptSnapshotException(
          path,
          "header says sequence nr "
              + record.sequenceNr()
              + " and timestamp "
              + record.timestamp()
              + ", the file name disagrees");
    }
    Object snapshot = deserialize(record.snapshot(), path, "snapshot");
    SnapshotMetadata metadata =
        record.metadata() == null
            ? SnapshotMetadata.apply(persistenceId, record.sequenceNr(), record.timestamp())
            : SnapshotMetadata.apply(
                persistenceId,
                record.sequenceNr(),
                record.timestamp(),
                Option.apply(deserialize(record.metadata(), path, "snapshot metadata")));
    return Optional.of(SelectedSnapshot.create(metadata, snapshot));
  }

  private Object deserialize(SerializedObject serialized, Path path, String what)
      throws IOException {
    Try<Object> result =
        serialization.deserialize(
            serialized.bytes(), serialized.serializerId(), serialized.manifest());
    if (result.isFailure()) {
      Throwable cause = result.failed().get();
      throw new IOException(
          "Cannot deserialize the "
              + what
              + " in ["
              + path
              + "] (serializer id "
              + serialized.serializerId()
              + ", manifest \""
              + serialized.manifest()
              + "\"): "
              + cause,
          cause);
    }
    return result.get();
  }
}
