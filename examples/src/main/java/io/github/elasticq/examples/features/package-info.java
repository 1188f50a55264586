/**
 * One short program per ElasticQ feature, each runnable with {@code -Pdemo
 * -Ddemo.mainClass=io.github.elasticq.examples.features.<Name>}: mailbox configuration (typed and
 * classic), a balancing pool on the shared mailbox, a QoS classifier, the journal in each sync
 * mode, the durable mailbox, the stream adapters and Pekko Management. {@code FeatureExamplesTest}
 * runs each one and checks what it prints.
 */
package io.github.elasticq.examples.features;
