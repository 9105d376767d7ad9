/**
 * The load generator behind {@code ChatBench}: the workload ({@link io.chatapp.examples.bench.LoadRun}),
 * idle raw-protocol connections ({@link io.chatapp.examples.bench.IdleConnections}), a
 * byte-counting loopback relay, the store of a started server
 * ({@link io.chatapp.examples.bench.BenchStore}), resource readings
 * ({@link io.chatapp.examples.bench.ServerProbe}) and the report. Entry point:
 * {@link io.chatapp.examples.bench.LoadRun}.
 *
 * <p>May depend on every chatapp module and HdrHistogram.
 */
package io.chatapp.examples.bench;
