package io.github.elasticq.streams.javadsl;

/**
 * Signals a send to a closed {@link BufferChannel}, or a receive from a channel that is closed and
 * drained.
 */
public final class ChannelClosedException extends IllegalStateException {
  private static final long serialVersionUID = 1L;

  /** Creates the exception with a message saying what was refused. */
  public ChannelClosedException(String message) {
    super(message);
  }
}
