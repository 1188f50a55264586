package io.github.elasticq.persistence.snapshot;

import io.github.elasticq.persistence.wal.Utf8;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/**
 * Maps a persistence id to the name of its snapshot directory.
 *
 * <p>Persistence ids may contain anything ({@code /}, {@code ..}, {@code :}, {@code \}, Unicode,
 * thousands of characters), so the raw id is never used as a path. The name is {@code "pid-"}
 * followed by the id's UTF-8 bytes with every byte outside {@code [a-z0-9_-]} written as {@code %}
 * and two lower-case hex digits. That makes the name:
 *
 * <ul>
 *   <li>a single path element: it never contains a separator and is never {@code .} or {@code ..};
 *   <li>injective, also on case-insensitive file systems: upper-case letters are escaped, so {@code
 *       "A"} and {@code "a"} map to {@code pid-%41} and {@code pid-a};
 *   <li>portable: no character Windows reserves, no trailing dot or space, no device name ({@code
 *       CON}, {@code NUL}) because of the prefix.
 * </ul>
 *
 * <p>An escaped id longer than {@link #MAX_ESCAPED_LENGTH} characters is cut to that many
 * characters and followed by {@code "~"} and the SHA-256 of the id in hex, so a name never exceeds
 * {@link #MAX_NAME_LENGTH} characters (file systems allow 255 bytes). {@code ~} never occurs in an
 * escaped id, so hashed and plain names cannot collide; two different long ids share a directory
 * only if SHA-256 collides. The real id is stored in every snapshot file and checked on load, so
 * even then a snapshot is never handed to the wrong persistence id.
 *
 * <p>Stateless; any thread may call it.
 */
final class PersistenceIdEncoding {

  /** Prefix of every persistence-id directory. */
  static final String PREFIX = "pid-";

  /** Escaped ids longer than this are shortened and given a hash suffix. */
  static final int MAX_ESCAPED_LENGTH = 120;

  /** Upper bound of {@link #directoryName(String)}'s length, in characters (all ASCII). */
  static final int MAX_NAME_LENGTH = PREFIX.length() + MAX_ESCAPED_LENGTH + 1 + 64;

  private static final char[] HEX = "0123456789abcdef".toCharArray();

  private PersistenceIdEncoding() {}

  /**
   * Returns the directory name for {@code persistenceId}: ASCII, a single path element, at most
   * {@link #MAX_NAME_LENGTH} characters.
   *
   * @throws NullPointerException if {@code persistenceId} is null
   * @throws IllegalArgumentException if it holds an unpaired surrogate ({@link Utf8#encode})
   */
  static String directoryName(String persistenceId) {
    byte[] utf8 = Utf8.encode(persistenceId, "persistence id");
    StringBuilder escaped = new StringBuilder(utf8.length + 16);
    for (byte b : utf8) {
      int c = b & 0xFF;
      if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-') {
        escaped.append((char) c);
      } else {
        escaped.append('%').append(HEX[c >>> 4]).append(HEX[c & 0xF]);
      }
    }
    if (escaped.length() <= MAX_ESCAPED_LENGTH) {
      return PREFIX + escaped;
    }
    return PREFIX + escaped.substring(0, MAX_ESCAPED_LENGTH) + '~' + sha256Hex(utf8);
  }

  private static String sha256Hex(byte[] bytes) {
    byte[] digest;
    try {
      digest = MessageDigest.getInstance("SHA-256").digest(bytes);
    } catch (NoSuchAlgorithmException e) {
      // Every Java platform must provide SHA-256 (MessageDigest Javadoc).
      throw new IllegalStateException("SHA-256 is not available on this JVM", e);
    }
    StringBuilder hex = new StringBuilder(digest.length * 2);
    for (byte b : digest) {
      hex.append(HEX[(b >>> 4) & 0xF]).append(HEX[b & 0xF]);
    }
    return hex.toString();
  }
}
