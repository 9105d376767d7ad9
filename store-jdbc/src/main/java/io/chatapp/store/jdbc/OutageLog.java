package io.chatapp.store.jdbc;

import java.lang.System.Logger.Level;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

/**
 * Logs a database outage without a line per failed request: one WARNING with the cause (no stack
 * trace) when calls start failing because the database is unreachable, then while it lasts a
 * count of failed calls at most once per report interval, and when a call succeeds again "the
 * database is reachable again after X s; N requests failed". Other failures are not its business.
 *
 * <p>Thread-safe: the writer thread and any reading thread report to it; a success costs one
 * volatile read while the database is up.
 */
final class OutageLog {
  /** How often a lasting outage is reported, by default. */
  static final long DEFAULT_REPORT_EVERY_SECONDS = 10;

  private final System.Logger log;
  private final LongSupplier nanoTime;
  private final long reportEveryNanos;
  private final Object lock = new Object();
  private volatile boolean down; // written under lock
  private long downSinceNanos; // guarded by lock
  private long lastReportNanos; // guarded by lock
  private long failures; // guarded by lock
  private long failuresReported; // guarded by lock

  OutageLog(System.Logger log) {
    this(log, System::nanoTime, TimeUnit.SECONDS.toNanos(DEFAULT_REPORT_EVERY_SECONDS));
  }

  /** A log with its own clock (nanoseconds, as {@link System#nanoTime}) and report interval. */
  OutageLog(System.Logger log, LongSupplier nanoTime, long reportEveryNanos) {
    this.log = log;
    this.nanoTime = nanoTime;
    this.reportEveryNanos = reportEveryNanos;
  }

  /** Counts {@code requests} calls that failed because the database could not be reached. */
  void failed(Throwable cause, int requests) {
    synchronized (lock) {
      long now = nanoTime.getAsLong();
      failures += requests;
      if (!down) {
        down = true;
        downSinceNanos = now;
        lastReportNanos = now;
        failuresReported = failures;
        // The cause's text only: a stack trace per outage says nothing the SQLState does not.
        log.log(Level.WARNING, "the database is unavailable: {0}; calls fail with UNAVAILABLE, and their number"
            + " is logged every {1} s until it is reachable again", cause.toString(), Long.toString(reportEveryNanos / 1_000_000_000L));
        return;
      }
      if (now - lastReportNanos >= reportEveryNanos) {
        log.log(Level.WARNING, "the database is still unavailable after {0} s: {1} requests failed so far, {2}"
            + " since the last report; last: {3}", seconds(now - downSinceNanos), Long.toString(failures),
            Long.toString(failures - failuresReported), cause.toString());
        lastReportNanos = now;
        failuresReported = failures;
      }
    }
  }

  /** Notes a call that reached the database; ends an outage if there is one. */
  void succeeded() {
    if (!down) {
      return;
    }
    synchronized (lock) {
      if (!down) {
        return;
      }
      down = false;
      log.log(Level.INFO, "the database is reachable again after {0} s; {1} requests failed",
          seconds(nanoTime.getAsLong() - downSinceNanos), Long.toString(failures));
      failures = 0;
      failuresReported = 0;
    }
  }

  /** Tells whether an outage is going on; for tests. */
  boolean isDown() {
    return down;
  }

  private static String seconds(long nanos) {
    return String.format(java.util.Locale.ROOT, "%.1f", nanos / 1e9);
  }
}
