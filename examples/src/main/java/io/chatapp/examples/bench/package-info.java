/**
 * The load generator behind {@code ChatBench}: workloads, a byte-counting loopback relay and the
 * report. Entry point: {@link io.chatapp.examples.bench.LoadRun}.
 *
 * <p>May depend on every chatapp module and HdrHistogram.
 */
package io.chatapp.examples.bench;
