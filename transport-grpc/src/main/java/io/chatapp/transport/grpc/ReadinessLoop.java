package io.chatapp.transport.grpc;

import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * Runs the server's readiness check once a second and reports each outcome to the health
 * service: a push, where the WebSocket server's {@code /readyz} asks on demand. A check that has
 * not returned after the timeout is reported as failing, and no other check starts until it
 * returns, however long that takes.
 *
 * <p>Thread-safe. The checks run on one thread of its own ({@code chatapp-grpc-readiness}); a
 * timeout is reported from the JDK's delay thread.
 */
final class ReadinessLoop implements AutoCloseable {
  private static final Logger LOG = System.getLogger(ReadinessLoop.class.getName());

  private final Runnable check;
  private final Consumer<Boolean> report;
  private final long timeoutMillis;
  private final ScheduledExecutorService thread;
  private long checks; // the checking thread only
  private volatile long running; // the number of the check running now, 0 between checks
  private volatile Boolean lastReady; // for logging changes only

  /**
   * @param check returns when ready, throws (its message saying why) when not
   * @param report hears each outcome: ready or not
   * @param timeoutMillis how long a check may take before it counts as failing
   */
  ReadinessLoop(Runnable check, Consumer<Boolean> report, long timeoutMillis) {
    this.check = check;
    this.report = report;
    this.timeoutMillis = timeoutMillis;
    ScheduledThreadPoolExecutor t = new ScheduledThreadPoolExecutor(1, r -> {
      Thread th = new Thread(r, "chatapp-grpc-readiness");
      th.setDaemon(true);
      return th;
    });
    t.setExecuteExistingDelayedTasksAfterShutdownPolicy(false);
    this.thread = t;
  }

  void start(long periodMillis) {
    thread.scheduleWithFixedDelay(this::checkOnce, 0, periodMillis, TimeUnit.MILLISECONDS);
  }

  private void checkOnce() {
    long n = ++checks;
    running = n;
    CompletableFuture.delayedExecutor(timeoutMillis, TimeUnit.MILLISECONDS, Runnable::run).execute(() -> {
      if (running == n) {
        outcome(false, "the readiness check did not answer within " + timeoutMillis + " ms");
      }
    });
    boolean ready;
    String why;
    try {
      check.run();
      ready = true;
      why = "ready";
    } catch (RuntimeException e) {
      ready = false;
      why = String.valueOf(e.getMessage());
    }
    running = 0;
    outcome(ready, why);
  }

  private void outcome(boolean ready, String why) {
    if (!Boolean.valueOf(ready).equals(lastReady)) {
      lastReady = ready;
      LOG.log(ready ? Level.INFO : Level.WARNING, () -> "gRPC health: " + (ready ? "SERVING" : "NOT_SERVING: " + why));
    }
    report.accept(ready);
  }

  /** Stops checking; a check running now ends on its own. */
  @Override
  public void close() {
    thread.shutdownNow();
  }
}
