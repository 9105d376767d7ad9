package io.chatapp.engine;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.LinkedBlockingQueue;

/**
 * The completions of one blocking {@code send}: the tasks that {@link SendCompletions} would run
 * for {@code sendAsync} run here on the caller's own thread while it waits, as they did before
 * sends could complete asynchronously. So a blocking send never depends on another thread being
 * free (a listener that sends from {@code onMessageStored}, which runs on the completions, would
 * otherwise wait for itself), and its listeners hear {@code onMessageStored} on the caller's thread.
 * The same idea as grpc-java's {@code ThreadlessExecutor} for blocking stubs.
 *
 * <p>Thread-safe: any thread queues; only the waiting thread runs the tasks.
 */
final class WaitingCaller implements Executor {
  private static final Runnable WAKE_UP = () -> { };

  private final LinkedBlockingQueue<Runnable> tasks = new LinkedBlockingQueue<>();

  @Override
  public void execute(Runnable task) {
    tasks.add(task);
  }

  /**
   * Runs queued tasks until {@code future} is done. Like the store's own wait, it ignores
   * interrupts (and restores the flag after): the send may be stored anyway, and the engine must
   * finish it.
   *
   * @return {@code future}, done
   */
  <T> CompletableFuture<T> runUntilDone(CompletableFuture<T> future) {
    if (future.isDone()) {
      return future; // a store that does not batch: everything ran on this thread already
    }
    // Done however it completes, also on a path that queues nothing here.
    future.whenComplete((value, failure) -> tasks.add(WAKE_UP));
    boolean interrupted = false;
    while (!future.isDone()) {
      try {
        tasks.take().run();
      } catch (InterruptedException e) {
        interrupted = true;
      }
    }
    // Tasks queued behind the last one the future needed still belong to this send.
    Runnable left;
    while ((left = tasks.poll()) != null) {
      left.run();
    }
    if (interrupted) {
      Thread.currentThread().interrupt();
    }
    return future;
  }
}
