package io.github.elasticq.mailbox;

import java.util.Optional;

/** The mailbox contract over {@link QosMailbox} with {@code layout = padded}. */
class PaddedQosMailboxContractTest extends MailboxContractTest {

  @Override
  String mailboxId() {
    return "padded-qos-mailbox";
  }

  @Override
  Optional<String> boundedMailboxId() {
    return Optional.of("bounded-padded-qos-mailbox");
  }

  @Override
  Optional<String> registeredType() {
    return Optional.of(QosMailbox.class.getName());
  }
}
