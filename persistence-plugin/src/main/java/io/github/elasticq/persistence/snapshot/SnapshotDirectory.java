package io.github.elasticq.persistence.snapshot;

import io.github.elasticq.persistence.internal.DirectoryLock;
import java.io.File;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The blocking file operations of the snapshot store over one root directory.
 *
 * <p>Layout: {@code <root>/<PersistenceIdEncoding.directoryName(id)>/snapshot-<seqNr>-<ts>.snap}. A
 * save writes {@code snapshot-<seqNr>-<ts>.<uuid>.tmp} next to its final name, forces it, renames
 * it atomically onto the final name and forces the directory, so after a crash a final name holds
 * either nothing or a complete, durable file; a crash leaves at most an orphaned {@code .tmp},
 * which {@link #list} never returns and {@link #removeTempFiles()} deletes.
 *
 * <p>Thread-safety: every method may be called from any thread, concurrently. Concurrent saves
 * never share a temporary file (unique suffix); a file deleted between {@link #list} and {@link
 * #read} surfaces as {@link NoSuchFileException}, which callers treat as "gone". Methods block on
 * disk I/O: call them only from the plugin's dedicated dispatcher.
 */
final class SnapshotDirectory {

  static final String SNAPSHOT_SUFFIX = ".snap";
  static final String TEMP_SUFFIX = ".tmp";

  private static final Pattern SNAPSHOT_NAME =
      Pattern.compile("snapshot-([0-9]{1,19})-([0-9]{1,19})\\.snap");

  private static final boolean WINDOWS = File.separatorChar == '\\';

  /**
   * The file locked while a store uses the root: neither a {@code pid-} directory nor the journal's
   * {@code LOCK} (the journal may share the directory).
   */
  static final String LOCK_FILE = "snapshot-store.lock";

  private final Path root;

  private static final String IN_THIS_JVM =
      "other code in this JVM (another actor system's snapshot store?)";

  /** Held from {@link #lock} to {@link #unlock}; null otherwise. */
  private DirectoryLock directoryLock;

  /**
   * Id directories created by this store whose entry in {@link #root} has not been forced yet.
   * Those found at {@link #open} are forced there.
   */
  private final Set<Path> entryNotDurable = ConcurrentHashMap.newKeySet();

  /**
   * @param root the store's directory; made absolute and normalized here
   */
  SnapshotDirectory(Path root) {
    this.root = root.toAbsolutePath().normalize();
  }

  Path root() {
    return root;
  }

  /**
   * Creates the root directory if it is missing (forcing its parent so the new entry is durable)
   * and checks that it is a writable directory.
   *
   * @throws IOException naming the directory if it cannot be created or used
   */
  void open() throws IOException {
    if (!Files.isDirectory(root)) {
      if (Files.exists(root)) {
        throw new NotDirectoryException(root.toString());
      }
      Files.createDirectories(root);
      Path parent = root.getParent();
      if (parent != null) {
        forceDirectory(parent);
      }
    }
    if (!Files.isWritable(root)) {
      throw new IOException("Snapshot directory [" + root + "] is not writable");
    }
    // the entries of the ids' directories found here: one a killed process created and never
    // forced would otherwise hold this process's saves without being durable itself
    forceDirectory(root);
  }

  /**
   * Locks {@code <root>/snapshot-store.lock} for this store (an OS file lock: a crashed or killed
   * process loses it), so a second store, in this process or another, is refused before it deletes
   * the first one's temporary files of saves in flight ({@link DirectoryLock}). Call after {@link
   * #open}; {@link #unlock} releases it. A second call while it is held does nothing.
   *
   * @throws IOException naming the directory and the holder (another process, or other code of this
   *     JVM, e.g. a second actor system) if the lock is held
   */
  synchronized void lock() throws IOException {
    if (directoryLock != null) {
      return;
    }
    try {
      directoryLock = DirectoryLock.acquire(root, LOCK_FILE);
    } catch (DirectoryLock.InUseException e) {
      String holder =
          e.holder() == DirectoryLock.Holder.ANOTHER_PROCESS ? "another process" : IN_THIS_JVM;
      throw new IOException(
          "Snapshot directory ["
              + root
              + "] is in use: "
              + holder
              + " holds the lock on "
              + e.file()
              + "; give each actor system a snapshot directory of its own",
          e);
    }
  }

  /** Releases {@link #lock}'s lock, if held. */
  synchronized void unlock() throws IOException {
    DirectoryLock held = directoryLock;
    directoryLock = null;
    if (held != null) {
      held.close();
    }
  }

  /**
   * Deletes the temporary files that interrupted saves left in persistence-id directories.
   *
   * <p>Call only while no save of this store is in flight and {@link #lock} is held (the plugin
   * does both in {@code preStart}); a save in flight would lose its temporary file and fail.
   *
   * @return the number of files deleted
   */
  int removeTempFiles() throws IOException {
    int removed = 0;
    try (DirectoryStream<Path> pidDirs =
        Files.newDirectoryStream(
            root,
            p ->
                p.getFileName().toString().startsWith(PersistenceIdEncoding.PREFIX)
                    && Files.isDirectory(p))) {
      for (Path pidDir : pidDirs) {
        try (DirectoryStream<Path> temps = Files.newDirectoryStream(pidDir, "*" + TEMP_SUFFIX)) {
          for (Path temp : temps) {
            if (Files.deleteIfExists(temp)) {
              removed++;
            }
          }
        }
      }
    }
    return removed;
  }

  /**
   * The directory of {@code persistenceId}: always a direct child of the root, whatever the id
   * contains.
   */
  Path directoryOf(String persistenceId) {
    String name = PersistenceIdEncoding.directoryName(persistenceId);
    Path dir = root.resolve(name);
    // Defence in depth: the encoding guarantees one plain path element; verify it anyway.
    if (!root.equals(dir.getParent()) || !name.equals(dir.getFileName().toString())) {
      throw new IllegalStateException(
          "Persistence id [" + persistenceId + "] maps outside snapshot directory [" + root + "]");
    }
    return dir;
  }

  /**
   * Lists the snapshot files of {@code persistenceId}, newest first. Temporary files and names that
   * are not snapshot files are ignored.
   */
  List<SnapshotFile> list(String persistenceId) throws IOException {
    Path dir = directoryOf(persistenceId);
    List<SnapshotFile> files = new ArrayList<>();
    try (DirectoryStream<Path> stream = Files.newDirectoryStream(dir, "*" + SNAPSHOT_SUFFIX)) {
      for (Path p : stream) {
        SnapshotFile parsed = parse(p);
        if (parsed != null) {
          files.add(parsed);
        }
      }
    } catch (NoSuchFileException e) {
      return List.of();
    }
    files.sort(SnapshotFile.NEWEST_FIRST);
    return files;
  }

  private static SnapshotFile parse(Path p) {
    Matcher m = SNAPSHOT_NAME.matcher(p.getFileName().toString());
    if (!m.matches()) {
      return null;
    }
    try {
      return new SnapshotFile(p, Long.parseLong(m.group(1)), Long.parseLong(m.group(2)));
    } catch (NumberFormatException e) {
      return null; // 19 digits beyond Long.MAX_VALUE: not ours
    }
  }

  /** Reads a whole snapshot file. */
  byte[] read(SnapshotFile file) throws IOException {
    long size = Files.size(file.path());
    if (size > Integer.MAX_VALUE - 8) {
      throw new CorruptSnapshotException(file.path(), "too large to be a snapshot: " + size);
    }
    return Files.readAllBytes(file.path());
  }

  /**
   * Durably stores {@code content} as the snapshot {@code (sequenceNr, timestamp)} of {@code
   * persistenceId}, replacing a file of the same name: write a temporary file, force it, rename it
   * atomically, force the directory. When this method returns normally the snapshot survives a
   * process crash and, as far as the disk honours {@code fsync}, power loss. On failure the
   * temporary file is removed and no final file was created or changed.
   *
   * @return the final path
   */
  Path write(String persistenceId, long sequenceNr, long timestamp, byte[] content)
      throws IOException {
    if (sequenceNr < 0 || timestamp < 0) {
      throw new IllegalArgumentException(
          "Snapshot of persistence id ["
              + persistenceId
              + "] has a negative sequence nr ("
              + sequenceNr
              + ") or timestamp ("
              + timestamp
              + ")");
    }
    Path dir = directoryOf(persistenceId);
    if (!Files.isDirectory(dir)) {
      entryNotDurable.add(dir); // before it exists: a concurrent save that sees it also sees this
      Files.createDirectories(dir);
    }
    if (entryNotDurable.contains(dir)) {
      // the directory's entry must be durable before files in it: also when another save created
      // it and has not forced the root yet, or a force of the root failed
      forceDirectory(root);
      entryNotDurable.remove(dir);
    }
    String base = "snapshot-" + sequenceNr + "-" + timestamp;
    Path target = dir.resolve(base + SNAPSHOT_SUFFIX);
    Path temp = dir.resolve(base + "." + UUID.randomUUID() + TEMP_SUFFIX);
    try {
      try (FileChannel ch =
          FileChannel.open(temp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
        ByteBuffer buf = ByteBuffer.wrap(content);
        while (buf.hasRemaining()) {
          ch.write(buf);
        }
        ch.force(true); // content durable before the name points at it
      }
      Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE);
    } catch (IOException | RuntimeException e) {
      try {
        Files.deleteIfExists(temp);
      } catch (IOException suppressed) {
        e.addSuppressed(suppressed);
      }
      throw e;
    }
    forceDirectory(dir); // the rename itself durable
    return target;
  }

  /**
   * Deletes the snapshot files of {@code persistenceId} that {@code which} accepts and forces the
   * directory if anything was deleted.
   *
   * @return the number of files deleted
   */
  int delete(String persistenceId, Predicate<SnapshotFile> which) throws IOException {
    int deleted = 0;
    for (SnapshotFile f : list(persistenceId)) {
      if (which.test(f) && Files.deleteIfExists(f.path())) {
        deleted++;
      }
    }
    if (deleted > 0) {
      forceDirectory(directoryOf(persistenceId));
    }
    return deleted;
  }

  /**
   * Forces a directory's entries to disk. Windows cannot open a directory as a channel, and NTFS
   * journals metadata, so failure there is ignored; elsewhere it is an error.
   */
  static void forceDirectory(Path dir) throws IOException {
    try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
      ch.force(true);
    } catch (IOException e) {
      if (!WINDOWS) {
        throw e;
      }
    }
  }
}
