package io.chatapp.client;

import java.util.ArrayDeque;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;

/**
 * Runs tasks on an application's executor one at a time, in the order handed in: the listener
 * must hear one event at a time whatever executor it was given. At most one drain of the queue is
 * with the executor at any time; it runs what queued meanwhile before it returns.
 *
 * <p>With a direct executor ({@code Runnable::run}) the thread that hands in a task runs it, unless
 * another thread is draining already: then that thread runs it next, and the caller returns at
 * once. A task handed in from a running task is run after it, not inside it.
 *
 * <p>Thread-safe: any thread hands tasks in; tasks run on the executor's threads.
 */
final class SerialExecutor implements Executor {
  private final Executor executor;
  private final ArrayDeque<Runnable> queue = new ArrayDeque<>(); // guarded by this
  private boolean draining; // guarded by this: a drain is queued with the executor or running

  SerialExecutor(Executor executor) {
    this.executor = executor;
  }

  /**
   * Queues a task.
   *
   * @throws RejectedExecutionException if the executor refused the drain; the task is dropped
   */
  @Override
  public void execute(Runnable task) {
    synchronized (this) {
      queue.addLast(task);
      if (draining) {
        return;
      }
      draining = true;
    }
    try {
      executor.execute(this::drain);
    } catch (RuntimeException e) {
      synchronized (this) {
        queue.clear();
        draining = false;
        notifyAll();
      }
      throw e instanceof RejectedExecutionException r ? r : new RejectedExecutionException(e);
    }
  }

  /**
   * Waits until nothing is queued or running.
   *
   * @param millis how long to wait at most
   * @return whether it became idle in time
   * @throws InterruptedException if interrupted while waiting
   */
  synchronized boolean awaitIdle(long millis) throws InterruptedException {
    long deadline = System.nanoTime() + millis * 1_000_000L;
    while (draining) {
      long left = deadline - System.nanoTime();
      if (left <= 0) {
        return false;
      }
      wait(Math.max(1, left / 1_000_000L));
    }
    return true;
  }

  private void drain() {
    boolean emptied = false;
    try {
      while (true) {
        Runnable task;
        synchronized (this) {
          task = queue.pollFirst();
          if (task == null) {
            draining = false;
            notifyAll();
            emptied = true;
            return;
          }
        }
        try {
          task.run();
        } catch (RuntimeException e) {
          // The listener's calls catch their own failures; this keeps a stray one from stopping
          // every later event.
          Thread t = Thread.currentThread();
          t.getUncaughtExceptionHandler().uncaughtException(t, e);
        }
      }
    } finally {
      if (!emptied) { // an Error escaped: the next task handed in starts a new drain
        synchronized (this) {
          draining = false;
          notifyAll();
        }
      }
    }
  }
}
