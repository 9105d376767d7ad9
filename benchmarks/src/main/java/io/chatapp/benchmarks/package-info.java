/**
 * JMH microbenchmarks: {@link io.chatapp.benchmarks.CodecBenchmark} (the socket protocol's frame
 * codec) and {@link io.chatapp.benchmarks.EngineSendBenchmark} (the engine's send path),
 * {@link io.chatapp.benchmarks.JdbcSendBenchmark} (durable sends) and
 * {@link io.chatapp.benchmarks.HistoryBenchmark} (history and conversation pages among a
 * million stored messages). Run with
 * {@code java -jar benchmarks/target/benchmarks.jar}; see docs/PERFORMANCE.md.
 */
package io.chatapp.benchmarks;
