package io.github.elasticq.queue;

/**
 * A message whose fields are plain (neither final nor volatile), so only the queue's own
 * publication can make them visible to the consumer. A consumer that sees a default value in any
 * field has read an element before its producer's writes were published.
 */
final class Payload {
  static final int X = 0x5EED;
  static final long Y = 0x0DDBA11L;

  /** Which element this is, in order of offer by its producer. */
  int id;

  int x;
  long y;
  Object ref;

  Payload(int id) {
    this.id = id;
    this.x = X;
    this.y = Y;
    this.ref = this;
  }

  /** Whether every field carries the value the producer wrote (no default value is visible). */
  boolean complete() {
    return x == X && y == Y && ref == this && id != 0;
  }
}
