package io.chatapp.client.spi;

import java.util.concurrent.Executor;

/**
 * Knows which threads must not wait for a client's answer, because they are the ones that read
 * or complete answers: a transport's reading thread, or its answer thread, which run what the
 * application chained to the futures they complete; and a thread that runs a listener or an
 * answer inline for an application's {@code callbackExecutor} (on gRPC, an event loop that other
 * connections share). A blocking call of the client made there would wait for an answer only the
 * waiting thread can deliver, until the call's deadline, so the client's futures refuse to block
 * on such a thread and fail at once instead (see {@code ClientBuilder#callbackExecutor}).
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
        runMarked(task);
      });
    };
  }

  /**
   * Runs a transport thread's work marked for its whole duration: a reading or answer thread.
   *
   * @param work the thread's loop
   */
  public static void runMarked(Runnable work) {
    int[] depth = DEPTH.get();
    depth[0]++;
    try {
      work.run();
    } finally {
      depth[0]--;
    }
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
