/**
 * The load generator behind {@code ChatBench}: the workload ({@link io.chatapp.examples.bench.LoadRun}),
 * idle raw-protocol connections ({@link io.chatapp.examples.bench.IdleConnections}), a
 * byte-counting loopback relay, the store of a started server
 * ({@link io.chatapp.examples.bench.BenchStore}), resource readings
 * ({@link io.chatapp.examples.bench.ServerProbe}, {@link io.chatapp.examples.bench.HeapWatch}), a
 * server in a JVM of its own ({@link io.chatapp.examples.bench.ForkedServer}) and the report.
 * The hostile neighbours mode: {@link io.chatapp.examples.bench.HostileRun} (entry point), its
 * flags ({@link io.chatapp.examples.bench.HostileOptions}), the hostile connections
 * ({@link io.chatapp.examples.bench.HostileClients}) and the server with shipped defaults that it
 * loads ({@link io.chatapp.examples.bench.HostileServer}). The reconnect mode:
 * {@link io.chatapp.examples.bench.ReconnectBench} (entry point), which kills and restarts a forked
 * server under load, and the books it keeps per sender and receiver ({@code PairLedger}). Entry
 * point of the other modes:
 * {@link io.chatapp.examples.bench.LoadRun}.
 *
 * <p>May depend on every chatapp module and HdrHistogram.
 */
package io.chatapp.examples.bench;
