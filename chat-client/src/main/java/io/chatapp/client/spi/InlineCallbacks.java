package io.chatapp.client.spi;

import java.util.concurrent.Executor;

/**
 * Knows which threads are running application callbacks inline: a listener or an answer's
 * dependents run by an application's {@code callbackExecutor} on the very thread that handed
 * them over, which is a transport's reading thread (or, on gRPC, an event loop that other
 * connections share). A blocking call of the client made there would wait for an answer that
 * only the waiting thread can read, so the client's futures refuse to block on such a thread
 * and fail at once instead (see {@code ClientBuilder#callbackExecutor}).
 *
 * <p>Thread-safe: a thread marks and asks about itself only.
 */
public final class InlineCallbacks {
  private static final ThreadLocal<int[]> DEPTH = ThreadLocal.withInitial(() -> new int[1]);

  private InlineCallbacks() {}

  /**
   * Wraps an application's executor so that a task it runs on the thread that handed it over is
   * marked as running inline for its duration; a task it runs on another thread is not marked.
   *
   * @param executor the application's executor
   * @return the marking executor
   */
  public static Executor marking(Executor executor) {
    return task -> {
      Thread caller = Thread.currentThread();
      executor.execute(() -> {
        if (Thread.currentThread() != caller) {
          task.run();
          return;
        }
        int[] depth = DEPTH.get();
        depth[0]++;
        try {
          task.run();
        } finally {
          depth[0]--;
        }
      });
    };
  }

  /**
   * Tells whether the current thread is running a callback inline, where it must not block.
   *
   * @return {@code true} inside a task {@link #marking} ran on the thread that handed it over
   */
  public static boolean active() {
    return DEPTH.get()[0] > 0;
  }
}
