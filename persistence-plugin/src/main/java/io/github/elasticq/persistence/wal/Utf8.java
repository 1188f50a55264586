package io.github.elasticq.persistence.wal;

import java.nio.charset.StandardCharsets;

/**
 * Strict UTF-8 encoding of the strings the journal and the snapshot store keep (persistence ids,
 * manifests, writer uuids). {@link String#getBytes} replaces an unpaired UTF-16 surrogate with
 * {@code '?'}, so {@code "order-\uD800"} would be stored as {@code "order-?"}: after a restart its
 * events or snapshots would belong to another id. Such a string is refused instead.
 */
public final class Utf8 {
  private Utf8() {}

  /**
   * The UTF-8 bytes of {@code s}.
   *
   * @param what what {@code s} is, for the error (e.g. "persistence id"), which also shows {@code
   *     s} with the surrogate escaped
   * @throws IllegalArgumentException if {@code s} holds an unpaired surrogate (it has no UTF-8
   *     form)
   */
  public static byte[] encode(String s, String what) {
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (Character.isSurrogate(c)) {
        if (Character.isHighSurrogate(c)
            && i + 1 < s.length()
            && Character.isLowSurrogate(s.charAt(i + 1))) {
          i++;
          continue;
        }
        String shown =
            s.substring(0, Math.min(i, 200))
                + (i > 200 ? "..." : "")
                + String.format("\\u%04X", (int) c)
                + s.substring(i + 1, Math.min(s.length(), i + 40));
        throw new IllegalArgumentException(
            what
                + " ["
                + shown
                + "] holds an unpaired UTF-16 surrogate at index "
                + i
                + ": it has no UTF-8 form and cannot be stored");
      }
    }
    return s.getBytes(StandardCharsets.UTF_8);
  }
}
