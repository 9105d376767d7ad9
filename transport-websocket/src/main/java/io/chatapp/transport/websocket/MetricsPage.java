package io.chatapp.transport.websocket;

import java.nio.charset.StandardCharsets;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

/**
 * Answers {@code /metrics} with the application's scrape, made at most once a second however
 * often it is asked: a stranger asking in a loop gets the same bytes and costs one scrape a second.
 *
 * <p>Thread-safe: the event loops call {@link #body}; the scrape runs on the one that finds the
 * cached page too old, under this object's lock.
 */
final class MetricsPage {
  /** What Prometheus reads: its text exposition format. */
  static final String CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";
  private static final long FRESH_NANOS = 1_000_000_000L;

  private final Supplier<String> scrape;
  private final LongSupplier nanos;
  private byte[] body; // guarded by this
  private long madeAt; // guarded by this

  MetricsPage(Supplier<String> scrape, LongSupplier nanos) {
    this.scrape = scrape;
    this.nanos = nanos;
  }

  synchronized byte[] body() {
    long now = nanos.getAsLong();
    if (body == null || now - madeAt >= FRESH_NANOS) {
      body = scrape.get().getBytes(StandardCharsets.UTF_8);
      madeAt = now;
    }
    return body;
  }
}
