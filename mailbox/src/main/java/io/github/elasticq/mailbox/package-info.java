/**
 * Pekko mailbox types over the ElasticQ queues: {@link io.github.elasticq.mailbox.ElasticMailbox}
 * (one consumer), {@link io.github.elasticq.mailbox.ElasticSharedMailbox} (balancing pools and
 * dispatchers), {@link io.github.elasticq.mailbox.QosMailbox} (priority levels), and the {@link
 * io.github.elasticq.mailbox.MailboxRegistry} extension that lists the live ones.
 */
package io.github.elasticq.mailbox;
