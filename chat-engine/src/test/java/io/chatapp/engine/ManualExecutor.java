package io.chatapp.engine;

import java.util.ArrayDeque;
import java.util.Queue;
import java.util.concurrent.Executor;

/** An executor that runs nothing until the test says so, so tests control delivery. Not thread-safe. */
final class ManualExecutor implements Executor {
  private final Queue<Runnable> tasks = new ArrayDeque<>();

  @Override
  public synchronized void execute(Runnable task) {
    tasks.add(task);
  }

  /** Runs queued tasks, and those they queue, until none is left. */
  void runAll() {
    Runnable task;
    while ((task = poll()) != null) {
      task.run();
    }
  }

  private synchronized Runnable poll() {
    return tasks.poll();
  }
}
