package io.github.elasticq.persistence.internal;

import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * INTERNAL API: one user of a directory at a time, across processes and within this JVM. Holds an
 * OS file lock ({@link FileChannel#tryLock()}) on a named file in the directory from {@link
 * #acquire} to {@link #close}; a process that crashes or is killed loses it with its descriptors.
 * The journal ({@code LOCK}), the snapshot store ({@code snapshot-store.lock}) and the gateway demo
 * ({@code gateway.lock}) each lock a file of their own, so that they may share a directory.
 *
 * <p>Why a JVM-wide registry before the file lock: the locks are POSIX record locks, which belong
 * to the process, and closing <em>any</em> channel of the file releases every lock the process
 * holds on it. A refused second user in this JVM that opened and closed a channel of its own would
 * drop the first user's lock, and another process could then take the directory beside it. So a
 * second {@code acquire} of the same directory and file in this JVM is refused before any channel
 * is opened. The directory is identified by its file key (device and inode, so one directory
 * reached through two paths or mounts is one), or its real path where the file system has none.
 *
 * <p>Code of this JVM that locked the file without this registry (another copy of this class, in
 * another class loader; a tool) is found only by the attempt's own channel ({@link
 * OverlappingFileLockException}). That channel is not closed, which would release that code's lock:
 * it is kept open, one per file, and the next {@code acquire} of the file tries with it.
 */
public final class DirectoryLock implements Closeable {

  /** Who holds a lock that {@link #acquire} was refused. */
  public enum Holder {
    /** Another {@code DirectoryLock} of this JVM, on the same directory and file. */
    THIS_JVM,
    /** Code of this JVM that locked the file without this class. */
    OTHER_CODE_IN_THIS_JVM,
    /** Another process. */
    ANOTHER_PROCESS
  }

  /** {@link #acquire} was refused: the lock is held; {@link #holder()} says by whom. */
  public static final class InUseException extends IOException {
    private static final long serialVersionUID = 1L;

    private final Holder holder;
    private final transient Path file;

    InUseException(Holder holder, Path file) {
      super(describe(holder) + " holds the lock on " + file);
      this.holder = holder;
      this.file = file;
    }

    /** Who holds the lock. */
    public Holder holder() {
      return holder;
    }

    /** The lock file. */
    public Path file() {
      return file;
    }

    private static String describe(Holder holder) {
      return switch (holder) {
        case THIS_JVM -> "another user in this JVM";
        case OTHER_CODE_IN_THIS_JVM -> "other code in this JVM";
        case ANOTHER_PROCESS -> "another process";
      };
    }
  }

  /** (directory key, file name) of every lock held in this JVM; see the class comment. */
  private static final Set<List<Object>> HELD_IN_THIS_JVM = ConcurrentHashMap.newKeySet();

  /**
   * The channel of a refused attempt that found the file locked by other code of this JVM, by the
   * key of {@link #HELD_IN_THIS_JVM}, with the lock file's key when it was opened: closing it would
   * release that code's lock (see the class comment). Taken only by an attempt that holds the key.
   */
  private static final ConcurrentHashMap<List<Object>, Parked> PARKED = new ConcurrentHashMap<>();

  private record Parked(FileChannel channel, Object fileKey) {}

  private final Path file;
  private final List<Object> key;

  /** Open while the lock is held; closed by {@link #close}. */
  private final FileChannel channel;

  private boolean closed;

  private DirectoryLock(Path file, List<Object> key, FileChannel channel) {
    this.file = file;
    this.key = key;
    this.channel = channel;
  }

  /**
   * Locks {@code dir/fileName}, creating the file if it is missing. {@code dir} must exist.
   *
   * @throws InUseException if the lock is held, naming the holder and the file; nothing of the
   *     holder's is touched (see the class comment for other code of this JVM)
   * @throws IOException if the directory or the file cannot be read or created
   */
  public static DirectoryLock acquire(Path dir, String fileName) throws IOException {
    Objects.requireNonNull(fileName, "fileName");
    Path file = dir.resolve(fileName);
    Object dirKey = Files.readAttributes(dir, BasicFileAttributes.class).fileKey();
    List<Object> key = List.of(dirKey != null ? dirKey : dir.toRealPath(), fileName);
    if (!HELD_IN_THIS_JVM.add(key)) {
      throw new InUseException(Holder.THIS_JVM, file);
    }
    FileChannel channel = null;
    Object fileKey = null;
    boolean park = false;
    try {
      Parked parked = PARKED.remove(key);
      if (parked != null) {
        if (parked.channel().isOpen() && Objects.equals(parked.fileKey(), fileKeyOf(file))) {
          channel = parked.channel();
          fileKey = parked.fileKey();
        } else {
          parked.channel().close(); // the file was replaced: a lock on the old one guards nothing
        }
      }
      if (channel == null) {
        channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
        fileKey = fileKeyOf(file);
      }
      Holder holder;
      try {
        holder = channel.tryLock() == null ? Holder.ANOTHER_PROCESS : null;
      } catch (OverlappingFileLockException e) {
        holder = Holder.OTHER_CODE_IN_THIS_JVM;
        park = true; // closing the channel would release that code's lock
      }
      if (holder != null) {
        throw new InUseException(holder, file);
      }
      return new DirectoryLock(file, key, channel);
    } catch (IOException | RuntimeException | Error e) {
      try {
        if (park) {
          PARKED.put(key, new Parked(channel, fileKey));
        } else if (channel != null) {
          channel.close();
        }
      } catch (IOException | RuntimeException closing) {
        e.addSuppressed(closing);
      } finally {
        HELD_IN_THIS_JVM.remove(key); // after the channel: a new acquire may open its own
      }
      throw e;
    }
  }

  /** The file key of {@code file}; null if it has none or is missing. */
  private static Object fileKeyOf(Path file) throws IOException {
    try {
      return Files.readAttributes(file, BasicFileAttributes.class).fileKey();
    } catch (NoSuchFileException e) {
      return null;
    }
  }

  /** The lock file. */
  public Path file() {
    return file;
  }

  /**
   * Replaces the lock file's content with this process's id and a newline, for an operator who
   * wants to know which process holds the directory.
   */
  public synchronized void writeOwnerPid() throws IOException {
    if (closed) {
      throw new IOException("the lock on " + file + " was released");
    }
    channel.truncate(0);
    channel.write(
        ByteBuffer.wrap((ProcessHandle.current().pid() + "\n").getBytes(StandardCharsets.US_ASCII)),
        0);
  }

  /**
   * Releases the lock (closing the channel releases it), then lets this JVM acquire it again. Once;
   * later calls do nothing.
   */
  @Override
  public synchronized void close() throws IOException {
    if (closed) {
      return;
    }
    closed = true;
    try {
      channel.close();
    } finally {
      HELD_IN_THIS_JVM.remove(key); // after the lock is gone: a new acquire may lock
    }
  }
}
