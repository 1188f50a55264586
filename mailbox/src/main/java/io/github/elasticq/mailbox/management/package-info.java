/**
 * Pekko Management integration of the ElasticQ mailboxes: the readiness check {@link
 * io.github.elasticq.mailbox.management.MailboxReadinessCheck} and the read-only routes {@link
 * io.github.elasticq.mailbox.management.MailboxRoutes} ({@code GET /elasticq/mailboxes}). Both are
 * registered by the module's {@code reference.conf} and take effect only when the application
 * depends on {@code pekko-management} and starts it; nothing in the mailbox core refers to this
 * package.
 */
package io.github.elasticq.mailbox.management;
