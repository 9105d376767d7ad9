/**
 * A chat server's figures as Micrometer meters: {@link io.chatapp.metrics.ChatMetrics} binds an
 * engine (messages stored and pushed, send latency, accounts, sessions, refused logins), its
 * store (commits, batch sizes, commit time, writes waiting) and its transports' live connections
 * to any {@code MeterRegistry}. May depend on chat-api, chat-engine's store SPI and
 * micrometer-core; no other chatapp module depends on Micrometer.
 */
package io.chatapp.metrics;
