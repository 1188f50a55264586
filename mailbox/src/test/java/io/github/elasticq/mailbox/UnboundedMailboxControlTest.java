package io.github.elasticq.mailbox;

import java.util.Optional;

/** Control: the contract over Pekko's {@code UnboundedMailbox}. */
class UnboundedMailboxControlTest extends MailboxContractTest {

  @Override
  String mailboxId() {
    return "test-unbounded-mailbox";
  }

  @Override
  Optional<String> boundedMailboxId() {
    return Optional.empty();
  }

  @Override
  Optional<String> registeredType() {
    return Optional.empty();
  }
}
