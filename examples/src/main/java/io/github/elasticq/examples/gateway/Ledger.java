package io.github.elasticq.examples.gateway;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.HashMap;
import java.util.Map;

/**
 * The effect of a durable inbox's processing, kept where a crash cannot take it back: the delivery
 * sequence numbers processed so far, appended in order to a file of 8-byte numbers, written with
 * one {@code write} call each (no user-space buffer, so a killed JVM loses nothing it wrote; the
 * demo does not fsync: a process crash, not a power loss, is what it simulates). Also keeps the
 * highest sequence number the inbox acknowledged as stored.
 *
 * <p>With the {@code DurableMailbox} delivering stored messages in order and at least once, the
 * ledger of an inbox that lost nothing is exactly {@code 1, 2, ..., n}: a gap is a loss. Used by
 * one actor at a time (the inbox's inner behavior appends, its acknowledgement actor records), read
 * by the demo after the actors stopped.
 *
 * <p>The QoS 2 inboxes also keep the MQTT identity ({@link Publish#mqttIdentity()}) of each message
 * from the broker they process, with the sequence number it was first stored under, in a third file
 * of 16-byte records written the same way: a copy of the message that Paho delivered again and the
 * inbox stored a second time (a crash or a lost connection between the store and the PUBCOMP) is
 * then recognized when it comes to be processed. The file grows by one record per QoS 2 message
 * from the broker, like the ledger itself by one number per message.
 */
final class Ledger implements AutoCloseable {

  private final Path file;
  private final FileChannel processed;
  private final FileChannel accepted;
  private final FileChannel identities;
  private final ByteBuffer identityBuffer = ByteBuffer.allocate(2 * Long.BYTES);

  /** MQTT identity to the sequence number its message was first stored under; inner behavior. */
  private final Map<Long, Long> storedAs = new HashMap<>();

  private final ByteBuffer buffer = ByteBuffer.allocate(Long.BYTES);
  private final ByteBuffer acceptedBuffer = ByteBuffer.allocate(Long.BYTES);
  private final long lastAtStart;
  private final long acceptedAtStart;
  private volatile long last;
  private volatile long acceptedMax;
  private volatile long gaps;

  /** The lowest sequence number acknowledged in this run; 0 before the first. */
  private long firstAcceptedThisRun; // guarded by this

  /** Opens (or creates) the ledger's two files; closes what it opened if that fails. */
  Ledger(Path dir, String persistenceId) throws IOException {
    Files.createDirectories(dir);
    this.file = dir.resolve(persistenceId + ".processed");
    FileChannel processed = openReadWrite(file);
    FileChannel accepted = null;
    FileChannel identities = null;
    try {
      accepted = openReadWrite(dir.resolve(persistenceId + ".accepted"));
      identities = openReadWrite(dir.resolve(persistenceId + ".identities"));
      long records = identities.size() / (2 * Long.BYTES) * (2 * Long.BYTES); // torn: not counted
      ByteBuffer known = ByteBuffer.allocate((int) records);
      while (known.hasRemaining() && identities.read(known, known.position()) > 0) {
        // read fully
      }
      known.flip();
      while (known.remaining() >= 2 * Long.BYTES) {
        storedAs.putIfAbsent(known.getLong(), known.getLong());
      }
      identities.truncate(records);
      identities.position(records);
      long size = processed.size() / Long.BYTES * Long.BYTES; // a torn last number is not counted
      ByteBuffer all = ByteBuffer.allocate((int) size);
      while (all.hasRemaining() && processed.read(all, all.position()) > 0) {
        // read fully
      }
      all.flip();
      long previous = 0;
      long missing = 0;
      while (all.remaining() >= Long.BYTES) {
        long seqNr = all.getLong();
        if (seqNr > previous + 1) {
          missing += seqNr - previous - 1;
        }
        previous = Math.max(previous, seqNr);
      }
      processed.truncate(size);
      processed.position(size);
      this.last = previous;
      this.lastAtStart = previous;
      this.gaps = missing;
      ByteBuffer acc = ByteBuffer.allocate(Long.BYTES);
      accepted.read(acc, 0);
      this.acceptedMax = acc.position() == Long.BYTES ? acc.flip().getLong() : 0;
      this.acceptedAtStart = acceptedMax;
    } catch (IOException | RuntimeException e) {
      closeAfterFailure(e, identities);
      closeAfterFailure(e, accepted);
      closeAfterFailure(e, processed);
      throw e;
    }
    this.processed = processed;
    this.accepted = accepted;
    this.identities = identities;
  }

  /**
   * The sequence number the message with MQTT identity {@code identity} was first stored under, 0
   * if this inbox has not seen it. Only the inbox's inner behavior calls it.
   */
  long storedAs(long identity) {
    return storedAs.getOrDefault(identity, 0L);
  }

  /**
   * Records that the message with MQTT identity {@code identity} was stored under {@code seqNr};
   * written before its processing, so a copy stored later is recognized whenever it comes. Only the
   * inbox's inner behavior calls it.
   */
  void identity(long identity, long seqNr) throws IOException {
    if (storedAs.putIfAbsent(identity, seqNr) != null) {
      return;
    }
    identityBuffer.clear();
    identityBuffer.putLong(identity).putLong(seqNr).flip();
    while (identityBuffer.hasRemaining()) {
      identities.write(identityBuffer);
    }
  }

  /** Opens {@code file} for reading and writing, creating it if it does not exist. */
  private static FileChannel openReadWrite(Path file) throws IOException {
    return FileChannel.open(
        file, StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE);
  }

  private static void closeAfterFailure(Exception failure, FileChannel channel) {
    if (channel != null) {
      try {
        channel.close();
      } catch (IOException e) {
        failure.addSuppressed(e);
      }
    }
  }

  /** The highest processed sequence number when the ledger was opened. */
  long lastAtStart() {
    return lastAtStart;
  }

  /** Highest sequence number acknowledged as stored when the ledger was opened. */
  long acceptedAtStart() {
    return acceptedAtStart;
  }

  /** The highest processed sequence number. */
  long last() {
    return last;
  }

  /** Sequence numbers skipped by the ledger: lost messages. */
  long gaps() {
    return gaps;
  }

  /** The highest sequence number acknowledged as stored. */
  long acceptedMax() {
    return acceptedMax;
  }

  /** Records {@code seqNr} as processed if it is new. Only the inbox's inner behavior calls it. */
  void processed(long seqNr) throws IOException {
    long current = last;
    if (seqNr <= current) {
      return;
    }
    if (seqNr > current + 1) {
      gaps += seqNr - current - 1;
    }
    buffer.clear();
    buffer.putLong(seqNr).flip();
    while (buffer.hasRemaining()) {
      processed.write(buffer);
    }
    last = seqNr;
  }

  /**
   * Acknowledged messages of earlier runs that the journal no longer has: the inbox numbers a new
   * message after the last one its journal holds, so a number already acknowledged before this run
   * given to a new message means the journal lost every acknowledged message from that number on
   * (an fsync that never reached the disk, a journal file cut short). Sequence numbers alone cannot
   * show it otherwise: the new messages fill the numbers of the lost ones.
   */
  synchronized long lostFromTheJournal() {
    return firstAcceptedThisRun == 0
        ? 0
        : Math.max(0, acceptedAtStart - (firstAcceptedThisRun - 1));
  }

  /** Records that the inbox acknowledged {@code seqNr} as stored. Only the ack actor calls it. */
  synchronized void accepted(long seqNr) throws IOException {
    if (firstAcceptedThisRun == 0 || seqNr < firstAcceptedThisRun) {
      firstAcceptedThisRun = seqNr;
    }
    if (seqNr <= acceptedMax) {
      return;
    }
    acceptedBuffer.clear();
    acceptedBuffer.putLong(seqNr).flip();
    accepted.write(acceptedBuffer, 0);
    acceptedMax = seqNr;
  }

  @Override
  public void close() throws IOException {
    try (processed) {
      try (accepted) {
        identities.close();
      }
    }
  }

  @Override
  public String toString() {
    return file.getFileName() + "{last=" + last + ", gaps=" + gaps + '}';
  }
}
