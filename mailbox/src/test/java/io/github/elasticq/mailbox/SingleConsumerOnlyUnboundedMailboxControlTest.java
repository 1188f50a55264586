package io.github.elasticq.mailbox;

import java.util.Optional;

/** Control: the contract over Pekko's {@code SingleConsumerOnlyUnboundedMailbox}. */
class SingleConsumerOnlyUnboundedMailboxControlTest extends MailboxContractTest {

  @Override
  String mailboxId() {
    return "test-single-consumer-mailbox";
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
