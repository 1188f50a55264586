/**
 * JUnit 5 support for testing actors on ElasticQ mailboxes and journals: {@link
 * io.github.elasticq.testkit.ElasticQTest} (the extension {@link
 * io.github.elasticq.testkit.ElasticQTestKitExtension}: a Pekko {@code ActorTestKit} with {@code
 * elasticq.journal} and {@code elasticq.snapshot-store} in a temporary directory, one per test
 * class) and {@link io.github.elasticq.testkit.MailboxProbe} (assertions on live mailboxes read
 * from {@code MailboxRegistry}), and {@link io.github.elasticq.testkit.TcpProxy} (cut or partition
 * the connection to a journal's database or an MQTT broker). No ScalaTest.
 */
package io.github.elasticq.testkit;
