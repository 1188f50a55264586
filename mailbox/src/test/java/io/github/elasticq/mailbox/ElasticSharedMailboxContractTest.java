package io.github.elasticq.mailbox;

import java.util.Optional;

/** The mailbox contract over {@link ElasticSharedMailbox} used by a single actor. */
class ElasticSharedMailboxContractTest extends MailboxContractTest {

  @Override
  String mailboxId() {
    return "test-shared-mailbox";
  }

  @Override
  Optional<String> boundedMailboxId() {
    return Optional.of("bounded-shared-mailbox");
  }

  @Override
  Optional<String> registeredType() {
    return Optional.of(ElasticSharedMailbox.class.getName());
  }
}
