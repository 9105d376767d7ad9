package io.chatapp.transport.websocket;

import java.lang.System.Logger;
import java.lang.System.Logger.Level;
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
  private static final Logger LOG = System.getLogger(MetricsPage.class.getName());
  static final String CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";
  private static final long FRESH_NANOS = 1_000_000_000L;

  private final Supplier<String> scrape;
  private final LongSupplier nanos;
  private byte[] body; // guarded by this; null after a failed scrape
  private long madeAt; // guarded by this

  MetricsPage(Supplier<String> scrape, LongSupplier nanos) {
    this.scrape = scrape;
    this.nanos = nanos;
    this.madeAt = nanos.getAsLong() - FRESH_NANOS; // stale: the first ask scrapes
  }

  /**
   * Returns the page, or {@code null} if the last scrape failed: a failure too is kept for a
   * second, so a scrape that throws is not run again for every request.
   */
  synchronized byte[] body() {
    long now = nanos.getAsLong();
    if (now - madeAt >= FRESH_NANOS) {
      madeAt = now;
      try {
        body = scrape.get().getBytes(StandardCharsets.UTF_8);
      } catch (RuntimeException e) {
        body = null;
        LOG.log(Level.WARNING, "the metrics scrape failed: " + e);
      }
    }
    return body;
  }
}
