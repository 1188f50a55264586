package io.github.elasticq.examples.gateway;

import java.nio.file.Path;
import java.time.Duration;

/**
 * What one run of the gateway does; built by {@link GatewayDemo} from the command line.
 *
 * @param dataDir journal, snapshots, ledgers, summary and chart
 * @param duration how long the publishers publish
 * @param mqttIdle end the run once the MQTT broker sent nothing for this long; zero: never
 * @param topics number of topics (one processor actor and two durable inboxes each)
 * @param publishers number of publisher threads
 * @param rate steady messages per second of each publisher
 * @param burstEvery time between bursts
 * @param burstSize messages each publisher fires at once at every burst
 * @param qosMix percentages of QoS 0, 1 and 2 messages
 * @param inflight unacknowledged QoS 1 (and as many QoS 2) messages per publisher, at most
 * @param workMicros processing cost of each message, busy-spinning
 * @param crashAfter halt the JVM after this many messages were sent; 0 never
 * @param metricsPort the Prometheus endpoint's port; 0 picks a free one
 * @param managementPort the Pekko Management port; 0 picks a free one
 * @param refresh live view refresh interval
 * @param terminal whether the live view redraws in place
 */
record GatewayOptions(
    Path dataDir,
    Duration duration,
    Duration mqttIdle,
    int topics,
    int publishers,
    int rate,
    Duration burstEvery,
    int burstSize,
    int[] qosMix,
    int inflight,
    int workMicros,
    long crashAfter,
    int metricsPort,
    int managementPort,
    Duration refresh,
    boolean terminal) {}
