package io.chatapp.transport.socket.server;

import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;

/**
 * How many log records about single connections one server may write a minute: a stranger who
 * makes connection after connection fail (never reading, throwing the engine off) must not make
 * the log grow without limit. Past the budget records are counted, and the next one allowed says
 * how many were left out.
 *
 * <p>Thread-safe: called by I/O threads and workers.
 */
final class LogBudget {
  static final int RECORDS_PER_MINUTE = 20;
  private static final long MINUTE_NANOS = 60_000_000_000L;

  private final LongSupplier ticker;
  private final Object lock = new Object();
  private long windowStart; // guarded by lock
  private int written; // guarded by lock
  private final AtomicLong suppressed = new AtomicLong();

  LogBudget(LongSupplier ticker) {
    this.ticker = ticker;
    this.windowStart = ticker.getAsLong();
  }

  /**
   * Takes one record from the budget.
   *
   * @return {@code null} if the record must be left out; else a suffix for it: empty, or how
   *     many records were left out before it
   */
  String take() {
    long now = ticker.getAsLong();
    synchronized (lock) {
      if (now - windowStart >= MINUTE_NANOS) {
        windowStart = now;
        written = 0;
      }
      if (written >= RECORDS_PER_MINUTE) {
        suppressed.incrementAndGet();
        return null;
      }
      written++;
    }
    long left = suppressed.getAndSet(0);
    return left == 0 ? "" : " (" + left + " similar records left out in the last minute)";
  }
}
