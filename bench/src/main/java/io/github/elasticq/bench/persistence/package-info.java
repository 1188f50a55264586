/**
 * Persistence benchmarks: a plain-Java harness ({@link
 * io.github.elasticq.bench.persistence.PersistenceBenchmark}) that runs the {@code
 * elasticq.journal} in each sync mode and its peers in one JVM and one run, and writes {@code
 * bench/results/persistence-<date>.md}.
 *
 * <p>Peers: pekko-persistence-jdbc on H2 in file mode, Pekko's in-memory journal from
 * pekko-persistence-testkit, and a raw {@code FileChannel.force} loop (the disk's fsync limit).
 * Scenarios: one actor persisting sequentially, 100 actors concurrently, {@code persistAsync}
 * bursts, replay of 1,000,000 events, recovery of a 1 GiB journal.
 *
 * <p>Commands, from the repository root:
 *
 * <pre>
 * ./mvnw -B -ntp -pl bench -am package -DskipTests
 * java -cp bench/target/benchmarks.jar io.github.elasticq.bench.persistence.PersistenceBenchmark
 * # smaller and faster:
 * java -cp bench/target/benchmarks.jar io.github.elasticq.bench.persistence.PersistenceBenchmark \
 *     scenarios=single,concurrent seconds=3 recovery-bytes=256m
 * </pre>
 *
 * Benchmarks are never assertions: the report marks each target as met or not.
 */
package io.github.elasticq.bench.persistence;
