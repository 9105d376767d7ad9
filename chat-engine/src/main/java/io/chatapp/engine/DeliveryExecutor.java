package io.chatapp.engine;

import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The executor that runs subscription delivery: the engine's own pool, which it shuts down, or
 * one the application lent it, which it leaves alone.
 *
 * <p>Thread-safe.
 */
final class DeliveryExecutor {
  private final Executor executor;
  private final ExecutorService owned;

  private DeliveryExecutor(Executor executor, ExecutorService owned) {
    this.executor = executor;
    this.owned = owned;
  }

  static DeliveryExecutor borrowed(Executor executor) {
    return new DeliveryExecutor(executor, null);
  }

  static DeliveryExecutor owned(int threads) {
    AtomicInteger n = new AtomicInteger();
    ThreadFactory factory = r -> {
      Thread t = new Thread(r, "chatapp-delivery-" + n.incrementAndGet());
      t.setDaemon(true);
      return t;
    };
    ExecutorService pool = Executors.newFixedThreadPool(threads, factory);
    return new DeliveryExecutor(pool, pool);
  }

  Executor executor() {
    return executor;
  }

  /** Lets queued deliveries (such as the final onEnd calls) run, then stops the owned pool. */
  void shutdown() {
    if (owned == null) {
      return;
    }
    owned.shutdown();
    try {
      if (!owned.awaitTermination(5, TimeUnit.SECONDS)) {
        owned.shutdownNow();
      }
    } catch (InterruptedException e) {
      owned.shutdownNow();
      Thread.currentThread().interrupt();
    }
  }
}
