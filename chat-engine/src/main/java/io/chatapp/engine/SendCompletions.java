package io.chatapp.engine;

import java.lang.System.Logger.Level;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Runs the engine's part of the sends that a store finishes later (a group commit): offering the
 * message in seq order, carbons, {@code onMessageStored}, and then whatever the caller of
 * {@code sendAsync} chained to its future (a transport writes the answer). One task at a time, in
 * the order the store completed the appends, in batches on the delivery executor.
 *
 * <p>The store's thread that completes appends (store-jdbc's writer) only queues here: queueing
 * is a lock-free add, and one executor task serves a whole commit's sends, so the writer goes on
 * to its next commit at once instead of waking a thread per send. The tasks must not run on that
 * thread anyway: they take a mailbox's lock, which a caller may hold while it waits for the store.
 *
 * <p>Thread-safe: any thread queues; one thread at a time runs the tasks.
 */
final class SendCompletions implements Executor {
  private static final System.Logger LOG = System.getLogger(SendCompletions.class.getName());
  // Tasks run in one turn on the executor before it goes to the back of the executor's queue, so
  // that subscriptions' deliveries on the same threads are not held back by a burst of sends.
  private static final int BATCH = 256;

  private final Executor executor;
  private final ConcurrentLinkedQueue<Runnable> tasks = new ConcurrentLinkedQueue<>();
  private final AtomicBoolean scheduled = new AtomicBoolean();

  SendCompletions(Executor executor) {
    this.executor = executor;
  }

  /**
   * Queues a task. Never throws: once the executor refuses work (the engine has shut its pool
   * down and the store commits what it accepted while closing), the tasks run on the calling
   * thread, so that no send is left without an outcome.
   */
  @Override
  public void execute(Runnable task) {
    tasks.add(task);
    if (scheduled.compareAndSet(false, true)) {
      schedule();
    }
  }

  private void schedule() {
    try {
      executor.execute(this::drain);
    } catch (RejectedExecutionException e) {
      drain();
    }
  }

  private void drain() {
    for (int i = 0; i < BATCH; i++) {
      Runnable task = tasks.poll();
      if (task == null) {
        break;
      }
      try {
        task.run();
      } catch (Throwable t) {
        // CompletableFuture's tasks catch what they run; this is a bug in the lane itself.
        LOG.log(Level.ERROR, "a send's completion failed", t);
      }
    }
    scheduled.set(false);
    // A task queued after the last poll and before the flag was cleared saw it set: take it on.
    if (!tasks.isEmpty() && scheduled.compareAndSet(false, true)) {
      schedule();
    }
  }
}
