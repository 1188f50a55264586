package io.github.elasticq.mailbox;

import java.util.Optional;

/** The mailbox contract over {@link QosMailbox} (every message on the default level). */
class QosMailboxContractTest extends MailboxContractTest {

  @Override
  String mailboxId() {
    return "test-qos-mailbox";
  }

  @Override
  Optional<String> boundedMailboxId() {
    return Optional.of("bounded-qos-mailbox");
  }

  @Override
  Optional<String> registeredType() {
    return Optional.of(QosMailbox.class.getName());
  }
}
