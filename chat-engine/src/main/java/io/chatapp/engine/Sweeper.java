package io.chatapp.engine;

import java.lang.System.Logger.Level;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Runs the engine's sweep on a daemon thread of its own at a fixed delay. A sweep that fails is
 * logged (once per failure, at most once per interval) and tried again at the next interval.
 *
 * <p>Thread-safe. {@link #close} may be called from any thread; the sweep runs on the
 * {@code chatapp-engine-sweeper} thread.
 */
final class Sweeper implements AutoCloseable {
  private static final System.Logger LOG = System.getLogger(Sweeper.class.getName());

  private final ScheduledExecutorService executor;

  private Sweeper(ScheduledExecutorService executor) {
    this.executor = executor;
  }

  /**
   * Starts the sweep, and a second, more frequent task on the same thread (writing what the
   * engine batches, such as delivered marks).
   */
  static Sweeper start(Runnable sweep, Duration interval, Runnable flush, Duration flushInterval) {
    Sweeper sweeper = start(sweep, interval);
    long millis = flushInterval.toMillis();
    sweeper.executor.scheduleWithFixedDelay(() -> {
      try {
        flush.run();
      } catch (RuntimeException e) {
        LOG.log(Level.WARNING, "writing delivered marks failed; trying again in " + flushInterval, e);
      }
    }, millis, millis, TimeUnit.MILLISECONDS);
    return sweeper;
  }

  static Sweeper start(Runnable sweep, Duration interval) {
    ScheduledExecutorService executor = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "chatapp-engine-sweeper");
      t.setDaemon(true);
      return t;
    });
    long millis = interval.toMillis();
    executor.scheduleWithFixedDelay(() -> {
      try {
        sweep.run();
      } catch (RuntimeException e) {
        LOG.log(Level.WARNING, "sweeping expired sessions and idempotency records failed; trying again in "
            + interval, e);
      }
    }, millis, millis, TimeUnit.MILLISECONDS);
    return new Sweeper(executor);
  }

  @Override
  public void close() {
    executor.shutdownNow();
  }
}
