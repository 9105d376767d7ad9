package io.chatapp.transport.grpc;

import java.util.concurrent.Executor;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * Completes a {@link GrpcChatClient}'s answer futures on a thread of the client's own
 * ({@code chatapp-grpc-answers <server>}), never on the channel's Netty event loop: the channel
 * runs its callbacks directly on the event loop, so whatever may run application code (a future's
 * dependents, through the client core) goes through here, one hand-off per answer or per batch of
 * send results.
 *
 * <p>One thread per client, apart from the core's listener thread, so that an application that
 * blocks on a call inside a listener method still gets its answer; under load the thread takes
 * work from its queue without being woken for each answer. The thread ends after 30 idle
 * seconds, so a client needs no shutdown of it; if the executor refuses work the task runs on the
 * calling thread.
 *
 * <p>Thread-safe.
 */
final class FutureCompleter implements Executor {
  private final ThreadPoolExecutor thread;

  FutureCompleter(String target) {
    this.thread = new ThreadPoolExecutor(1, 1, 30, TimeUnit.SECONDS, new LinkedBlockingQueue<>(), r -> {
      Thread t = new Thread(r, "chatapp-grpc-answers " + target);
      t.setDaemon(true);
      return t;
    });
    thread.allowCoreThreadTimeOut(true);
  }

  @Override
  public void execute(Runnable task) {
    try {
      thread.execute(task);
    } catch (RejectedExecutionException e) {
      task.run();
    }
  }
}
