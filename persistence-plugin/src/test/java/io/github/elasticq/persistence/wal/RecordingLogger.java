package io.github.elasticq.persistence.wal;

import java.lang.System.Logger.Level;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/** A {@link WalLogger} that keeps every message, for assertions on what recovery reported. */
final class RecordingLogger implements WalLogger {
  final List<String> messages = new CopyOnWriteArrayList<>();

  @Override
  public void log(Level level, String message) {
    messages.add(level + " " + message);
  }

  String all() {
    return String.join("\n", messages);
  }
}
