package io.github.elasticq.mailbox;

import java.util.Optional;

/** The mailbox contract over {@link ElasticMailbox} with {@code layout = padded}. */
class PaddedElasticMailboxContractTest extends MailboxContractTest {

  @Override
  String mailboxId() {
    return "padded-elastic-mailbox";
  }

  @Override
  Optional<String> boundedMailboxId() {
    return Optional.of("bounded-padded-elastic-mailbox");
  }

  @Override
  Optional<String> registeredType() {
    return Optional.of(ElasticMailbox.class.getName());
  }
}
