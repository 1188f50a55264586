/**
 * One short program per ElasticQ feature, each runnable with {@code -Pdemo
 * -Ddemo.mainClass=io.github.elasticq.examples.features.<Name>}: mailbox configuration (typed and
 * classic), a QoS classifier, the durable mailbox and the stream adapters.
 */
package io.github.elasticq.examples.features;
