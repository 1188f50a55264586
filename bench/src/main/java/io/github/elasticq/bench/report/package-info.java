/**
 * The report step shared by the harnesses: reading results back (JMH JSON, the busy-consumer race's
 * JSON, the idle-actor footprint table), the targets, the machine description and the PNG bar
 * charts of the ratios ours / peer ({@link io.github.elasticq.bench.report.BarCharts}, used by the
 * persistence harness too).
 *
 * <p>{@link io.github.elasticq.bench.report.QueueReport} turns the queue and mailbox results into
 * {@code queues.md} and its charts; {@code bench/headline.sh} runs the headline set and then it.
 * Benchmarks are never assertions: the report marks each target as met or missed.
 */
package io.github.elasticq.bench.report;
