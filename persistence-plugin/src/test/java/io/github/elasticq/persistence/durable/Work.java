package io.github.elasticq.persistence.durable;

/** A test message: a number the inner behavior reports back. */
public record Work(int n) implements JsonMessage {}
