package io.chatapp.transport.websocket;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

/**
 * Answers {@code /readyz}: runs the server's readiness check (its store answers, say) on a thread
 * of its own, at most once per {@link #MAX_AGE_MILLIS}, and lets every request in that time share
 * the answer. So a stranger who asks a thousand times a second costs the database one trivial
 * query a second, and a check that hangs (a database that does not answer) holds no event loop:
 * after {@link #TIMEOUT_MILLIS} the answer is "not ready" while the check goes on.
 *
 * <p>Thread-safe: event loops ask, the probe's thread runs the check and completes the answer.
 */
final class ReadinessProbe implements AutoCloseable {
  /** How long an answer is reused. */
  static final long MAX_AGE_MILLIS = 1_000;
  /** How long a check may take before it counts as "not ready". */
  static final long TIMEOUT_MILLIS = 2_000;

  /** An answer: ready, or why not. */
  record Status(boolean ready, String detail) {}

  private final Runnable check;
  private final LongSupplier clockMillis;
  private final ThreadPoolExecutor runner;
  private CompletableFuture<Status> running; // guarded by this; the last check itself
  private CompletableFuture<Status> latest; // guarded by this; its answer, "not ready" at the timeout
  private long startedAtMillis; // guarded by this

  /**
   * @param check returns when the server can serve, throws (its message is the detail) when not
   * @param clockMillis the time, for tests
   */
  ReadinessProbe(Runnable check, LongSupplier clockMillis) {
    this.check = check;
    this.clockMillis = clockMillis;
    // One thread that ends when idle; one check at a time, no queue beyond it.
    this.runner = new ThreadPoolExecutor(1, 1, 30, TimeUnit.SECONDS, new LinkedBlockingQueue<>(1), r -> {
      Thread t = new Thread(r, "chatapp-readiness");
      t.setDaemon(true);
      return t;
    });
    runner.allowCoreThreadTimeOut(true);
  }

  /** The current answer: the last one if it is fresh or still being worked out, else a new check's. */
  synchronized CompletableFuture<Status> status() {
    long now = clockMillis.getAsLong();
    boolean stale = latest == null || (latest.isDone() && now - startedAtMillis >= MAX_AGE_MILLIS);
    // A check that hangs is not run twice: its "did not answer" stands until it returns.
    if (stale && (running == null || running.isDone())) {
      startedAtMillis = now;
      CompletableFuture<Status> next = new CompletableFuture<>();
      try {
        runner.execute(() -> next.complete(run()));
      } catch (RejectedExecutionException e) {
        next.complete(new Status(false, "the server is shutting down"));
      }
      running = next;
      latest = next.copy().completeOnTimeout(new Status(false, "the readiness check did not answer within "
          + TIMEOUT_MILLIS + " ms"), TIMEOUT_MILLIS, TimeUnit.MILLISECONDS);
    }
    return latest;
  }

  private Status run() {
    try {
      check.run();
      return new Status(true, "ready");
    } catch (RuntimeException e) {
      return new Status(false, String.valueOf(e.getMessage()));
    }
  }

  @Override
  public void close() {
    runner.shutdownNow();
  }
}
