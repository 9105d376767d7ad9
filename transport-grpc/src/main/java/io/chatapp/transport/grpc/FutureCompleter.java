package io.chatapp.transport.grpc;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Completes a {@link GrpcChatClient}'s futures on a thread of the client's own
 * ({@code chatapp-grpc-client-N-callbacks}), never on the channel's Netty event loop: the channel
 * runs its callbacks directly on the event loop, so whatever may run application code, a
 * future's dependents, goes through here, one hand-off per answer or per batch of answers.
 *
 * <p>One thread per client, kept apart from the listener thread so that an application that
 * blocks on a call inside a listener method still gets its answer. Under load the thread stays
 * busy and takes work from its queue without being woken for each answer. After
 * {@link #shutdown()} work runs on the calling thread instead.
 *
 * <p>Thread-safe.
 */
final class FutureCompleter {
  private static final AtomicInteger IDS = new AtomicInteger();

  private final ExecutorService thread;

  FutureCompleter() {
    int id = IDS.incrementAndGet();
    this.thread = Executors.newSingleThreadExecutor(r -> {
      Thread t = new Thread(r, "chatapp-grpc-client-" + id + "-callbacks");
      t.setDaemon(true);
      return t;
    });
  }

  /**
   * Runs a task on the completion thread, or here once shut down.
   *
   * @param task completes futures
   */
  void execute(Runnable task) {
    try {
      thread.execute(task);
    } catch (RejectedExecutionException e) {
      task.run(); // shut down: the client is closing and completes what is left itself
    }
  }

  /**
   * Returns a future that completes like {@code source}, on the completion thread.
   *
   * @param source completed on any thread, possibly an event loop
   * @return the future to hand to the application
   */
  <T> CompletableFuture<T> handOff(CompletableFuture<T> source) {
    CompletableFuture<T> out = new CompletableFuture<>();
    source.whenComplete((v, e) -> execute(() -> {
      if (e != null) {
        out.completeExceptionally(e);
      } else {
        out.complete(v);
      }
    }));
    return out;
  }

  /** Stops the thread once its queue is done; later work runs on the calling thread. */
  void shutdown() {
    thread.shutdown();
  }
}
