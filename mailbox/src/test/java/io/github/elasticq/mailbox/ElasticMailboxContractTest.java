package io.github.elasticq.mailbox;

import java.util.Optional;

/** The mailbox contract over {@link ElasticMailbox}. */
class ElasticMailboxContractTest extends MailboxContractTest {

  @Override
  String mailboxId() {
    return "test-elastic-mailbox";
  }

  @Override
  Optional<String> boundedMailboxId() {
    return Optional.of("bounded-elastic-mailbox");
  }

  @Override
  Optional<String> registeredType() {
    return Optional.of(ElasticMailbox.class.getName());
  }
}
